package io.kmstagenforcer.policy;

import java.util.Optional;

/**
 * The policy one key is enforced with.
 *
 * @param organizationTagPolicy with {@code organizationTagPolicy}, what became of the key's account's Organizations tag
 *                              policy, for results and decision lines: {@code read: CostCenter, Owner} (the keys it
 *                              requires), {@code none: ...} (the account has none), or {@code unavailable: ...} (it could not
 *                              be read: the local policy alone applies); empty without it
 */
public record EffectivePolicy(TagPolicy policy, Optional<String> organizationTagPolicy) {
    /** How {@link #organizationTagPolicy} begins when the account's tag policy was read. */
    public static final String READ = "read";
    /** How it begins when the account has no tag policy. */
    public static final String NONE = "none";
    /** How it begins when it could not be read: the local policy alone applies. */
    public static final String UNAVAILABLE = "unavailable";

    /** The local policy as it is, nothing read. */
    public static EffectivePolicy local(TagPolicy policy) {
        return new EffectivePolicy(policy, Optional.empty());
    }
}
