package io.kmstagenforcer.policy;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * How an account's Organizations tag policy joins the local policy (docs/POLICY.md "The organisation's tag
 * policy"). A key the local policy forbids, or its exemption tag, is left out (with a warning); every
 * other key the organisation names keeps the local rules for it, under the organisation's capitalisation,
 * with the organisation's allowed values on top. A key only the organisation requires is required with no
 * default, so a key without it is reported NONCOMPLIANT ("the policy gives no default"): the enforcer never
 * makes up a value for a tag only the organisation names.
 */
public final class OrganizationTags {
    private OrganizationTags() {
    }

    /**
     * @param policy   the effective policy: the local one with the organisation's keys it does not name
     * @param required the organisation's keys as read, each once
     * @param warnings why each key left out was left out
     */
    public record Merge(TagPolicy policy, List<String> required, List<String> warnings) {
        public Merge {
            required = List.copyOf(required);
            warnings = List.copyOf(warnings);
        }
    }

    /**
     * The local policy with the organisation's whole tag policy ({@link OrganizationTagPolicy}) on top; see docs/POLICY.md
     * "The organisation's tag policy". Every organisation key carries its {@link OrganizationTagRule} into the
     * {@link RequiredTag} the planner judges: a key the local policy requires (in any case) keeps its rules under the
     * organisation's capitalisation, and a value must satisfy both; a key the organisation requires and the local policy
     * does not name is required with no default; any other organisation key is judged only when present. Keys the
     * local policy forbids, or its exemptTag (in any case), or that no KMS key can carry, are left out with a warning.
     * Scopes' own required tags are not combined here.
     */
    public static Merge merge(TagPolicy local, OrganizationTagPolicy organization) {
        List<RequiredTag> required = new ArrayList<>(local.required());
        List<String> kept = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        for (OrganizationTagRule rule : organization.rules()) {
            String key = rule.tagKey();
            Optional<String> conflict = notAKmsKey(key).or(() -> forbidden(local, key))
                    .or(() -> local.exemptTag().filter(key::equalsIgnoreCase).map(exempt -> "it is the local policy's exemptTag"));
            if (conflict.isPresent()) {
                warnings.add("the organisation's tag policy " + organization.name() + " names \"" + key + "\", but " + conflict.get()
                        + ": left out (the local policy wins)");
                continue;
            }
            int index = localRule(required, key);
            String enforcedAs = key;
            if (index >= 0 && !rule.capitalisationKnown()) {
                // ListRequiredTags named the key without promising its capitalisation: the local policy's spelling stands.
                RequiredTag tag = required.get(index);
                required.set(index, tag.withOrganization(tag.key(), Optional.of(rule), false));
                enforcedAs = tag.key();
            } else if (index >= 0) {
                RequiredTag tag = required.get(index);
                if (!tag.key().equals(key)) {
                    warnings.add("the local policy's \"" + tag.key() + "\" is written \"" + key + "\", as the organisation's tag policy "
                            + organization.name() + " spells it");
                }
                required.set(index, tag.withOrganization(key, Optional.of(rule), false));
            } else if (rule.required() && required.stream().filter(tag -> !tag.onlyWhenPresent()).count() >= TagSyntax.MAX_TAGS_PER_KEY) {
                warnings.add("the organisation's tag policy " + organization.name() + " requires \"" + key + "\", but the policy already requires "
                        + TagSyntax.MAX_TAGS_PER_KEY + " tags, as many as a KMS key holds: left out");
                continue;
            } else {
                required.add(new RequiredTag(key, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.of(rule),
                        !rule.required()));
            }
            if (rule.required()) {
                kept.add(enforcedAs);
            }
        }
        return new Merge(local.withRequired(required), kept, warnings);
    }

    /** Where the local policy requires {@code key}: exactly, else in another case; -1 when it does not. */
    private static int localRule(List<RequiredTag> required, String key) {
        for (int i = 0; i < required.size(); i++) {
            if (required.get(i).key().equals(key)) {
                return i;
            }
        }
        for (int i = 0; i < required.size(); i++) {
            if (required.get(i).key().equalsIgnoreCase(key)) {
                return i;
            }
        }
        return -1;
    }

    /** A key {@code ListRequiredTags} named that no KMS key can carry (the parser checks the policy's own). */
    private static Optional<String> notAKmsKey(String key) {
        return !TagSyntax.isValidKey(key) || TagSyntax.isReserved(key) ? Optional.of("it is not a tag key KMS accepts") : Optional.empty();
    }

    /** Why the local policy forbids {@code key} outright; empty when it does not. */
    private static Optional<String> forbidden(TagPolicy local, String key) {
        Optional<KeyGlob> forbidden = local.forbidden().stream().filter(glob -> glob.matches(key)).findFirst();
        if (forbidden.isPresent()) {
            return Optional.of("the local policy forbids it (\"" + forbidden.get().glob() + "\")");
        }
        Optional<KeyScope> forbiddingScope = local.scopes().stream()
                .filter(scope -> scope.forbidden().stream().anyMatch(glob -> glob.matches(key))).findFirst();
        if (forbiddingScope.isPresent()) {
            return Optional.of("the local policy's scope \"" + forbiddingScope.get().name() + "\" forbids it");
        }
        return Optional.empty();
    }
}
