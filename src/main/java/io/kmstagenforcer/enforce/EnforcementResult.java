package io.kmstagenforcer.enforce;

import io.kmstagenforcer.event.SkipReason;
import io.kmstagenforcer.plan.Exemption;
import io.kmstagenforcer.plan.Violation;
import io.kmstagenforcer.policy.Mode;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * What happened to one key (or to an event that named none).
 *
 * @param trigger        what brought the key here: the CloudTrail event's name, or {@code Sweep}
 * @param added          tags written by TagResource
 * @param removed        tag keys removed by UntagResource
 * @param wouldAdd       in report mode, the tags enforce mode would write
 * @param wouldRemove    in report mode, the tag keys enforce mode would remove
 * @param previousValues the value every changed or removed tag held before (logged, never returned)
 * @param skipped        for an {@code IGNORED} key that was left alone unplanned, why (the sweep counts these)
 * @param accessControlTags with {@code checkKeyPolicy}, the tags the plan adds, replaces or removes that an
 *                       {@code aws:ResourceTag/...} condition of the key's key policy names
 * @param keyPolicy      with {@code checkKeyPolicy}, for a key the plan changes: {@code read}, or why the key
 *                       policy could not be read (the changes are made all the same); empty when not checked
 * @param organizationTagPolicy with {@code organizationTagPolicy}, for a key enforced: {@code read: ...} and the
 *                       keys its account's tag policy requires, {@code none: ...} (it has none), or {@code unavailable: ...} and why
 *                       (the local policy was enforced alone)
 * @param editedValuesGone for a TagResource event, each value its record set that the key no longer held when read:
 *                       replaced after the edit, by a later edit or by a run that had read the key before it (logged, never returned)
 * @param exemption      for a key carrying the policy's exemption tag: whether it exempted the key, until when, or why not
 *                       (expired, an end date that is not a date, beyond {@code maxExemptionDays}); the key is enforced unless it did
 * @param scopes         the names of the policy's scopes whose rules applied to the key, in policy order
 */
public record EnforcementResult(
        Outcome outcome,
        Mode mode,
        Optional<String> trigger,
        Optional<String> eventId,
        Optional<String> keyArn,
        Map<String, String> added,
        List<String> removed,
        Map<String, String> wouldAdd,
        List<String> wouldRemove,
        Map<String, String> previousValues,
        List<Violation> violations,
        Optional<String> reason,
        Optional<SkipReason> skipped,
        List<String> accessControlTags,
        Optional<String> keyPolicy,
        Optional<String> organizationTagPolicy,
        Map<String, String> editedValuesGone,
        Optional<Exemption> exemption,
        List<String> scopes) {

    public EnforcementResult {
        added = ordered(added);
        removed = List.copyOf(removed);
        wouldAdd = ordered(wouldAdd);
        wouldRemove = List.copyOf(wouldRemove);
        previousValues = ordered(previousValues);
        violations = List.copyOf(violations);
        accessControlTags = List.copyOf(accessControlTags);
        editedValuesGone = ordered(editedValuesGone);
        scopes = List.copyOf(scopes);
    }

    /** An outcome reached without touching the key: ignored, rejected. */
    static EnforcementResult untouched(Outcome outcome, Mode mode, Optional<String> trigger, Optional<String> eventId,
            Optional<String> keyArn, String reason) {
        return new EnforcementResult(outcome, mode, trigger, eventId, keyArn, Map.of(), List.of(), Map.of(), List.of(), Map.of(),
                List.of(), Optional.of(reason), Optional.empty(), List.of(), Optional.empty(), Optional.empty(), Map.of(), Optional.empty(),
                List.of());
    }

    /**
     * This attempt's result for a key that an earlier attempt, which failed part-way, had already
     * written to: every write of both (this attempt's value where both wrote a tag), and for every tag
     * either replaced or removed the value it held before the first of them, so that no value a write
     * replaced goes unsaid. A key this attempt found compliant was remediated by the two together.
     */
    public EnforcementResult afterEarlierAttempt(EnforcementResult earlier) {
        if (earlier.added.isEmpty() && earlier.removed.isEmpty()) {
            return this;
        }
        Map<String, String> before = new LinkedHashMap<>(earlier.previousValues);
        previousValues.forEach(before::putIfAbsent);
        return new EnforcementResult(outcome == Outcome.COMPLIANT ? Outcome.REMEDIATED : outcome, mode, trigger, eventId, keyArn,
                merged(earlier.added, added), union(earlier.removed, removed), wouldAdd, wouldRemove, before, violations, reason, skipped,
                union(earlier.accessControlTags, accessControlTags), keyPolicy.or(earlier::keyPolicy), organizationTagPolicy,
                merged(earlier.editedValuesGone, editedValuesGone), exemption, scopes);
    }

    /** Whether TagResource or UntagResource was called for this result and succeeded. */
    public boolean wroteAnything() {
        return !added.isEmpty() || !removed.isEmpty();
    }

    private static List<String> union(List<String> first, List<String> then) {
        return Stream.concat(first.stream(), then.stream()).distinct().toList();
    }

    private static Map<String, String> merged(Map<String, String> first, Map<String, String> then) {
        Map<String, String> both = new LinkedHashMap<>(first);
        both.putAll(then);
        return both;
    }

    private static Map<String, String> ordered(Map<String, String> map) {
        return Collections.unmodifiableMap(new LinkedHashMap<>(map));
    }
}
