package io.kmstagenforcer.plan;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The difference between a key's tags and the policy: at most one TagResource ({@code toSet}) and
 * one UntagResource ({@code toRemove}), in {@code order}.
 *
 * @param previousValues the value each changed or removed tag held before, for the log
 * @param exemption      how the key's exemption tag stands, when it carries one: an honoured one plans nothing
 *                       else; one that expired or is not honoured is planned as any key, and says why
 */
public record TagPlan(
        Map<String, String> toSet,
        List<String> toRemove,
        Map<String, String> previousValues,
        List<Violation> violations,
        WriteOrder order,
        Optional<Exemption> exemption) {

    public TagPlan {
        toSet = Collections.unmodifiableMap(new LinkedHashMap<>(toSet));
        toRemove = List.copyOf(toRemove);
        previousValues = Collections.unmodifiableMap(new LinkedHashMap<>(previousValues));
        violations = List.copyOf(violations);
    }

    static TagPlan exemptPlan(Exemption exemption) {
        return new TagPlan(Map.of(), List.of(), Map.of(), List.of(), WriteOrder.TAG_FIRST, Optional.of(exemption));
    }

    /** The key is exempt: nothing is planned. */
    public boolean exempt() {
        return exemption.filter(Exemption::honoured).isPresent();
    }

    public boolean hasChanges() {
        return !toSet.isEmpty() || !toRemove.isEmpty();
    }
}
