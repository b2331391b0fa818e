package io.kmstagenforcer.policy;

import io.kmstagenforcer.json.JsonField;
import io.kmstagenforcer.json.JsonShapeException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * An AWS Organizations tag policy, as it bears on KMS keys: what {@link OrganizationTags#merge(TagPolicy, OrganizationTagPolicy)}
 * combines with the local policy. Read from any of three forms:
 * <ul>
 *   <li>what {@code aws organizations describe-effective-policy --policy-type TAG_POLICY} prints:
 *       {@code {"EffectivePolicy": {"PolicyContent": "<the effective policy as a JSON string>", ...}}};</li>
 *   <li>the effective policy itself, flattened: {@code {"tags": {"costcenter": {"tag_key": "CostCenter", "tag_value": [...]}}}}
 *       ({@code enforced_for} and {@code report_required_tag_for} as a list or as {@code {"@@assign": [...]}}: no
 *       published example shows which);</li>
 *   <li>an authored policy whose fields are all {@code {"@@assign": ...}}. The operators that combine policies down the
 *       OU tree ({@code @@append}, {@code @@remove}, {@code @@operators_allowed_for_child_policies}) are refused: only
 *       Organizations knows what they combine with, so the effective policy is what to give.</li>
 * </ul>
 */
public record OrganizationTagPolicy(String name, List<OrganizationTagRule> rules) {

    /** The resource types in {@code report_required_tag_for} and {@code enforced_for} that name KMS keys, in lowercase. */
    private static final Set<String> KMS_KEY_TYPES = Set.of("kms:key", "kms:*", "kms:all_supported");
    private static final String ASSIGN = "@@assign";
    private static final Set<String> TREE_OPERATORS = Set.of("@@append", "@@remove", "@@operators_allowed_for_child_policies");
    private static final Set<String> FIELDS = Set.of("tag_key", "tag_value", "enforced_for", "report_required_tag_for");

    public OrganizationTagPolicy {
        rules = List.copyOf(rules);
    }

    /**
     * This policy with the keys {@code ListRequiredTags} names as required on {@code kms:key}: the rule of each (its policy
     * key matched in any case, as Organizations matches it) becomes required, and a key no rule names gets a rule of its
     * own, required, any value. {@code ListRequiredTags} is what the account's own tag policy report counts as required,
     * so it is taken over the flattened {@code report_required_tag_for}, whose effective form no published example shows.
     */
    public OrganizationTagPolicy requiring(List<String> requiredKeys) {
        List<OrganizationTagRule> all = new ArrayList<>();
        for (OrganizationTagRule rule : rules) {
            boolean listed = requiredKeys.stream().anyMatch(key -> key.equalsIgnoreCase(rule.policyKey()));
            all.add(listed && !rule.required() ? rule.asRequired() : rule);
        }
        for (String key : requiredKeys) {
            if (all.stream().noneMatch(rule -> rule.policyKey().equalsIgnoreCase(key))) {
                all.add(OrganizationTagRule.listedAsRequired(name, key));
            }
        }
        return new OrganizationTagPolicy(name, all);
    }

    /** The rules a KMS key must satisfy with a present value ({@code tag_value}) or presence ({@code report_required_tag_for}). */
    public List<OrganizationTagRule> requiredRules() {
        return rules.stream().filter(OrganizationTagRule::required).toList();
    }

    /**
     * @param name what to call the policy in messages: the file as the user named it
     * @throws PolicyException naming the offending field
     */
    public static OrganizationTagPolicy parse(String name, String json) {
        try {
            JsonField root = JsonField.parse(name, json);
            JsonField content = root.get("EffectivePolicy");
            if (content.isPresent()) {
                String inner = content.get("PolicyContent").optionalString()
                        .orElseThrow(() -> new PolicyException(name + ".EffectivePolicy.PolicyContent is missing"));
                return parseContent(name, JsonField.parse(name + ".EffectivePolicy.PolicyContent", inner));
            }
            return parseContent(name, root);
        } catch (JsonShapeException e) {
            throw new PolicyException(e.getMessage());
        }
    }

    private static OrganizationTagPolicy parseContent(String name, JsonField root) {
        refuseTreeOperators(root);
        JsonField tags = root.get("tags");
        if (!tags.isObject()) {
            throw new PolicyException(tags.path() + " must be an object (an Organizations tag policy), not "
                    + (tags.isPresent() ? "another value" : "missing"));
        }
        refuseTreeOperators(tags);
        List<OrganizationTagRule> rules = new ArrayList<>();
        for (Map.Entry<String, JsonField> entry : tags.members()) {
            OrganizationTagRule rule = rule(name, entry.getKey(), entry.getValue());
            rules.stream().filter(other -> other.tagKey().equalsIgnoreCase(rule.tagKey())).findFirst().ifPresent(other -> {
                throw new PolicyException(entry.getValue().path() + " names the tag key \"" + rule.tagKey() + "\" as "
                        + tags.path() + "." + other.policyKey() + " does, but for case");
            });
            rules.add(rule);
        }
        return new OrganizationTagPolicy(name, rules);
    }

    private static OrganizationTagRule rule(String name, String policyKey, JsonField entry) {
        if (!entry.isObject()) {
            throw new PolicyException(entry.path() + " must be an object");
        }
        refuseTreeOperators(entry);
        for (Map.Entry<String, JsonField> field : entry.members()) {
            if (!FIELDS.contains(field.getKey())) {
                throw new PolicyException(field.getValue().path() + " is not a field of a tag policy (one of " + FIELDS.stream().sorted().toList() + ")");
            }
        }
        String tagKey = assigned(entry.get("tag_key")).map(JsonField::requiredString).orElse(policyKey.toLowerCase(Locale.ROOT));
        if (!tagKey.equalsIgnoreCase(policyKey)) {
            throw new PolicyException(entry.get("tag_key").path() + " \"" + tagKey + "\" must be the policy key \"" + policyKey + "\" but for case");
        }
        if (!TagSyntax.isValidKey(tagKey) || TagSyntax.isReserved(tagKey)) {
            throw new PolicyException(entry.path() + ": \"" + tagKey + "\" is not a tag key KMS accepts");
        }
        Optional<List<String>> allowed = assigned(entry.get("tag_value")).map(OrganizationTagPolicy::allowedValues);
        return new OrganizationTagRule(name, policyKey, tagKey, allowed,
                namesKmsKeys(entry.get("report_required_tag_for")), namesKmsKeys(entry.get("enforced_for")));
    }

    private static List<String> allowedValues(JsonField list) {
        List<String> values = new ArrayList<>();
        for (JsonField element : list.elements()) {
            String value = element.requiredString();
            if (value.indexOf('*') != value.lastIndexOf('*')) {
                throw new PolicyException(element.path() + " has more than one *");
            }
            if (!TagSyntax.isValidValue(value.replace("*", ""))) {
                throw new PolicyException(element.path() + " \"" + value + "\" is not a tag value KMS accepts");
            }
            values.add(value);
        }
        return values;
    }

    private static boolean namesKmsKeys(JsonField field) {
        return assigned(field).map(list -> list.elements().stream().map(JsonField::requiredString)
                .anyMatch(type -> KMS_KEY_TYPES.contains(type.toLowerCase(Locale.ROOT)))).orElse(false);
    }

    /** The field's value: as it is (the effective form), or inside {@code {"@@assign": ...}} (the authored form). */
    private static Optional<JsonField> assigned(JsonField field) {
        if (!field.isPresent()) {
            return Optional.empty();
        }
        if (!field.isObject()) {
            return Optional.of(field);
        }
        refuseTreeOperators(field);
        for (Map.Entry<String, JsonField> member : field.members()) {
            if (!member.getKey().equals(ASSIGN)) {
                throw new PolicyException(member.getValue().path() + " is not an operator of a tag policy (" + ASSIGN + ")");
            }
        }
        return Optional.of(field.get(ASSIGN)).filter(JsonField::isPresent)
                .or(() -> {
                    throw new PolicyException(field.path() + " must hold " + ASSIGN);
                });
    }

    private static void refuseTreeOperators(JsonField object) {
        for (Map.Entry<String, JsonField> member : object.members()) {
            if (TREE_OPERATORS.contains(member.getKey())) {
                throw new PolicyException(member.getValue().path() + ": " + member.getKey() + " combines policies down the OU tree, which only"
                        + " Organizations can resolve; give the effective policy instead (aws organizations describe-effective-policy"
                        + " --policy-type TAG_POLICY, as the account whose keys it is)");
            }
        }
    }
}
