package io.kmstagenforcer.template;

import static io.kmstagenforcer.template.TemplateTest.list;
import static io.kmstagenforcer.template.TemplateTest.map;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The template's Rules, which CloudFormation checks before it creates or changes anything: parameters that only make sense
 * together are refused apart, at deploy time rather than as a function that fails to start. Evaluated here with the
 * few intrinsic functions they use (Fn::Not, Fn::Equals, Ref), as CloudFormation does: a rule whose RuleCondition holds
 * must have every Assert hold.
 */
class TemplateRulesTest {
    private static Map<String, Object> rules;
    private static Map<String, Object> parameters;

    @BeforeAll
    static void load() throws IOException {
        Map<String, Object> template = TemplateTest.loadTemplate();
        rules = map(template.get("Rules"), "Rules");
        parameters = map(template.get("Parameters"), "Parameters");
    }

    @Test
    void theDefaultsPassEveryRule() {
        assertEquals(List.of(), refusals(Map.of()));
    }

    @Test
    void aNotificationWithoutADecisionEventBusIsRefused() {
        assertEquals(List.of("NotificationEndpoint notifies on decision events, so DecisionEventBus must name a bus."),
                refusals(Map.of("NotificationEndpoint", "kms-owners@example.com")));
        assertEquals(List.of(), refusals(Map.of("NotificationEndpoint", "kms-owners@example.com", "DecisionEventBus", "default")));
    }

    @Test
    void organisationalUnitsNeedTheMemberRoleAndARun() {
        assertEquals(List.of("OrganizationUnitIds names accounts reached through the member role, so MemberRoleName must be set.",
                        "OrganizationUnitIds are listed when a run starts, which needs SweepConcurrency 2 or more."),
                refusals(Map.of("OrganizationUnitIds", "ou-abcd-12345678")));
        assertEquals(List.of(), refusals(Map.of("OrganizationUnitIds", "ou-abcd-12345678", "MemberRoleName", "kms-tag-enforcer-member",
                "SweepConcurrency", "11")));
    }

    /** The AssertDescription of every Assert that fails, for these parameter values (the rest at their defaults). */
    private static List<String> refusals(Map<String, String> given) {
        Map<String, String> values = new LinkedHashMap<>();
        parameters.forEach((name, parameter) -> values.put(name, String.valueOf(map(parameter, name).getOrDefault("Default", ""))));
        values.putAll(given);
        List<String> refused = new ArrayList<>();
        rules.forEach((name, r) -> {
            Map<String, Object> rule = map(r, name);
            if (rule.containsKey("RuleCondition") && !truth(rule.get("RuleCondition"), values)) {
                return;
            }
            for (Object a : list(rule.get("Assertions"), name + ".Assertions")) {
                Map<String, Object> assertion = map(a, name + " assertion");
                if (!truth(assertion.get("Assert"), values)) {
                    refused.add((String) assertion.get("AssertDescription"));
                }
            }
        });
        return refused;
    }

    private static boolean truth(Object expression, Map<String, String> values) {
        Map<String, Object> function = map(expression, "rule function");
        if (function.containsKey("Fn::Not")) {
            return !truth(list(function.get("Fn::Not"), "Fn::Not").get(0), values);
        }
        List<Object> operands = list(function.get("Fn::Equals"), "Fn::Equals: the only other function these rules use");
        return value(operands.get(0), values).equals(value(operands.get(1), values));
    }

    private static String value(Object operand, Map<String, String> values) {
        return operand instanceof Map<?, ?> ref ? values.get((String) ref.get("Ref")) : String.valueOf(operand);
    }
}
