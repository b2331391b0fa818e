package io.kmstagenforcer.policy;

import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The organisation's tagging policy, validated: every key and literal value is one KMS accepts,
 * and no two rules contradict each other (so the enforcer never fights itself).
 *
 * @param protectedTags  globs of tag keys the enforcer never removes, renames or gives another value
 *                       (they may grant access through key policies and IAM conditions); a missing
 *                       protected required tag may still be added
 * @param checkKeyPolicy before a key is changed, read its key policy and name the changed tags that
 *                       an {@code aws:ResourceTag/...} condition of it names
 * @param organizationRequiredTags also require the tag keys the Organizations tag policy requires on
 *                       {@code kms:key} (read with ListRequiredTags), merged by {@link OrganizationTags#merge}
 * @param maxExemptionDays the longest an exemption may run: the exemption tag must then say {@code until YYYY-MM-DD}, at
 *                       most this many days after today, or the key is enforced ({@link io.kmstagenforcer.plan.Exemption})
 */
public record TagPolicy(
        Mode mode,
        List<RequiredTag> required,
        List<KeyGlob> forbidden,
        boolean normalizeKeyCase,
        Optional<String> exemptTag,
        List<KeyGlob> protectedTags,
        boolean checkKeyPolicy,
        boolean organizationRequiredTags,
        OptionalInt maxExemptionDays) {

    /** A policy whose exemptions run as long as their tag says. */
    public TagPolicy(Mode mode, List<RequiredTag> required, List<KeyGlob> forbidden, boolean normalizeKeyCase, Optional<String> exemptTag,
            List<KeyGlob> protectedTags, boolean checkKeyPolicy, boolean organizationRequiredTags) {
        this(mode, required, forbidden, normalizeKeyCase, exemptTag, protectedTags, checkKeyPolicy, organizationRequiredTags, OptionalInt.empty());
    }

    /** A policy that does not read the Organizations tag policy. */
    public TagPolicy(Mode mode, List<RequiredTag> required, List<KeyGlob> forbidden, boolean normalizeKeyCase, Optional<String> exemptTag,
            List<KeyGlob> protectedTags, boolean checkKeyPolicy) {
        this(mode, required, forbidden, normalizeKeyCase, exemptTag, protectedTags, checkKeyPolicy, false);
    }

    public TagPolicy {
        required = List.copyOf(required);
        forbidden = List.copyOf(forbidden);
        protectedTags = List.copyOf(protectedTags);
    }

    /** The first {@code protectedTags} glob that matches {@code key}: such a tag is never removed, renamed or given another value. */
    public Optional<KeyGlob> protection(String key) {
        return protectedTags.stream().filter(glob -> glob.matches(key)).findFirst();
    }

    public boolean isForbidden(String key) {
        return forbidden.stream().anyMatch(glob -> glob.matches(key));
    }

    public TagPolicy withMode(Mode newMode) {
        return new TagPolicy(newMode, required, forbidden, normalizeKeyCase, exemptTag, protectedTags, checkKeyPolicy, organizationRequiredTags,
                maxExemptionDays);
    }

    /** The same policy with these required tags. */
    public TagPolicy withRequired(List<RequiredTag> newRequired) {
        return new TagPolicy(mode, newRequired, forbidden, normalizeKeyCase, exemptTag, protectedTags, checkKeyPolicy, organizationRequiredTags,
                maxExemptionDays);
    }
}
