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
 * @param scopes         the names of the policy's scopes whose rules were added to the base policy's for this key, in policy order
 */
public record TagPlan(
        Map<String, String> toSet,
        List<String> toRemove,
        Map<String, String> previousValues,
        List<Violation> violations,
        WriteOrder order,
        Optional<Exemption> exemption,
        List<String> scopes) {

    public TagPlan {
        toSet = Collections.unmodifiableMap(new LinkedHashMap<>(toSet));
        toRemove = List.copyOf(toRemove);
        previousValues = Collections.unmodifiableMap(new LinkedHashMap<>(previousValues));
        violations = List.copyOf(violations);
        scopes = List.copyOf(scopes);
    }

    /** A plan for the base policy alone. */
    public TagPlan(Map<String, String> toSet, List<String> toRemove, Map<String, String> previousValues, List<Violation> violations,
            WriteOrder order, Optional<Exemption> exemption) {
        this(toSet, toRemove, previousValues, violations, order, exemption, List.of());
    }

    TagPlan withScopes(List<String> names) {
        return new TagPlan(toSet, toRemove, previousValues, violations, order, exemption, names);
    }

    /** The tags {@code current} holds once both writes of this plan are made. */
    public Map<String, String> appliedTo(Map<String, String> current) {
        Map<String, String> after = new LinkedHashMap<>(current);
        toRemove.forEach(after::remove);
        after.putAll(toSet);
        return after;
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
