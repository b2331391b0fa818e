package io.kmstagenforcer.policy;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * How the tag keys the Organizations tag policy requires on KMS keys join the local policy. The
 * local policy wins: a key it names keeps its rules; a key it forbids, or its exemption tag, is
 * left out (with a warning). Every other key is required with no default and no value, so a key
 * without it is reported NONCOMPLIANT ("the policy gives no default"): the enforcer never makes up
 * a value for a tag only the organisation names.
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

    public static Merge merge(TagPolicy local, List<String> organizationKeys) {
        List<RequiredTag> required = new ArrayList<>(local.required());
        List<String> kept = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        for (String key : organizationKeys) {
            Optional<String> conflict = conflict(local, required, key);
            if (conflict.isPresent()) {
                warnings.add("the Organizations tag policy requires \"" + key + "\" on kms:key, but " + conflict.get()
                        + ": left out (the local policy wins)");
                continue;
            }
            kept.add(key);
            if (required.stream().noneMatch(tag -> tag.key().equals(key))) {
                required.add(new RequiredTag(key, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty()));
            }
        }
        return new Merge(local.withRequired(required), kept, warnings);
    }

    /** Why the local policy cannot take {@code key} as a required tag; empty when it can. */
    private static Optional<String> conflict(TagPolicy local, List<RequiredTag> required, String key) {
        if (!TagSyntax.isValidKey(key) || TagSyntax.isReserved(key)) {
            return Optional.of("it is not a tag key KMS accepts");
        }
        Optional<KeyGlob> forbidden = local.forbidden().stream().filter(glob -> glob.matches(key)).findFirst();
        if (forbidden.isPresent()) {
            return Optional.of("the local policy forbids it (\"" + forbidden.get().glob() + "\")");
        }
        Optional<KeyScope> forbiddingScope = local.scopes().stream()
                .filter(scope -> scope.forbidden().stream().anyMatch(glob -> glob.matches(key))).findFirst();
        if (forbiddingScope.isPresent()) {
            return Optional.of("the local policy's scope \"" + forbiddingScope.get().name() + "\" forbids it");
        }
        if (local.exemptTag().filter(key::equals).isPresent()) {
            return Optional.of("it is the local policy's exemptTag");
        }
        if (required.stream().anyMatch(tag -> tag.key().equals(key))) {
            return Optional.empty();
        }
        if (local.normalizeKeyCase()) {
            Optional<RequiredTag> variant = required.stream().filter(tag -> tag.key().equalsIgnoreCase(key)).findFirst();
            if (variant.isPresent()) {
                return Optional.of("the local policy requires \"" + variant.get().key() + "\", which normalizeKeyCase renames it to");
            }
        }
        if (required.size() >= TagSyntax.MAX_TAGS_PER_KEY) {
            return Optional.of("the policy already requires " + TagSyntax.MAX_TAGS_PER_KEY + " tags, as many as a KMS key holds");
        }
        return Optional.empty();
    }
}
