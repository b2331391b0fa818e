package io.kmstagenforcer.enforce;

import io.kmstagenforcer.event.EventInterpreter;
import io.kmstagenforcer.event.Interpretation;
import io.kmstagenforcer.event.KeyEvent;
import io.kmstagenforcer.event.KeyStates;
import io.kmstagenforcer.kms.KeyDescription;
import io.kmstagenforcer.kms.KmsCallException;
import io.kmstagenforcer.kms.KmsKeys;
import io.kmstagenforcer.plan.KeyContext;
import io.kmstagenforcer.plan.TagPlan;
import io.kmstagenforcer.plan.TagPlanner;
import io.kmstagenforcer.plan.WriteOrder;
import io.kmstagenforcer.policy.Mode;
import io.kmstagenforcer.policy.TagPolicy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The domain core: one event in, one {@link EnforcementResult} out. Reads the key's tags once,
 * writes only the difference (so a redelivered event writes nothing), and throws
 * {@link RetryableFailure} only when a later attempt could succeed.
 */
public final class TagEnforcer {
    /**
     * A key cannot disappear within days of its creation (deletion waits at least 7), so a key
     * still "not found" this long after the event was never going to be found: wrong account or
     * region, or a very old replay. Retrying that would only fill the failure queue later.
     */
    static final Duration NOT_FOUND_IS_TRANSIENT_FOR = Duration.ofMinutes(30);

    private final TagPolicy policy;
    private final KmsKeys keys;
    private final NotFoundRetry notFoundRetry;
    private final Clock clock;
    private final EventInterpreter interpreter = new EventInterpreter();

    public TagEnforcer(TagPolicy policy, KmsKeys keys, NotFoundRetry notFoundRetry, Clock clock) {
        this.policy = policy;
        this.keys = keys;
        this.notFoundRetry = notFoundRetry;
        this.clock = clock;
    }

    public EnforcementResult enforce(byte[] eventBytes) {
        Interpretation interpretation = interpreter.interpret(eventBytes);
        if (interpretation instanceof Interpretation.Reject reject) {
            return EnforcementResult.untouched(Outcome.REJECTED, policy.mode(), reject.eventId(), Optional.empty(), reject.reason());
        }
        if (interpretation instanceof Interpretation.Ignore ignore) {
            return EnforcementResult.untouched(Outcome.IGNORED, policy.mode(), ignore.eventId(), ignore.keyArn(), ignore.reason());
        }
        KeyEvent event = ((Interpretation.Enforce) interpretation).event();
        Writes writes = new Writes(event);
        boolean recent = isRecent(event);
        try {
            // Waiting only helps a key KMS may not know yet; an old event's key will not appear.
            return enforce(event, writes, recent ? notFoundRetry : NotFoundRetry.NONE);
        } catch (KmsCallException e) {
            String reason = e.operation() + " answered " + e.errorCode();
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

    private EnforcementResult enforce(KeyEvent event, Writes writes, NotFoundRetry retry) {
        if (event.keyManager().isEmpty()) {
            KeyDescription description = retry.call(() -> keys.describe(event.key()));
            Optional<String> skip = KeyStates.reasonToSkip(description.keyManager(), description.keyState());
            if (skip.isPresent()) {
                return writes.result(Outcome.IGNORED, skip.get());
            }
        }
        Map<String, String> tags = retry.call(() -> keys.listTags(event.key()));
        TagPlan plan = TagPlanner.plan(tags, policy, KeyContext.ofCreation(event));
        writes.plan = plan;
        if (plan.exempt()) {
            return writes.result(Outcome.IGNORED, "key carries the exemption tag " + policy.exemptTag().orElseThrow());
        }
        if (!plan.hasChanges()) {
            return plan.violations().isEmpty()
                    ? writes.result(Outcome.COMPLIANT, null)
                    : writes.result(Outcome.NONCOMPLIANT, "the policy gives no value to fix these violations with");
        }
        if (policy.mode() == Mode.REPORT) {
            return writes.result(Outcome.REPORTED, "report mode: nothing written");
        }
        if (plan.order() == WriteOrder.TAG_FIRST) {
            writes.tag();
            writes.untag();
        } else {
            writes.untag();
            writes.tag();
        }
        return writes.result(Outcome.REMEDIATED, null);
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

    /** The writes for one event as they happen, so a failure part-way reports what was done. */
    private final class Writes {
        private final KeyEvent event;
        private TagPlan plan;
        private Map<String, String> added = Map.of();
        private List<String> removed = List.of();

        Writes(KeyEvent event) {
            this.event = event;
        }

        void tag() {
            if (!plan.toSet().isEmpty()) {
                keys.tag(event.key(), plan.toSet());
                added = plan.toSet();
            }
        }

        void untag() {
            if (!plan.toRemove().isEmpty()) {
                keys.untag(event.key(), plan.toRemove());
                removed = plan.toRemove();
            }
        }

        EnforcementResult result(Outcome outcome, String reason) {
            boolean reported = outcome == Outcome.REPORTED;
            Map<String, String> previous = new LinkedHashMap<>();
            if (plan != null && !reported) {
                plan.previousValues().forEach((key, value) -> {
                    if (added.containsKey(key) || removed.contains(key)) {
                        previous.put(key, value);
                    }
                });
            }
            return new EnforcementResult(outcome, policy.mode(), event.eventId(), Optional.of(event.key().toString()),
                    added, removed,
                    reported ? plan.toSet() : Map.of(),
                    reported ? plan.toRemove() : List.of(),
                    reported ? plan.previousValues() : previous,
                    plan == null ? List.of() : plan.violations(),
                    Optional.ofNullable(reason));
        }
    }
}
