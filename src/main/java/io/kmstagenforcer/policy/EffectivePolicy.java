package io.kmstagenforcer.policy;

import java.util.Optional;

/**
 * The policy one key is enforced with.
 *
 * @param organizationRequiredTags with {@code organizationRequiredTags}, what became of the Organizations
 *                                 tag policy's required tags, for results and decision lines: {@code read: CostCenter, Owner},
 *                                 or {@code unavailable: ListRequiredTags answered AccessDeniedException}; empty without it
 */
public record EffectivePolicy(TagPolicy policy, Optional<String> organizationRequiredTags) {
    /** How {@link #organizationRequiredTags} begins when the list was read. */
    public static final String READ = "read";
    /** How {@link #organizationRequiredTags} begins when it was not: the local policy alone applies. */
    public static final String UNAVAILABLE = "unavailable";

    /** The local policy as it is, nothing read. */
    public static EffectivePolicy local(TagPolicy policy) {
        return new EffectivePolicy(policy, Optional.empty());
    }
}
