package io.kmstagenforcer.template;

import static io.kmstagenforcer.template.TemplateTest.actionsOf;
import static io.kmstagenforcer.template.TemplateTest.list;
import static io.kmstagenforcer.template.TemplateTest.map;
import static io.kmstagenforcer.template.TemplateTest.ref;
import static io.kmstagenforcer.template.TemplateTest.resourcesOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Static checks of member-role.yaml, the member account's side (deployed by a StackSet): plain
 * CloudFormation, a role that trusts only the central enforcer role with the external ID and may do
 * exactly the central enforcer role's KMS actions, and forwarding rules that exist only when asked for and
 * match what the central rules match, less the enforcer's own writes through the member role.
 */
class MemberRoleTemplateTest {
    private static final String ROLE = "MemberRole";
    private static final String KEY_ARN_PATTERN = "arn:${AWS::Partition}:kms:*:${AWS::AccountId}:key/*";

    private static Map<String, Object> template;
    private static Map<String, Object> resources;

    @BeforeAll
    static void load() throws IOException {
        template = map(TemplateTest.parseYaml(Files.readString(TemplateTest.projectRoot().resolve("member-role.yaml"),
                StandardCharsets.UTF_8)), "member-role.yaml");
        resources = map(template.get("Resources"), "Resources");
        TemplateTest.load(); // the central template, for its execution role's statements
    }

    private static Map<String, Object> properties(String logicalId) {
        return map(map(resources.get(logicalId), logicalId).get("Properties"), logicalId + ".Properties");
    }

    @Test
    void isPlainCloudFormationSoThatServiceManagedStackSetsTakeIt() {
        assertNull(template.get("Transform"), "no transform: service-managed StackSets refuse macros");
        assertEquals("2010-09-09", template.get("AWSTemplateFormatVersion"));
    }

    @Test
    void theRoleTrustsOnlyTheCentralEnforcerRoleWithTheExternalId() {
        Map<String, Object> role = properties(ROLE);
        assertEquals(ref("MemberRoleName"), role.get("RoleName"), "a fixed name: the central functions build its ARN");
        List<Object> statements = list(map(role.get("AssumeRolePolicyDocument"), "trust").get("Statement"), "trust Statement");
        assertEquals(1, statements.size());
        Map<String, Object> trust = map(statements.get(0), "trust statement");
        assertEquals("Allow", trust.get("Effect"));
        assertEquals(Map.of("AWS", ref("EnforcerRoleArn")), trust.get("Principal"), "the enforcer's role, not its account");
        assertEquals(Set.of("sts:AssumeRole"), actionsOf(trust));
        assertEquals(Map.of("StringEquals", Map.of("sts:ExternalId", ref("ExternalId"))), trust.get("Condition"));
        assertEquals(true, map(map(template.get("Parameters"), "Parameters").get("ExternalId"), "ExternalId").get("NoEcho"));
    }

    /**
     * The member role is the central role's KMS half, statement for statement: the same key actions on
     * the account's keys, the same two listings on "*". Derived from template.yaml's execution role (whose
     * own test pins its actions), so that an action added for the function's own keys cannot be missing
     * for a member account's keys again, as kms:GetKeyPolicy was (checkKeyPolicy failed AccessDenied
     * on every member key).
     */
    @Test
    void theRoleMayDoExactlyTheCentralRolesKmsActionsOnTheSameResourcesAndNothingElse() {
        Map<String, Object> role = properties(ROLE);
        assertNull(role.get("ManagedPolicyArns"), "no managed policies");
        Map<Set<String>, Set<Object>> actual = new LinkedHashMap<>();
        for (Object p : list(role.get("Policies"), "Policies")) {
            for (Object s : list(map(map(p, "policy").get("PolicyDocument"), "PolicyDocument").get("Statement"), "Statement")) {
                Map<String, Object> st = map(s, "statement");
                if (st.containsKey("Fn::If")) {
                    continue; // the optional features': theOrganisationsTagPolicyIsReadableUnderTheCentralRolesConditions,
                    // theFindingsImportIsAllowedOnlyWhenAskedForAndOnlyForThisAccountsOwnProduct
                }
                assertEquals("Allow", st.get("Effect"));
                assertNull(st.get("NotAction"));
                assertNull(st.get("NotResource"));
                assertNull(st.get("Condition"));
                actual.put(actionsOf(st), resourcesOf(st));
            }
        }
        Map<Set<String>, Set<Object>> centralKmsStatements = new LinkedHashMap<>();
        for (Map<String, Object> st : TemplateTest.executionRoleStatements()) {
            if (actionsOf(st).stream().allMatch(action -> action.startsWith("kms:"))) {
                centralKmsStatements.put(actionsOf(st), resourcesOf(st));
            }
        }
        assertEquals(Set.of(Map.of("Fn::Sub", KEY_ARN_PATTERN)), centralKmsStatements.get(new TreeSet<>(TemplateTest.KMS_ACTIONS)),
                "the central role's key statement: " + centralKmsStatements);
        assertEquals(centralKmsStatements, actual);
    }

    /** Each account's tag policy is read with that account's session: the member role grants what the central role does, when it does. */
    @Test
    void theOrganisationsTagPolicyIsReadableUnderTheCentralRolesConditions() {
        Map<Object, Set<String>> member = new LinkedHashMap<>(TemplateTest.conditionalActions(list(properties(ROLE).get("Policies"), "Policies")));
        Map<Object, Set<String>> central = new LinkedHashMap<>(TemplateTest.conditionalActions(
                list(TemplateTest.properties("TagEnforcerRole").get("Policies"), "Policies")));
        Set<Object> reads = Set.of("ReadsRequiredTags", "ReadsEffectiveTagPolicy");
        assertEquals(Set.of("ReadsRequiredTags", "ReadsEffectiveTagPolicy", "ImportsFindings"), member.keySet(), "every optional statement");
        member.keySet().retainAll(reads);
        central.keySet().retainAll(reads);
        assertEquals(2, central.size(), central::toString);
        assertEquals(central, member);
        Map<String, Object> parameters = map(template.get("Parameters"), "Parameters");
        assertEquals(map(map(TemplateTest.template().get("Parameters"), "Parameters").get("OrganizationTagPolicy"), "central").get("AllowedValues"),
                map(parameters.get("OrganizationTagPolicy"), "OrganizationTagPolicy").get("AllowedValues"));
        assertEquals(map(TemplateTest.template().get("Conditions"), "Conditions").get("ReadsEffectiveTagPolicy"),
                map(template.get("Conditions"), "Conditions").get("ReadsEffectiveTagPolicy"));
        assertEquals(map(TemplateTest.template().get("Conditions"), "Conditions").get("ReadsRequiredTags"),
                map(template.get("Conditions"), "Conditions").get("ReadsRequiredTags"));
    }

    @Test
    void theFindingsImportIsAllowedOnlyWhenAskedForAndOnlyForThisAccountsOwnProduct() {
        List<Map<String, Object>> conditional = new java.util.ArrayList<>();
        for (Object p : list(properties(ROLE).get("Policies"), "Policies")) {
            for (Object s : list(map(map(p, "policy").get("PolicyDocument"), "PolicyDocument").get("Statement"), "Statement")) {
                if (map(s, "statement").containsKey("Fn::If")
                        && list(map(s, "statement").get("Fn::If"), "Fn::If").get(0).equals("ImportsFindings")) {
                    conditional.add(map(s, "statement"));
                }
            }
        }
        assertEquals(1, conditional.size(), conditional::toString);
        assertEquals("ImportsFindings", list(conditional.get(0).get("Fn::If"), "Fn::If").get(0));
        Map<String, Object> statement = TemplateTest.conditionalStatement(conditional.get(0));
        assertEquals(Set.of("securityhub:BatchImportFindings"), actionsOf(statement));
        assertEquals(Set.of(Map.of("Fn::Sub", TemplateTest.OWN_FINDINGS_PRODUCT)), resourcesOf(statement));
        assertEquals("false", map(map(template.get("Parameters"), "Parameters").get("SecurityHubFindings"), "SecurityHubFindings").get("Default"));
    }

    @Test
    void noPolicyStatementAllowsAStarActionOrAWriteOnStar() {
        Map<String, Map<String, Object>> docs = new LinkedHashMap<>();
        TemplateTest.collectPolicyDocuments(resources, "Resources", docs);
        assertEquals(4, docs.size(), "both roles' trust and permission documents: " + docs.keySet());
        TemplateTest.assertNoStarActionOrWriteOnStar(docs);
    }

    @Test
    void theForwardingRulesAndTheirRoleExistOnlyWhenAskedFor() {
        Set<String> conditional = new TreeSet<>();
        resources.forEach((id, r) -> {
            if (map(r, id).get("Condition") != null) {
                assertEquals("ForwardsEvents", map(r, id).get("Condition"), id);
                conditional.add(id);
            }
        });
        assertEquals(Set.of("ForwardingRole", "ForwardKeyCreatedRule", "ForwardKeyTagsChangedRule"), conditional);
        assertEquals(Set.of(ROLE, "ForwardingRole", "ForwardKeyCreatedRule", "ForwardKeyTagsChangedRule"), resources.keySet());
        assertEquals("false", map(map(template.get("Parameters"), "Parameters").get("ForwardEvents"), "ForwardEvents").get("Default"));
    }

    @Test
    void theForwardingRoleMayOnlyPutEventsOnTheCentralBus() {
        Object statement = list(map(map(list(properties("ForwardingRole").get("Policies"), "Policies").get(0), "policy")
                .get("PolicyDocument"), "PolicyDocument").get("Statement"), "Statement").get(0);
        assertEquals(Set.of("events:PutEvents"), actionsOf(map(statement, "statement")));
        Object bus = map(statement, "statement").get("Resource");
        assertTrue(bus.toString().contains(":event-bus/default") && bus.toString().contains("EnforcerRoleArn"),
                "the central account's (the enforcer role's account) default bus: " + bus);
        for (String rule : List.of("ForwardKeyCreatedRule", "ForwardKeyTagsChangedRule")) {
            Map<String, Object> target = map(list(properties(rule).get("Targets"), rule + " Targets").get(0), rule + " target");
            assertEquals(bus, target.get("Arn"), rule + " targets the same bus");
            assertEquals(Map.of("Fn::GetAtt", "ForwardingRole.Arn"), TemplateTest.normalised(target.get("RoleArn")));
        }
    }

    @Test
    void theKeyCreatedForwardingPatternIsTheCentralOne() throws IOException {
        assertEquals(centralPattern("KeyCreatedRule"), properties("ForwardKeyCreatedRule").get("EventPattern"));
    }

    @Test
    void theTagsChangedForwardingPatternIsTheCentralOneLeavingOutTheMemberRolesSessions() throws IOException {
        Map<String, Object> central = centralPattern("KeyTagsChangedRule");
        Map<String, Object> member = map(properties("ForwardKeyTagsChangedRule").get("EventPattern"), "EventPattern");
        String memberPrefix = "arn:${AWS::Partition}:sts::${AWS::AccountId}:assumed-role/${MemberRoleName}/";
        String centralPrefix = "arn:${AWS::Partition}:sts::${AWS::AccountId}:assumed-role/${TagEnforcerRole}/";
        assertTrue(central.toString().contains(centralPrefix), central.toString());
        assertEquals(central.toString().replace(centralPrefix, memberPrefix), member.toString(),
                "the same pattern, the enforcer's writes here being those of the member role");
    }

    private static Map<String, Object> centralPattern(String rule) throws IOException {
        Map<String, Object> central = map(TemplateTest.loadTemplate().get("Resources"), "Resources");
        return map(map(map(central.get(rule), rule).get("Properties"), rule).get("EventPattern"), rule + ".EventPattern");
    }
}
