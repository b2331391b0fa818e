package io.kmstagenforcer.cli;

import io.kmstagenforcer.kms.Deadline;
import io.kmstagenforcer.enforce.EnforcementResult;
import io.kmstagenforcer.enforce.NotFoundRetry;
import io.kmstagenforcer.enforce.TagEnforcer;
import io.kmstagenforcer.event.EventInterpreter;
import io.kmstagenforcer.event.Interpretation;
import io.kmstagenforcer.event.KeyArn;
import io.kmstagenforcer.event.KeyEvent;
import io.kmstagenforcer.kms.KmsKeys;
import io.kmstagenforcer.plan.KeyContext;
import io.kmstagenforcer.policy.Mode;
import io.kmstagenforcer.policy.PolicyOrigin;
import io.kmstagenforcer.policy.TagPolicy;
import io.kmstagenforcer.policy.TemplateVariable;
import io.kmstagenforcer.policy.ValueTemplate;
import java.time.Clock;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * What the function does to one key: the real {@link TagEnforcer} (so the real
 * {@link io.kmstagenforcer.plan.TagPlanner} and {@link EventInterpreter}), run once in enforce mode
 * and once in report mode against an {@link InMemoryKms} holding the given tags, which records the
 * writes in the order the function sends them.
 *
 * @param event       the event's key and caller, when the event is one the function enforces
 * @param key         the key, when there is one: from the event, {@code --key-arn}, or the placeholder
 * @param context     the template context the planner draws from; empty for an ignored or rejected event
 * @param usedVariables the template variables the policy's defaults and values use
 * @param enforce     the function's result in enforce mode
 * @param writes      the TagResource and UntagResource of enforce mode, in order
 * @param tagsAfter   the key's tags after enforce mode's writes
 * @param report      the function's result in report mode (on read-only keys: nothing can be written)
 */
record Simulation(
        Input input,
        Optional<KeyEvent> event,
        Optional<KeyArn> key,
        Optional<KeyContext> context,
        Set<TemplateVariable> usedVariables,
        EnforcementResult enforce,
        List<InMemoryKms.Write> writes,
        Map<String, String> tagsAfter,
        EnforcementResult report) {

    /** A key named by no event and no {@code --key-arn}: the example key ARN of AWS's documentation. */
    static final KeyArn PLACEHOLDER_KEY = KeyArn.parse("arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab");

    /**
     * What to simulate.
     *
     * @param policyFile the policy file as the user named it
     * @param eventFile  the event file as the user named it, with its bytes
     * @param keyArn     {@code --key-arn}, for a run without an event
     * @param keyPolicyFile {@code --key-policy} as the user named it, with the key policy document it holds
     * @param today      {@code --today}: the day exemptions are judged on (noon UTC on the function's clock); empty for the real one
     */
    record Input(PolicyOrigin policyOrigin, TagPolicy policy, Map<String, String> tags, Optional<String> eventFile,
            Optional<byte[]> eventBytes, Optional<KeyArn> keyArn, Optional<String> keyPolicyFile, Optional<String> keyPolicy,
            Optional<LocalDate> today) {
        Input {
            tags = Collections.unmodifiableMap(new LinkedHashMap<>(tags));
        }
    }

    Simulation {
        writes = List.copyOf(writes);
        usedVariables = usedVariables.isEmpty() ? Set.of() : EnumSet.copyOf(usedVariables);
    }

    static Simulation of(Input input) {
        Optional<Interpretation> interpretation = input.eventBytes().map(bytes -> new EventInterpreter().interpret(bytes));
        Optional<KeyEvent> event = interpretation.filter(Interpretation.Enforce.class::isInstance)
                .map(enforce -> ((Interpretation.Enforce) enforce).event());
        Optional<KeyArn> key = input.eventBytes().isPresent()
                ? event.map(KeyEvent::key)
                : Optional.of(input.keyArn().orElse(PLACEHOLDER_KEY));
        Optional<KeyContext> context = key.map(arn -> event.filter(KeyEvent::createsKey)
                .map(KeyContext::ofCreation)
                .orElseGet(() -> KeyContext.ofExistingKey(arn, Optional.empty())));

        String keyPolicy = input.keyPolicy().orElse(InMemoryKms.DEFAULT_KEY_POLICY);
        InMemoryKms enforced = new InMemoryKms(input.tags(), keyPolicy);
        EnforcementResult enforce = run(input, Mode.ENFORCE, new KmsKeys(region -> enforced), key);
        EnforcementResult report = run(input, Mode.REPORT, KmsKeys.readOnly(region -> new InMemoryKms(input.tags(), keyPolicy)), key);
        return new Simulation(input, event, key, context, usedVariables(input.policy()), enforce, enforced.writes(), enforced.tags(),
                report);
    }

    /** True when the key is the placeholder: neither an event nor {@code --key-arn} named one. */
    boolean placeholderKey() {
        return input.eventBytes().isEmpty() && input.keyArn().isEmpty();
    }

    /** True when the function plans from the creation record (CreateKey, ReplicateKey). */
    boolean creationContext() {
        return event.filter(KeyEvent::createsKey).isPresent();
    }

    /** The policy's variables that this context cannot know, and so render as {@code unknown}. */
    Set<TemplateVariable> unknownUsedVariables() {
        Set<TemplateVariable> unknown = EnumSet.noneOf(TemplateVariable.class);
        context.ifPresent(known -> usedVariables.stream().filter(known.unknown()::contains).forEach(unknown::add));
        return unknown;
    }

    private static EnforcementResult run(Input input, Mode mode, KmsKeys keys, Optional<KeyArn> key) {
        Clock clock = input.today().map(day -> Clock.fixed(day.atTime(LocalTime.NOON).toInstant(ZoneOffset.UTC), ZoneOffset.UTC))
                .orElseGet(Clock::systemUTC);
        TagEnforcer enforcer = new TagEnforcer(input.policy().withMode(mode), keys, NotFoundRetry.NONE, clock);
        return input.eventBytes().map(enforcer::enforce).orElseGet(() -> enforcer.enforceListedKey(key.orElseThrow(), Deadline.NONE));
    }

    private static Set<TemplateVariable> usedVariables(TagPolicy policy) {
        Set<TemplateVariable> used = EnumSet.noneOf(TemplateVariable.class);
        policy.required().stream()
                .flatMap(tag -> Stream.of(tag.defaultValue(), tag.fixedValue()))
                .flatMap(Optional::stream)
                .map(ValueTemplate::variables)
                .forEach(used::addAll);
        return used;
    }
}
