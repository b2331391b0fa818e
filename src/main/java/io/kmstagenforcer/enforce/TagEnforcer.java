package io.kmstagenforcer.enforce;

import io.kmstagenforcer.event.EnforcerIdentity;
import io.kmstagenforcer.event.EventInterpreter;
import io.kmstagenforcer.event.Interpretation;
import io.kmstagenforcer.event.KeyArn;
import io.kmstagenforcer.event.KeyEvent;
import io.kmstagenforcer.event.KeyStates;
import io.kmstagenforcer.event.SkipReason;
import io.kmstagenforcer.json.JsonShapeException;
import io.kmstagenforcer.kms.Deadline;
import io.kmstagenforcer.kms.KeyDescription;
import io.kmstagenforcer.kms.KmsCallException;
import io.kmstagenforcer.kms.KmsKeys;
import io.kmstagenforcer.plan.KeyContext;
import io.kmstagenforcer.plan.Problem;
import io.kmstagenforcer.plan.TagPlan;
import io.kmstagenforcer.plan.TagPlanner;
import io.kmstagenforcer.plan.WriteOrder;
import io.kmstagenforcer.policy.EffectivePolicy;
import io.kmstagenforcer.policy.OrganizationTagRule;
import io.kmstagenforcer.policy.KeyAttributes;
import io.kmstagenforcer.policy.Mode;
import io.kmstagenforcer.policy.PolicySource;
import io.kmstagenforcer.policy.TagPolicy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The domain core: one key in, one {@link EnforcementResult} out, whether the key comes from an
 * event or from the sweep. Reads the key's tags once, writes only the difference (so a redelivered
 * event writes nothing), and throws {@link RetryableFailure} only when a later attempt could succeed.
 *
 * <p>Two ways in, one engine:
 * <ul>
 *   <li>a new key (CreateKey, ReplicateKey): the event says who created it and, usually, that it is
 *       customer managed, so one ListResourceTags is all the reading it needs;</li>
 *   <li>an existing key (a TagResource/UntagResource drift event, the sweep): nothing says who created
 *       it ({@link KeyContext#ofExistingKey}); a key that complies costs one ListResourceTags, and
 *       only a key that needs changes is described (can it be tagged? when was it created?) and
 *       planned again with that.</li>
 * </ul>
 */
public final class TagEnforcer {
    /**
     * A key cannot disappear within days of its creation (deletion waits at least 7), so a key
     * still "not found" this long after the event was never going to be found: wrong account or
     * region, or a very old replay. Retrying that would only fill the failure queue later.
     */
    static final Duration NOT_FOUND_IS_TRANSIENT_FOR = Duration.ofMinutes(30);
    /**
     * How long after a key's creation its CreateKey record may still be on its way: CloudTrail's
     * delivery, then Lambda's two retries of a failed attempt. Until then a tag only that record can
     * give (the creator) is left for it: an {@code unknown} written now would stand in its way.
     */
    static final Duration CREATION_RECORD_EXPECTED_WITHIN = Duration.ofMinutes(30);
    /**
     * How old a read may be when its plan is written. KMS has no conditional write: an edit that lands
     * between the read and the write would be overwritten by a plan made without it. An event writes
     * within milliseconds of its read; the sweep may wait seconds for a write slot, so after such a
     * wait the key is read again (one ListResourceTags, of a quota 200 times TagResource's) and planned anew.
     */
    static final Duration READ_IS_FRESH_FOR = Duration.ofSeconds(1);
    private static final String TAG_RESOURCE = "TagResource";
    /** The trigger of a key the sweep found, in results and decision lines. */
    public static final String SWEEP_TRIGGER = "Sweep";
    /** {@code keyPolicy} of a result whose key policy was read. */
    public static final String KEY_POLICY_READ = "read";
    /** How {@code keyPolicy} of a result begins when the key policy could not be read. */
    public static final String KEY_POLICY_UNREAD = "could not be read";

    /** The local policy: its mode is every result's, and keys are enforced with {@link #policies}' current policy. */
    private final TagPolicy policy;
    private final PolicySource policies;
    private final KmsKeys keys;
    private final NotFoundRetry notFoundRetry;
    private final Clock clock;
    private final EventInterpreter interpreter;
    private final ReplacementLog replacements;

    public TagEnforcer(TagPolicy policy, KmsKeys keys, NotFoundRetry notFoundRetry, Clock clock) {
        this(policy, keys, notFoundRetry, clock, EnforcerIdentity.NONE);
    }

    public TagEnforcer(TagPolicy policy, KmsKeys keys, NotFoundRetry notFoundRetry, Clock clock, EnforcerIdentity identity) {
        this(policy, PolicySource.fixed(policy), keys, notFoundRetry, clock, identity);
    }

    /**
     * @param policies the policy each key is enforced with, asked once a key is to be enforced (never for an
     *                 event that is rejected or ignored, such as SnapStart's priming event)
     */
    public TagEnforcer(TagPolicy policy, PolicySource policies, KmsKeys keys, NotFoundRetry notFoundRetry, Clock clock,
            EnforcerIdentity identity) {
        this(policy, policies, keys, notFoundRetry, clock, identity, ReplacementLog.NONE);
    }

    /** @param replacements told what a key's writes replace or remove before the first of them is sent */
    public TagEnforcer(TagPolicy policy, PolicySource policies, KmsKeys keys, NotFoundRetry notFoundRetry, Clock clock,
            EnforcerIdentity identity, ReplacementLog replacements) {
        this.replacements = replacements;
        this.policy = policy;
        this.policies = policies;
        this.keys = keys;
        this.notFoundRetry = notFoundRetry;
        this.clock = clock;
        this.interpreter = new EventInterpreter(identity);
    }

    public TagPolicy policy() {
        return policy;
    }

    /** A new invocation begins: a policy source that failed in an earlier one may try again. */
    public void beginInvocation() {
        policies.beginInvocation();
    }

    /** One EventBridge event, with no deadline (priming, the simulator). */
    public EnforcementResult enforce(byte[] eventBytes) {
        return enforce(eventBytes, Deadline.NONE);
    }

    /**
     * One EventBridge event, as Lambda delivered it. Every KMS call and wait is bounded by
     * {@code deadline}, so a slow KMS ends the invocation as {@code RETRYING}, never as a timeout.
     */
    public EnforcementResult enforce(byte[] eventBytes, Deadline deadline) {
        Interpretation interpretation = interpreter.interpret(eventBytes);
        if (interpretation instanceof Interpretation.Reject reject) {
            return EnforcementResult.untouched(Outcome.REJECTED, policy.mode(), Optional.empty(), reject.eventId(), Optional.empty(),
                    reject.reason());
        }
        if (interpretation instanceof Interpretation.Ignore ignore) {
            return EnforcementResult.untouched(Outcome.IGNORED, policy.mode(), Optional.empty(), ignore.eventId(), ignore.keyArn(),
                    ignore.reason());
        }
        KeyEvent event = ((Interpretation.Enforce) interpretation).event();
        // A TagResource record carries the person's new values: the first read says which the key no longer holds.
        Writes writes = new Writes(policies.current(event.key().account(), deadline), keys.within(deadline), event.key(), event.eventName(), event.eventId(),
                TAG_RESOURCE.equals(event.eventName()) ? event.requestedTags() : Map.of());
        boolean recent = isRecent(event);
        try {
            // Waiting only helps a key KMS may not know yet; an old event's key will not appear.
            NotFoundRetry retry = recent ? notFoundRetry : NotFoundRetry.NONE;
            return event.createsKey() ? enforceNewKey(event, writes, retry, deadline)
                    : enforceExistingKey(writes, retry, deadline, Optional.empty());
        } catch (KmsCallException e) {
            String reason = e.reason();
            if (e.kind() == KmsCallException.Kind.TERMINAL) {
                return writes.result(Outcome.FAILED, reason);
            }
            if (e.kind() == KmsCallException.Kind.NOT_FOUND && !recent) {
                return writes.result(Outcome.FAILED, reason + " more than " + NOT_FOUND_IS_TRANSIENT_FOR.toMinutes()
                        + " minutes after the event: the key is not in this account and region");
            }
            throw new RetryableFailure(writes.result(Outcome.RETRYING, reason), e);
        }
    }

    /**
     * A key the sweep listed. Not found means it was deleted since it was listed: nothing to do.
     *
     * @throws RetryableFailure when KMS throttled or failed in a way a later attempt may not
     */
    public EnforcementResult enforceListedKey(KeyArn key, Deadline deadline) {
        return enforceListedKey(key, Optional.empty(), deadline);
    }

    /**
     * As {@link #enforceListedKey(KeyArn, Deadline)}, with the key's aliases when the sweep's alias
     * listing has them: a policy whose scopes match on aliases then needs no ListAliases for the key.
     */
    public EnforcementResult enforceListedKey(KeyArn key, Optional<List<String>> aliases, Deadline deadline) {
        Writes writes = new Writes(policies.current(key.account(), deadline), keys.within(deadline), key, SWEEP_TRIGGER, Optional.empty());
        try {
            return enforceExistingKey(writes, NotFoundRetry.NONE, deadline, aliases);
        } catch (KmsCallException e) {
            String reason = e.reason();
            switch (e.kind()) {
                case NOT_FOUND:
                    return writes.skipped(new KeyStates.Skip(SkipReason.DELETED, reason + ": the key was deleted after it was listed"));
                case TERMINAL:
                    return writes.result(Outcome.FAILED, reason);
                default:
                    throw new RetryableFailure(writes.result(Outcome.RETRYING, reason), e);
            }
        }
    }

    /** A member account the sweep could not enter (its role could not be assumed): no key, only the reason. */
    public EnforcementResult accountFailed(String reason) {
        return EnforcementResult.untouched(Outcome.FAILED, policy.mode(), Optional.of(SWEEP_TRIGGER), Optional.empty(), Optional.empty(),
                reason);
    }

    /** A listed key the sweep knows it must leave alone (an AWS managed key, by its alias), at no KMS call. */
    public EnforcementResult skipListedKey(KeyArn key, KeyStates.Skip skip) {
        return new Writes(EffectivePolicy.local(policy), keys, key, SWEEP_TRIGGER, Optional.empty()).skipped(skip);
    }

    /**
     * A key its creation record describes. Scopes on the key's attributes take them from the record
     * when it gives all four (CreateKey and ReplicateKey records do), else from the DescribeKey made
     * when the record does not say who manages the key, else from one DescribeKey; scopes on aliases
     * cost one ListAliases for the key. A policy without such scopes reads nothing more.
     */
    private EnforcementResult enforceNewKey(KeyEvent event, Writes writes, NotFoundRetry retry, Deadline deadline) {
        KmsKeys keys = writes.keys;
        Optional<KeyDescription> described = Optional.empty();
        if (event.keyManager().isEmpty()) {
            KeyDescription description = retry.call(() -> keys.describe(event.key()), deadline);
            Optional<KeyStates.Skip> skip = KeyStates.skip(description.keyManager(), description.keyState());
            if (skip.isPresent()) {
                return writes.skipped(skip.get());
            }
            described = Optional.of(description);
        }
        Map<String, String> tags = retry.call(() -> keys.listTags(event.key()), deadline);
        KeyContext context = KeyContext.ofCreation(event);
        if (writes.policy.needsKeyAttributes()) {
            KeyAttributes attributes = writes.policy.attributesSuffice(event.attributes()) ? event.attributes()
                    : described.orElseGet(() -> retry.call(() -> keys.describe(event.key()), deadline)).attributes();
            context = context.withAttributes(attributes);
        }
        if (writes.policy.needsAliases()) {
            context = context.withAliases(retry.call(() -> keys.aliases(event.key()), deadline));
        }
        return apply(writes.plan(tags, context), writes);
    }

    /**
     * A key no creation record describes. A compliant key costs one ListResourceTags; a policy whose
     * scopes match on attributes adds one DescribeKey for every key (which scopes apply cannot be known
     * without it; the key that needs changes reuses it), and one whose scopes match on aliases adds one
     * ListAliases unless {@code aliases} (the sweep's listing) has them.
     */
    private EnforcementResult enforceExistingKey(Writes writes, NotFoundRetry retry, Deadline deadline, Optional<List<String>> aliases) {
        KmsKeys keys = writes.keys;
        KeyArn key = writes.key;
        Map<String, String> tags = retry.call(() -> keys.listTags(key), deadline);
        Optional<List<String>> keyAliases = writes.policy.needsAliases()
                ? Optional.of(aliases.orElseGet(() -> retry.call(() -> keys.aliases(key), deadline)))
                : Optional.empty();
        Optional<KeyDescription> described = writes.policy.needsKeyAttributes()
                ? Optional.of(retry.call(() -> keys.describe(key), deadline))
                : Optional.empty();
        TagPlan plan = writes.plan(tags, withFacts(KeyContext.ofExistingKey(key, Optional.empty()), keyAliases, described));
        if (plan.exempt() || (!plan.hasChanges() && plan.violations().isEmpty())) {
            return apply(plan, writes);
        }
        // About to report or change a key no event described: can it be tagged at all, and when was it made?
        KeyDescription description = described.orElseGet(() -> retry.call(() -> keys.describe(key), deadline));
        Optional<KeyStates.Skip> skip = KeyStates.skip(description.keyManager(), description.keyState());
        if (skip.isPresent()) {
            return writes.skipped(skip.get());
        }
        boolean creationRecordToCome = description.creationDate()
                .filter(created -> Duration.between(created, clock.instant()).compareTo(CREATION_RECORD_EXPECTED_WITHIN) < 0)
                .isPresent();
        return apply(writes.plan(tags, withFacts(KeyContext.ofExistingKey(key, description.creationDate(), creationRecordToCome), keyAliases,
                described)), writes);
    }

    /** The context knowing what was read of the key for the policy's scopes. */
    private static KeyContext withFacts(KeyContext context, Optional<List<String>> aliases, Optional<KeyDescription> described) {
        KeyContext known = aliases.map(context::withAliases).orElse(context);
        return described.map(description -> known.withAttributes(description.attributes())).orElse(known);
    }

    private EnforcementResult apply(TagPlan plan, Writes writes) {
        TagPolicy policy = writes.policy;
        if (!plan.hasChanges()) {
            return writes.settled();
        }
        if (policy.checkKeyPolicy()) {
            writes.readKeyPolicy();
        }
        if (policy.mode() == Mode.REPORT) {
            return writes.result(Outcome.REPORTED, "report mode: nothing written");
        }
        boolean tagFirst = plan.order() == WriteOrder.TAG_FIRST;
        writes.write(tagFirst);
        writes.write(!tagFirst);
        // A key read again before its write may have needed nothing by then.
        return writes.wroteAnything() ? writes.written() : writes.settled();
    }

    private static String nothingToWriteBecause(TagPlan plan) {
        if (plan.violations().stream().allMatch(violation -> violation.problem() == Problem.PROTECTED)) {
            return "protectedTags forbids the changes these violations call for";
        }
        if (plan.violations().stream().allMatch(violation -> violation.problem() == Problem.AWAITING_CREATION_RECORD)) {
            return "waiting for the key's creation record, which alone can give these values";
        }
        return "the policy gives no value to fix these violations with";
    }

    private boolean isRecent(KeyEvent event) {
        try {
            return event.eventTime()
                    .map(Instant::parse)
                    .map(time -> Duration.between(time, clock.instant()).compareTo(NOT_FOUND_IS_TRANSIENT_FOR) < 0)
                    .orElse(true);
        } catch (DateTimeParseException e) {
            return true;
        }
    }

    /** The writes for one key as they happen, so a failure part-way reports what was done. */
    private final class Writes {
        /** The policy this key is enforced with. */
        private final TagPolicy policy;
        private final Optional<String> organizationTagPolicy;
        /** The adapter bounded by this invocation's deadline. */
        private final KmsKeys keys;
        private final KeyArn key;
        private final String trigger;
        private final Optional<String> eventId;
        /** The tags the event's TagResource set: a person's values. */
        private final Map<String, String> editedValues;
        private TagPlan plan;
        private KeyContext context;
        private Instant readAt;
        /** The tags the plan was made from. */
        private Map<String, String> tagsRead = Map.of();
        private Map<String, String> editedValuesGone = Map.of();
        /** The value each tag written held before, as KMS held it when the write was planned. */
        private final Map<String, String> previous = new LinkedHashMap<>();
        /** What the replacement log has been told will be replaced. */
        private final Map<String, String> logged = new LinkedHashMap<>();
        private List<String> accessControlTags = List.of();
        private Optional<String> keyPolicy = Optional.empty();
        private Map<String, String> added = Map.of();
        private List<String> removed = List.of();

        Writes(EffectivePolicy effective, KmsKeys keys, KeyArn key, String trigger, Optional<String> eventId) {
            this(effective, keys, key, trigger, eventId, Map.of());
        }

        Writes(EffectivePolicy effective, KmsKeys keys, KeyArn key, String trigger, Optional<String> eventId,
                Map<String, String> editedValues) {
            this.editedValues = editedValues;
            this.policy = effective.policy();
            this.organizationTagPolicy = effective.organizationTagPolicy();
            this.keys = keys;
            this.key = key;
            this.trigger = trigger;
            this.eventId = eventId;
        }

        /** Plans from the tags just read; the first read also says which of the event's edited values the key no longer holds. */
        TagPlan plan(Map<String, String> tags, KeyContext context) {
            if (readAt == null) {
                Map<String, String> gone = new LinkedHashMap<>();
                editedValues.forEach((tagKey, value) -> {
                    if (!value.equals(tags.get(tagKey))) {
                        gone.put(tagKey, value);
                    }
                });
                editedValuesGone = gone;
            }
            this.context = context;
            this.tagsRead = tags;
            this.readAt = clock.instant();
            this.plan = TagPlanner.plan(tags, policy, context, LocalDate.ofInstant(readAt, ZoneOffset.UTC));
            return plan;
        }

        /**
         * The plan's TagResource ({@code tagging}) or UntagResource, if it has one. When the write
         * slot came long after the read, the key is read again and planned anew first, so that an
         * edit made meanwhile is planned from (kept if the policy accepts it, its value logged if not).
         */
        void write(boolean tagging) {
            if (pending(tagging).isEmpty()) {
                return;
            }
            keys.awaitWriteSlot(tagging ? TAG_RESOURCE : "UntagResource", key);
            if (Duration.between(readAt, clock.instant()).compareTo(READ_IS_FRESH_FOR) > 0) {
                plan(keys.listTags(key), context);
                if (pending(tagging).isEmpty()) {
                    return;
                }
            }
            logReplacements();
            if (tagging) {
                try {
                    keys.tag(key, plan.toSet());
                } catch (KmsCallException e) {
                    throw refusedUnderEnforcedPolicy(e);
                }
                added = plan.toSet();
            } else {
                keys.untag(key, plan.toRemove());
                removed = plan.toRemove();
            }
            pending(tagging).forEach(tagKey -> Optional.ofNullable(plan.previousValues().get(tagKey))
                    .ifPresent(value -> previous.put(tagKey, value)));
        }

        /**
         * A TagResource KMS refused while it set a tag the organisation's tag policy enforces on {@code kms:key}
         * ({@code enforced_for}): KMS checks such values itself, and the error it answers for a value it refuses is not
         * documented. The plan only writes values the policy this function read allows, so a refusal means KMS holds
         * another version of the policy (changed since it was read): a retry would be refused again, so the key fails,
         * terminally, with the tags and the policy named. Throttling and KMS's own errors stay retryable (KmsKeys
         * classifies every other answer as terminal already).
         */
        private KmsCallException refusedUnderEnforcedPolicy(KmsCallException e) {
            if (e.kind() != KmsCallException.Kind.TERMINAL) {
                return e;
            }
            List<String> enforced = new ArrayList<>();
            plan.toSet().forEach((tagKey, value) -> policy.required().stream()
                    .filter(tag -> tag.key().equals(tagKey))
                    .flatMap(tag -> tag.organization().filter(OrganizationTagRule::enforced).stream())
                    .findFirst()
                    .ifPresent(rule -> enforced.add("\"" + tagKey + "\"=\"" + value + "\" (enforced on kms:key by the organisation's tag policy "
                            + rule.policyName() + ", which allows " + rule.allowedValues().orElse(List.of()) + ")")));
            if (enforced.isEmpty()) {
                return e;
            }
            return e.withReason(e.reason() + ": KMS refused " + String.join(", ", enforced)
                    + "; KMS applies its own copy of the tag policy, which no longer allows it: not retried");
        }

        private Collection<String> pending(boolean tagging) {
            return tagging ? plan.toSet().keySet() : plan.toRemove();
        }

        boolean wroteAnything() {
            return !added.isEmpty() || !removed.isEmpty();
        }

        /** Before a write: what the plan replaces or removes and the log was not yet told, while KMS still holds it. */
        private void logReplacements() {
            Map<String, String> unlogged = new LinkedHashMap<>();
            plan.previousValues().forEach((tagKey, value) -> {
                if (!value.equals(logged.get(tagKey))) {
                    unlogged.put(tagKey, value);
                }
            });
            if (!unlogged.isEmpty()) {
                replacements.replacing(key.toString(), trigger, eventId, unlogged);
                logged.putAll(unlogged);
            }
        }

        /**
         * The result once the plan is written: REMEDIATED when the key now complies; NONCOMPLIANT when violations
         * remain that the policy gives no value for (a key the organisation requires Owner on, with no default, got
         * its CostCenter), so that a key that still needs a person says so now, not on the next run.
         */
        EnforcementResult written() {
            TagPlan after = TagPlanner.plan(plan.appliedTo(tagsRead), policy, context, LocalDate.ofInstant(readAt, ZoneOffset.UTC));
            // What only the creation record can give is on its way (30 minutes at most), not for a person.
            boolean needsAPerson = after.violations().stream().anyMatch(violation -> violation.problem() != Problem.AWAITING_CREATION_RECORD);
            return !needsAPerson ? result(Outcome.REMEDIATED, null)
                    : result(Outcome.NONCOMPLIANT, "written what the policy gives, but " + nothingToWriteBecause(after));
        }

        /** The result for a plan with nothing (more) to write. */
        EnforcementResult settled() {
            if (plan.exempt()) {
                return skipped(new KeyStates.Skip(SkipReason.EXEMPT, plan.exemption().orElseThrow().detail()));
            }
            return plan.violations().isEmpty()
                    ? result(Outcome.COMPLIANT, null)
                    : result(Outcome.NONCOMPLIANT, nothingToWriteBecause(plan));
        }

        /**
         * Which of the tags the plan touches the key policy grants or denies access by. A key policy
         * the enforcer may not read (AccessDenied, or any other refusal) does not stop the changes;
         * only a failure a retry could mend fails the key, as for any other call.
         */
        void readKeyPolicy() {
            try {
                accessControlTags = KeyPolicyTags.touched(plan, KeyPolicyTags.named(keys.keyPolicy(key)));
                keyPolicy = Optional.of(KEY_POLICY_READ);
            } catch (KmsCallException e) {
                if (e.kind() != KmsCallException.Kind.TERMINAL) {
                    throw e;
                }
                keyPolicy = Optional.of(KEY_POLICY_UNREAD + " (" + e.reason() + "): which of the changed tags it names is not known");
            } catch (JsonShapeException e) {
                keyPolicy = Optional.of(KEY_POLICY_UNREAD + " (" + e.getMessage() + "): which of the changed tags it names is not known");
            }
        }

        EnforcementResult skipped(KeyStates.Skip skip) {
            return result(Outcome.IGNORED, skip.detail(), Optional.of(skip.reason()));
        }

        EnforcementResult result(Outcome outcome, String reason) {
            return result(outcome, reason, Optional.empty());
        }

        private EnforcementResult result(Outcome outcome, String reason, Optional<SkipReason> skipped) {
            boolean reported = outcome == Outcome.REPORTED;
            return new EnforcementResult(outcome, policy.mode(), Optional.of(trigger), eventId, Optional.of(key.toString()),
                    added, removed,
                    reported ? plan.toSet() : Map.of(),
                    reported ? plan.toRemove() : List.of(),
                    reported ? plan.previousValues() : previous,
                    plan == null ? List.of() : plan.violations(),
                    Optional.ofNullable(reason),
                    skipped,
                    accessControlTags,
                    keyPolicy,
                    organizationTagPolicy,
                    editedValuesGone,
                    plan == null ? Optional.empty() : plan.exemption(),
                    plan == null ? List.of() : plan.scopes());
        }
    }
}
