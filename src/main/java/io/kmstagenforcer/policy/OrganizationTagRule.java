package io.kmstagenforcer.policy;

import java.util.List;
import java.util.Optional;

/**
 * One entry of an Organizations tag policy, as it bears on KMS keys.
 *
 * @param policyName    the organisation's policy as the user named it (a file), for messages
 * @param policyKey     the entry's name in {@code tags}: the tag key but for case
 * @param tagKey        the capitalisation the organisation requires ({@code tag_key}; the policy key in lowercase when absent)
 * @param allowedValues {@code tag_value}: the values the organisation allows, each with at most one {@code *} standing for any
 *                      run of characters; empty for "any value"
 * @param required      {@code report_required_tag_for} names KMS keys: every key must carry it
 * @param enforced      {@code enforced_for} names KMS keys: KMS itself refuses a value {@code allowedValues} does not allow
 * @param capitalisationKnown {@code tagKey} is the capitalisation the organisation requires, as a tag policy's entry says; false
 *                      for a key only {@code ListRequiredTags} named, which promises no capitalisation: a local key in another
 *                      case keeps its own then
 */
public record OrganizationTagRule(String policyName, String policyKey, String tagKey, Optional<List<String>> allowedValues,
        boolean required, boolean enforced, boolean capitalisationKnown) {

    public OrganizationTagRule {
        allowedValues = allowedValues.map(List::copyOf);
    }

    /** An entry of a tag policy: its capitalisation is the organisation's. */
    public OrganizationTagRule(String policyName, String policyKey, String tagKey, Optional<List<String>> allowedValues, boolean required,
            boolean enforced) {
        this(policyName, policyKey, tagKey, allowedValues, required, enforced, true);
    }

    /** A key {@code ListRequiredTags} names as required on {@code kms:key}, where no entry of the policy read says more: any value. */
    public static OrganizationTagRule listedAsRequired(String policyName, String key) {
        return new OrganizationTagRule(policyName, key.toLowerCase(java.util.Locale.ROOT), key, Optional.empty(), true, false, false);
    }

    /** The same rule, required on KMS keys. */
    public OrganizationTagRule asRequired() {
        return new OrganizationTagRule(policyName, policyKey, tagKey, allowedValues, true, enforced, capitalisationKnown);
    }

    /** True when the organisation allows {@code value}: no {@code tag_value}, or one of them matches it (case counts). */
    public boolean allows(String value) {
        return allowedValues.map(values -> values.stream().anyMatch(glob -> ValueGlob.of(glob).matches(value))).orElse(true);
    }

    /** Why {@code value} is refused, naming the policy: for violations. */
    public String refusal(String value) {
        return "\"" + value + "\" is not among the values the organisation's tag policy " + policyName + " allows for \"" + tagKey + "\" "
                + allowedValues.orElse(List.of()) + (enforced ? " (enforced_for kms:key: KMS refuses it)" : "");
    }

    /** How a violation names the capitalisation the organisation requires. */
    public String spelling() {
        return "the organisation's tag policy " + policyName + " writes it \"" + tagKey + "\"";
    }

    /** How a violation names the organisation's requirement of this key. */
    public String requirement() {
        return "required by the organisation's tag policy " + policyName;
    }
}
