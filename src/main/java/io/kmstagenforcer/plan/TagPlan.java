package io.kmstagenforcer.plan;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The difference between a key's tags and the policy: at most one TagResource ({@code toSet}) and
 * one UntagResource ({@code toRemove}), in {@code order}.
 *
 * @param previousValues the value each changed or removed tag held before, for the log
 * @param exempt         the key carries the policy's exemption tag; nothing else is planned
 */
public record TagPlan(
        Map<String, String> toSet,
        List<String> toRemove,
        Map<String, String> previousValues,
        List<Violation> violations,
        WriteOrder order,
        boolean exempt) {

    public TagPlan {
        toSet = Collections.unmodifiableMap(new LinkedHashMap<>(toSet));
        toRemove = List.copyOf(toRemove);
        previousValues = Collections.unmodifiableMap(new LinkedHashMap<>(previousValues));
        violations = List.copyOf(violations);
    }

    static TagPlan exemptPlan() {
        return new TagPlan(Map.of(), List.of(), Map.of(), List.of(), WriteOrder.TAG_FIRST, true);
    }

    public boolean hasChanges() {
        return !toSet.isEmpty() || !toRemove.isEmpty();
    }
}
