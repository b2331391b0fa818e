package io.kmstagenforcer.enforce;

import io.kmstagenforcer.json.JsonField;
import io.kmstagenforcer.plan.TagPlan;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The tag keys a key policy grants or denies access by: every {@code aws:ResourceTag/<key>}
 * condition key in any statement's {@code Condition} block, under any operator
 * ({@code StringEquals}, {@code StringLike}, {@code ForAnyValue:...}, {@code ...IfExists}).
 *
 * <p>IAM reads condition key names without regard to case, the tag key part included ("TagKey1" in
 * the policy matches a tag {@code tagkey1}), so both the prefix and the tag key are compared
 * ignoring case. Other condition keys ({@code kms:ResourceAliases}, {@code aws:RequestTag/...},
 * {@code aws:TagKeys}) say nothing about the tags a key holds and are not looked at.
 */
final class KeyPolicyTags {
    private static final String RESOURCE_TAG_PREFIX = "aws:resourcetag/";

    private KeyPolicyTags() {
    }

    /**
     * The tag keys the policy's conditions name, as the policy writes them.
     *
     * @throws io.kmstagenforcer.json.JsonShapeException when the document is not a JSON policy
     */
    static Set<String> named(String keyPolicy) {
        JsonField statements = JsonField.parse("key policy", keyPolicy).get("Statement");
        Set<String> keys = new LinkedHashSet<>();
        for (JsonField statement : statements.isObject() ? List.of(statements) : statements.elements()) {
            for (Map.Entry<String, JsonField> operator : statement.get("Condition").members()) {
                for (Map.Entry<String, JsonField> condition : operator.getValue().members()) {
                    String name = condition.getKey();
                    if (name.toLowerCase(Locale.ROOT).startsWith(RESOURCE_TAG_PREFIX) && name.length() > RESOURCE_TAG_PREFIX.length()) {
                        keys.add(name.substring(RESOURCE_TAG_PREFIX.length()));
                    }
                }
            }
        }
        return keys;
    }

    /** The keys the plan adds, replaces or removes that one of {@code named} names (ignoring case), in the plan's order. */
    static List<String> touched(TagPlan plan, Set<String> named) {
        List<String> touched = new ArrayList<>();
        Stream.concat(plan.toSet().keySet().stream(), plan.toRemove().stream())
                .filter(key -> named.stream().anyMatch(key::equalsIgnoreCase))
                .forEach(touched::add);
        return touched;
    }
}
