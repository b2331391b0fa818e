package io.kmstagenforcer.enforce;

import io.kmstagenforcer.plan.Violation;
import io.kmstagenforcer.policy.Mode;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What happened to one event.
 *
 * @param added          tags written by TagResource
 * @param removed        tag keys removed by UntagResource
 * @param wouldAdd       in report mode, the tags enforce mode would write
 * @param wouldRemove    in report mode, the tag keys enforce mode would remove
 * @param previousValues the value every changed or removed tag held before (logged, never returned)
 */
public record EnforcementResult(
        Outcome outcome,
        Mode mode,
        Optional<String> eventId,
        Optional<String> keyArn,
        Map<String, String> added,
        List<String> removed,
        Map<String, String> wouldAdd,
        List<String> wouldRemove,
        Map<String, String> previousValues,
        List<Violation> violations,
        Optional<String> reason) {

    public EnforcementResult {
        added = ordered(added);
        removed = List.copyOf(removed);
        wouldAdd = ordered(wouldAdd);
        wouldRemove = List.copyOf(wouldRemove);
        previousValues = ordered(previousValues);
        violations = List.copyOf(violations);
    }

    /** An outcome reached without touching the key: ignored, rejected. */
    static EnforcementResult untouched(Outcome outcome, Mode mode, Optional<String> eventId, Optional<String> keyArn, String reason) {
        return new EnforcementResult(outcome, mode, eventId, keyArn, Map.of(), List.of(), Map.of(), List.of(), Map.of(),
                List.of(), Optional.of(reason));
    }

    private static Map<String, String> ordered(Map<String, String> map) {
        return Collections.unmodifiableMap(new LinkedHashMap<>(map));
    }
}
