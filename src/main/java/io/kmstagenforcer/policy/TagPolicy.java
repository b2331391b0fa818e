package io.kmstagenforcer.policy;

import java.util.ArrayList;
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
 * @param organizationTagPolicy how much of the account's AWS Organizations tag policy is read and joined to this one
 *                       for each key ({@link OrganizationTags#merge})
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
        OrganizationTagSource organizationTagPolicy,
        OptionalInt maxExemptionDays,
        List<KeyScope> scopes) {

    /** A policy without scopes. */
    public TagPolicy(Mode mode, List<RequiredTag> required, List<KeyGlob> forbidden, boolean normalizeKeyCase, Optional<String> exemptTag,
            List<KeyGlob> protectedTags, boolean checkKeyPolicy, OrganizationTagSource organizationTagPolicy, OptionalInt maxExemptionDays) {
        this(mode, required, forbidden, normalizeKeyCase, exemptTag, protectedTags, checkKeyPolicy, organizationTagPolicy, maxExemptionDays,
                List.of());
    }

    /** A policy whose exemptions run as long as their tag says, without scopes. */
    public TagPolicy(Mode mode, List<RequiredTag> required, List<KeyGlob> forbidden, boolean normalizeKeyCase, Optional<String> exemptTag,
            List<KeyGlob> protectedTags, boolean checkKeyPolicy, OrganizationTagSource organizationTagPolicy) {
        this(mode, required, forbidden, normalizeKeyCase, exemptTag, protectedTags, checkKeyPolicy, organizationTagPolicy, OptionalInt.empty());
    }

    /** A policy that does not read the Organizations tag policy. */
    public TagPolicy(Mode mode, List<RequiredTag> required, List<KeyGlob> forbidden, boolean normalizeKeyCase, Optional<String> exemptTag,
            List<KeyGlob> protectedTags, boolean checkKeyPolicy) {
        this(mode, required, forbidden, normalizeKeyCase, exemptTag, protectedTags, checkKeyPolicy, OrganizationTagSource.NONE);
    }


    public TagPolicy {
        required = List.copyOf(required);
        forbidden = List.copyOf(forbidden);
        protectedTags = List.copyOf(protectedTags);
        scopes = List.copyOf(scopes);
    }

    /** The first {@code protectedTags} glob that matches {@code key}: such a tag is never removed, renamed or given another value. */
    public Optional<KeyGlob> protection(String key) {
        return protectedTags.stream().filter(glob -> glob.matches(key)).findFirst();
    }

    public boolean isForbidden(String key) {
        return forbidden.stream().anyMatch(glob -> glob.matches(key));
    }

    public TagPolicy withMode(Mode newMode) {
        return new TagPolicy(newMode, required, forbidden, normalizeKeyCase, exemptTag, protectedTags, checkKeyPolicy, organizationTagPolicy,
                maxExemptionDays, scopes);
    }

    /** The same policy with these required tags. */
    public TagPolicy withRequired(List<RequiredTag> newRequired) {
        return new TagPolicy(mode, newRequired, forbidden, normalizeKeyCase, exemptTag, protectedTags, checkKeyPolicy, organizationTagPolicy,
                maxExemptionDays, scopes);
    }

    /** True when a scope matches on key spec, usage, origin or multi-Region: a key not described by its creation record needs a DescribeKey. */
    public boolean needsKeyAttributes() {
        return scopes.stream().anyMatch(scope -> scope.match().needsAttributes());
    }

    /** True when {@code attributes} (a creation record's) say all that the scopes match on: no DescribeKey is needed for them. */
    public boolean attributesSuffice(KeyAttributes attributes) {
        return scopes.stream().allMatch(scope -> scope.match().decidableWith(attributes));
    }

    /** True when a scope matches on aliases: a key needs its aliases read (the sweep's alias listing has them). */
    public boolean needsAliases() {
        return scopes.stream().anyMatch(scope -> scope.match().needsAliases());
    }

    /** This policy without its scopes: the base rules every key gets. */
    public TagPolicy base() {
        return scopes.isEmpty() ? this : withScopes(List.of());
    }

    /**
     * The rules of a key these scopes apply to: the base policy's and every scope's, added together
     * (the parser refuses scopes that contradict the base or each other where both can apply). A scope
     * requiring a key the base requires can only come from {@code organizationTagPolicy}, whose
     * requirement has no rules: the scope's rules replace it (the organisation's tag policy's rule for the key, if any, stays on top). Scopes requiring the same key give it the same rules.
     */
    public TagPolicy withScopes(List<KeyScope> applied) {
        List<RequiredTag> scopeRequired = new ArrayList<>();
        for (KeyScope scope : applied) {
            scope.required().stream()
                    .filter(tag -> scopeRequired.stream().noneMatch(known -> known.key().equals(tag.key())))
                    .forEach(scopeRequired::add);
        }
        List<RequiredTag> allRequired = new ArrayList<>(required.stream()
                .filter(tag -> scopeRequired.stream().noneMatch(scoped -> scoped.key().equals(tag.key()))).toList());
        // A scope's rule for a key the organisation's tag policy names keeps the organisation's rule on top of it.
        scopeRequired.stream().map(scoped -> required.stream().filter(tag -> tag.key().equals(scoped.key()) && tag.organization().isPresent())
                .findFirst().map(tag -> scoped.withOrganization(scoped.key(), tag.organization(), false)).orElse(scoped))
                .forEach(allRequired::add);
        List<KeyGlob> allForbidden = new ArrayList<>(forbidden);
        List<KeyGlob> allProtected = new ArrayList<>(protectedTags);
        applied.forEach(scope -> {
            allForbidden.addAll(scope.forbidden());
            allProtected.addAll(scope.protectedTags());
        });
        return new TagPolicy(mode, allRequired, allForbidden, normalizeKeyCase, exemptTag, allProtected, checkKeyPolicy, organizationTagPolicy,
                maxExemptionDays, List.of());
    }
}
