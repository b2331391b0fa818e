package io.kmstagenforcer.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Static checks of template.yaml (the SAM template), read as plain YAML: it uses long-form
 * intrinsics only, so no CloudFormation-aware parser is needed. These pin the security and
 * delivery properties that cfn-lint cannot know about: least-privilege IAM, the rules
 * invoking the SnapStart alias, the sweep's schedule and limits, the failure queues and the alarms.
 */
class TemplateTest {

    static final String FUNCTION = "TagEnforcerFunction";
    static final String SWEEP = "SweepFunction";
    static final String ROLE = "TagEnforcerRole";
    static final String KEY_CREATED_RULE = "KeyCreatedRule";
    static final String KEY_TAGS_CHANGED_RULE = "KeyTagsChangedRule";
    static final String KEY_ARN_PATTERN = "arn:${AWS::Partition}:kms:*:${AWS::AccountId}:key/*";
    static final String MEMBER_ROLE_ARN_PATTERN = "arn:${AWS::Partition}:iam::*:role/${MemberRoleName}";
    static final String DECISION_EVENT_BUS_ARN = "arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/${DecisionEventBus}";
    /** The statements that exist only when their feature is on: condition -> the actions it grants. */
    /** The conditions of the optional features' resources (docs/RESULTS.md): off, they cost nothing. */
    static final Set<String> OPTIONAL_FEATURES = Set.of("HasDecisionEvents", "HasNotification", "HasSecurityHubFindings");
    static final String OWN_FINDINGS_PRODUCT = "arn:${AWS::Partition}:securityhub:*:${AWS::AccountId}:product/${AWS::AccountId}/default";
    static final Map<String, Set<String>> CONDITIONAL_STATEMENTS = Map.of(
            "HasMemberRole", Set.of("sts:AssumeRole"),
            "HasDecisionEvents", Set.of("events:PutEvents"),
            "HasSecurityHubFindings", Set.of("securityhub:BatchImportFindings"),
            "ReadsRequiredTags", Set.of("tag:ListRequiredTags"),
            "ReadsEffectiveTagPolicy", Set.of("organizations:DescribeEffectivePolicy"),
            "ListsOrganizationItself", Set.of("organizations:ListAccountsForParent", "organizations:ListChildren"),
            "AssumesOrganizationRole", Set.of("sts:AssumeRole"));
    static final Set<String> KMS_ACTIONS =
            Set.of("kms:ListResourceTags", "kms:TagResource", "kms:UntagResource", "kms:DescribeKey", "kms:GetKeyPolicy");
    static final int FOURTEEN_DAYS = 14 * 24 * 3600;

    private static Map<String, Object> template;
    private static Map<String, Object> resources;

    @BeforeAll
    static void load() throws IOException {
        template = loadTemplate();
        resources = map(template.get("Resources"), "Resources");
    }

    // ------------------------------------------------------------------ loading helpers

    /** The project root: surefire sets basedir; an IDE usually runs in the root already. */
    static Path projectRoot() {
        return Path.of(System.getProperty("basedir", ".")).toAbsolutePath().normalize();
    }

    static Path templatePath() {
        return projectRoot().resolve("template.yaml");
    }

    /** Parses YAML (or JSON, which is YAML here) with the safe constructor: plain maps and lists. */
    static Object parseYaml(String text) {
        return new Yaml(new SafeConstructor(new LoaderOptions())).load(text);
    }

    static Map<String, Object> loadTemplate() throws IOException {
        String text = Files.readString(templatePath(), StandardCharsets.UTF_8);
        return map(parseYaml(text), "template.yaml");
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object o, String what) {
        assertInstanceOf(Map.class, o, what + " must be a mapping");
        return (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    static List<Object> list(Object o, String what) {
        assertInstanceOf(List.class, o, what + " must be a list");
        return (List<Object>) o;
    }

    /** A scalar or a list of scalars (IAM allows both for Action and Resource) as a list. */
    static List<Object> scalarOrList(Object o) {
        if (o == null) {
            return List.of();
        }
        return o instanceof List<?> l ? new ArrayList<>(l) : List.of(o);
    }

    static Map<String, Object> resource(String logicalId) {
        return map(resources.get(logicalId), "resource " + logicalId);
    }

    /** The central template, as loaded. */
    static Map<String, Object> template() {
        return template;
    }

    static Map<String, Object> properties(String logicalId) {
        return map(resource(logicalId).get("Properties"), logicalId + ".Properties");
    }

    static Map<String, Map<String, Object>> resourcesOfType(String type) {
        Map<String, Map<String, Object>> found = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : resources.entrySet()) {
            Map<String, Object> r = map(e.getValue(), e.getKey());
            if (type.equals(r.get("Type"))) {
                found.put(e.getKey(), r);
            }
        }
        return found;
    }

    static Map<String, Object> ref(String target) {
        return Map.of("Ref", target);
    }

    /** Fn::GetAtt in either form ("X.Attr" or [X, Attr]) as "X.Attr", or null if o is not one. */
    static String getAtt(Object o) {
        if (!(o instanceof Map<?, ?> m) || m.size() != 1 || !m.containsKey("Fn::GetAtt")) {
            return null;
        }
        Object v = m.get("Fn::GetAtt");
        if (v instanceof String s) {
            return s;
        }
        if (v instanceof List<?> l && l.size() == 2) {
            return l.get(0) + "." + l.get(1);
        }
        return null;
    }

    static Map<String, Object> function() {
        return function(FUNCTION);
    }

    static Map<String, Object> function(String logicalId) {
        Map<String, Object> fn = resource(logicalId);
        assertEquals("AWS::Serverless::Function", fn.get("Type"), logicalId);
        return properties(logicalId);
    }

    static Map<String, Object> environment(String logicalId) {
        return map(map(function(logicalId).get("Environment"), logicalId + ".Environment").get("Variables"),
                logicalId + ".Environment.Variables");
    }

    static Map<String, Object> parameter(String name) {
        return map(map(template.get("Parameters"), "Parameters").get(name), "parameter " + name);
    }

    /** A resource value in one comparable form: Fn::GetAtt as {"Fn::GetAtt": "X.Attr"}, anything else as is. */
    static Object normalised(Object value) {
        String att = getAtt(value);
        return att != null ? Map.of("Fn::GetAtt", att) : value;
    }

    /** The statements of the execution role: its inline policies and every AWS::IAM::Policy attached to it. */
    static List<Map<String, Object>> executionRoleStatements() {
        List<Object> statements = new ArrayList<>();
        for (Object p : list(properties(ROLE).get("Policies"), "Policies")) {
            Map<String, Object> doc = map(map(p, "policy").get("PolicyDocument"), "PolicyDocument");
            statements.addAll(list(doc.get("Statement"), "Statement"));
        }
        for (Map.Entry<String, Map<String, Object>> e : resourcesOfType("AWS::IAM::Policy").entrySet()) {
            Map<String, Object> p = map(e.getValue().get("Properties"), e.getKey());
            assertEquals(List.of(ref(ROLE)), p.get("Roles"), e.getKey() + " is attached to the execution role only");
            Map<String, Object> doc = map(p.get("PolicyDocument"), e.getKey() + ".PolicyDocument");
            statements.addAll(list(doc.get("Statement"), e.getKey() + " Statement"));
        }
        List<Map<String, Object>> out = new ArrayList<>();
        for (Object s : statements) {
            Map<String, Object> statement = map(s, "statement");
            out.add(statement.containsKey("Fn::If") ? conditionalStatement(statement) : statement);
        }
        return out;
    }

    /** A statement that exists only under a condition: Fn::If [condition, statement, AWS::NoValue]. */
    static Map<String, Object> conditionalStatement(Map<String, Object> fnIf) {
        List<Object> branches = list(fnIf.get("Fn::If"), "Fn::If");
        assertEquals(3, branches.size(), "Fn::If [condition, statement, AWS::NoValue]: " + fnIf);
        assertEquals(ref("AWS::NoValue"), branches.get(2), "a conditional statement is absent otherwise: " + fnIf);
        return map(branches.get(1), "statement under " + branches.get(0));
    }

    static Set<String> actionsOf(Map<String, Object> statement) {
        Set<String> actions = new TreeSet<>();
        scalarOrList(statement.get("Action")).forEach(a -> actions.add((String) a));
        return actions;
    }

    static Set<Object> resourcesOf(Map<String, Object> statement) {
        Set<Object> res = new HashSet<>();
        scalarOrList(statement.get("Resource")).forEach(r -> res.add(normalised(r)));
        return res;
    }

    /** Every map under o that has a "Statement" key: all policy documents anywhere in the template. */
    static void collectPolicyDocuments(Object o, String path, Map<String, Map<String, Object>> out) {
        if (o instanceof Map<?, ?> m) {
            if (m.containsKey("Statement")) {
                out.put(path, map(o, path));
            }
            for (Map.Entry<?, ?> e : m.entrySet()) {
                collectPolicyDocuments(e.getValue(), path + "." + e.getKey(), out);
            }
        } else if (o instanceof List<?> l) {
            for (int i = 0; i < l.size(); i++) {
                collectPolicyDocuments(l.get(i), path + "[" + i + "]", out);
            }
        }
    }

    // ------------------------------------------------------------------ the tests

    @Test
    void usesLongFormIntrinsicsOnly() throws IOException {
        List<String> lines = Files.readAllLines(templatePath(), StandardCharsets.UTF_8);
        Pattern shortTag = Pattern.compile("(^|[\\s\\[{,:-])!(Ref|Sub|GetAtt|If|Join|Select|Split|Equals|Not|And|Or"
                + "|FindInMap|ImportValue|Base64|Cidr|GetAZs|Condition|Transform|ToJsonString|Length)\\b");
        for (int i = 0; i < lines.size(); i++) {
            Matcher m = shortTag.matcher(lines.get(i));
            assertFalse(m.find(), "short-form intrinsic on line " + (i + 1) + ": " + lines.get(i));
        }
        assertEquals("AWS::Serverless-2016-10-31", template.get("Transform"));
    }

    @Test
    void functionIsTheContractedJava21HandlerWithItsOwnRole() {
        Map<String, Object> fn = function();
        assertEquals("io.kmstagenforcer.TagEnforcerHandler::handleRequest", fn.get("Handler"));
        assertEquals("java21", fn.get("Runtime"));
        assertEquals(".", fn.get("CodeUri"));
        assertEquals("TagEnforcerRole.Arn", getAtt(fn.get("Role")),
                "the function must use the explicit role, so SAM generates no role and no managed policy");
        assertNull(fn.get("Policies"), "Policies would be ignored (own role) or add a generated role");
        assertNull(fn.get("Events"), "the rule is declared explicitly (KeyCreatedRule); no SAM event sources");
        int timeout = ((Number) fn.get("Timeout")).intValue();
        assertTrue(timeout >= 15 && timeout <= 120, "Timeout must cover ~10 s NotFound retry + 4 KMS calls: " + timeout);
    }

    @Test
    void sweepFunctionIsTheContractedJava21Handler() {
        Map<String, Object> fn = function(SWEEP);
        assertEquals("io.kmstagenforcer.SweepHandler::handleRequest", fn.get("Handler"));
        assertEquals("java21", fn.get("Runtime"));
        assertEquals(List.of("arm64"), fn.get("Architectures"));
        assertEquals(".", fn.get("CodeUri"));
        assertEquals(512, ((Number) fn.get("MemorySize")).intValue());
        assertNull(fn.get("Policies"), "Policies would be ignored (own role) or add a generated role");
    }

    @Test
    void sweepMayRunTheFifteenMinuteMaximumBecauseItContinuesItselfBeforeThat() {
        assertEquals(900, ((Number) function(SWEEP).get("Timeout")).intValue());
    }

    @Test
    void atMostSweepConcurrencySweepsRunAtATimeAndByDefaultOne() {
        assertEquals(ref("SweepConcurrency"), function(SWEEP).get("ReservedConcurrentExecutions"),
                "the coordinator's accounts at once (SWEEP_CONCURRENCY - 1) and the coordinator fit the reservation");
        Map<String, Object> p = parameter("SweepConcurrency");
        assertEquals(1, ((Number) p.get("Default")).intValue(),
                "by default one chain: two sweeps at once in one account would double the write rate against its KMS quotas");
        assertEquals(1, ((Number) p.get("MinValue")).intValue());
    }

    @Test
    void sweepHasNoSnapStartAndNoAlias() {
        Map<String, Object> fn = function(SWEEP);
        assertNull(fn.get("SnapStart"));
        assertNull(fn.get("AutoPublishAlias"), "the schedule and the self-invocation call the unqualified function");
    }

    @ParameterizedTest
    @ValueSource(strings = {FUNCTION, SWEEP})
    void bothFunctionsRunAsTheEnforcerRole(String logicalId) {
        assertEquals(ROLE + ".Arn", getAtt(function(logicalId).get("Role")),
                logicalId + ": one role, so that one role name marks the enforcer's own writes");
    }

    @Test
    void iamStatementsAreExactlyLogsKmsOnKeysKmsListsTheQueueSendAndTheSweepInvoke() {
        Map<String, Map<String, Object>> roles = resourcesOfType("AWS::IAM::Role");
        assertEquals(Set.of(ROLE), roles.keySet());
        assertTrue(resourcesOfType("AWS::IAM::ManagedPolicy").isEmpty(), "no managed policies");
        assertEquals(Set.of("SweepSelfInvokePolicy"), resourcesOfType("AWS::IAM::Policy").keySet(),
                "one separate policy: the sweep's self-invocation, which the role cannot hold (circular dependency)");
        Map<String, Object> role = properties(ROLE);
        assertNull(role.get("ManagedPolicyArns"), "no managed policies on the role");

        Map<String, Object> trust = map(role.get("AssumeRolePolicyDocument"), "AssumeRolePolicyDocument");
        List<Object> trustStatements = list(trust.get("Statement"), "trust Statement");
        assertEquals(1, trustStatements.size());
        Map<String, Object> trustStatement = map(trustStatements.get(0), "trust statement");
        assertEquals(Map.of("Service", "lambda.amazonaws.com"), trustStatement.get("Principal"));
        assertEquals(List.of("sts:AssumeRole"), scalarOrList(trustStatement.get("Action")));

        // Each statement as "actions -> resources"; the whole set must be exactly this.
        Map<Set<String>, Set<Object>> actual = new LinkedHashMap<>();
        for (Map<String, Object> st : executionRoleStatements()) {
            assertEquals("Allow", st.get("Effect"));
            assertNull(st.get("NotAction"), "no NotAction");
            assertNull(st.get("NotResource"), "no NotResource");
            assertNull(st.get("Condition"), "no conditions to reason about");
            assertTrue(st.get("Sid") != null, "each statement named: " + st);
            // The member roles and the organisation's role: two statements, each under its own condition.
            actual.merge(actionsOf(st), resourcesOf(st), (a, b) -> {
                Set<Object> both = new java.util.HashSet<>(a);
                both.addAll(b);
                return both;
            });
        }
        Map<Set<String>, Set<Object>> expected = new LinkedHashMap<>();
        expected.put(new TreeSet<>(KMS_ACTIONS), Set.of(Map.of("Fn::Sub", KEY_ARN_PATTERN)));
        expected.put(new TreeSet<>(Set.of("kms:ListKeys", "kms:ListAliases")), Set.of("*"));
        expected.put(new TreeSet<>(Set.of("tag:ListRequiredTags")), Set.of("*"));
        expected.put(new TreeSet<>(Set.of("organizations:DescribeEffectivePolicy")), Set.of("*"));
        expected.put(new TreeSet<>(Set.of("sqs:SendMessage")), Set.of(Map.of("Fn::GetAtt", "OnFailureQueue.Arn")));
        expected.put(new TreeSet<>(Set.of("logs:CreateLogStream", "logs:PutLogEvents")), Set.of(
                Map.of("Fn::GetAtt", "TagEnforcerLogGroup.Arn"), Map.of("Fn::GetAtt", "SweepLogGroup.Arn")));
        expected.put(new TreeSet<>(Set.of("lambda:InvokeFunction")), Set.of(
                Map.of("Fn::GetAtt", SWEEP + ".Arn"), Map.of("Fn::Sub", "${" + SWEEP + ".Arn}:*")));
        expected.put(new TreeSet<>(Set.of("sts:AssumeRole")), Set.of(Map.of("Fn::Sub", MEMBER_ROLE_ARN_PATTERN),
                ref("OrganizationRoleArn")));
        expected.put(new TreeSet<>(Set.of("organizations:ListAccountsForParent", "organizations:ListChildren")), Set.of(
                Map.of("Fn::Sub", "arn:${AWS::Partition}:organizations::*:ou/o-*/ou-*"),
                Map.of("Fn::Sub", "arn:${AWS::Partition}:organizations::*:root/o-*/r-*")));
        expected.put(new TreeSet<>(Set.of("events:PutEvents")), Set.of(Map.of("Fn::Sub", DECISION_EVENT_BUS_ARN)));
        expected.put(new TreeSet<>(Set.of("securityhub:BatchImportFindings")), Set.of(Map.of("Fn::Sub", OWN_FINDINGS_PRODUCT)));
        assertEquals(expected, actual);
    }

    @Test
    void theMemberRoleMayBeAssumedOnlyWhenMemberRoleNameIsSet() {
        List<Object> conditional = new ArrayList<>();
        for (Object p : list(properties(ROLE).get("Policies"), "Policies")) {
            Map<String, Object> doc = map(map(p, "policy").get("PolicyDocument"), "PolicyDocument");
            list(doc.get("Statement"), "Statement").stream().filter(st -> map(st, "statement").containsKey("Fn::If"))
                    .forEach(conditional::add);
        }
        Map<String, Set<String>> byCondition = new LinkedHashMap<>();
        for (Object statement : conditional) {
            Map<String, Object> fnIf = map(statement, "Fn::If statement");
            byCondition.put((String) list(fnIf.get("Fn::If"), "Fn::If").get(0), actionsOf(conditionalStatement(fnIf)));
        }
        assertEquals(CONDITIONAL_STATEMENTS, byCondition, "one conditional statement per optional feature");
        assertEquals(Map.of("Fn::Not", List.of(Map.of("Fn::Equals", List.of(ref("MemberRoleName"), "")))),
                map(template.get("Conditions"), "Conditions").get("HasMemberRole"));
        assertEquals("", parameter("MemberRoleName").get("Default"), "without a member role: this account only, as before");
    }

    /** Optional features grant nothing when off: the organisation's tag policy is read only when OrganizationTagPolicy says so. */
    @Test
    void theOrganisationsTagPolicyMayBeReadOnlyWhenOrganizationTagPolicyAsksForIt() {
        Map<Object, Set<String>> byCondition = conditionalActions(list(properties(ROLE).get("Policies"), "Policies"));
        assertEquals(Set.of("tag:ListRequiredTags"), byCondition.get("ReadsRequiredTags"));
        assertEquals(Set.of("organizations:DescribeEffectivePolicy"), byCondition.get("ReadsEffectiveTagPolicy"));
        Map<String, Object> conditions = map(template.get("Conditions"), "Conditions");
        assertEquals(Map.of("Fn::Not", List.of(Map.of("Fn::Equals", List.of(ref("OrganizationTagPolicy"), "none")))),
                conditions.get("ReadsRequiredTags"));
        assertEquals(Map.of("Fn::Equals", List.of(ref("OrganizationTagPolicy"), "effective")), conditions.get("ReadsEffectiveTagPolicy"));
        assertEquals("none", parameter("OrganizationTagPolicy").get("Default"));
        assertEquals(List.of("none", "requiredKeys", "effective"), parameter("OrganizationTagPolicy").get("AllowedValues"),
                "the values of the policy's organizationTagPolicy field");
    }

    /** Each conditional statement's condition and actions, in the role's policies. */
    static Map<Object, Set<String>> conditionalActions(List<Object> policies) {
        Map<Object, Set<String>> byCondition = new LinkedHashMap<>();
        for (Object p : policies) {
            Map<String, Object> doc = map(map(p, "policy").get("PolicyDocument"), "PolicyDocument");
            list(doc.get("Statement"), "Statement").stream().map(st -> map(st, "statement")).filter(st -> st.containsKey("Fn::If"))
                    .forEach(fnIf -> byCondition.put(list(fnIf.get("Fn::If"), "Fn::If").get(0), actionsOf(conditionalStatement(fnIf))));
        }
        return byCondition;
    }

    @Test
    void theOrganisationIsListedOnlyWithOrganizationUnitIdsHereWithoutARoleOrThroughItsRoleWithOne() {
        Map<String, List<Set<String>>> byCondition = new LinkedHashMap<>();
        for (Object p : list(properties(ROLE).get("Policies"), "Policies")) {
            Map<String, Object> doc = map(map(p, "policy").get("PolicyDocument"), "PolicyDocument");
            for (Object st : list(doc.get("Statement"), "Statement")) {
                if (map(st, "statement").containsKey("Fn::If")) {
                    Map<String, Object> fnIf = map(st, "Fn::If statement");
                    byCondition.computeIfAbsent((String) list(fnIf.get("Fn::If"), "Fn::If").get(0), c -> new ArrayList<>())
                            .add(actionsOf(conditionalStatement(fnIf)));
                }
            }
        }
        assertEquals(List.of(Set.of("organizations:ListAccountsForParent", "organizations:ListChildren")),
                byCondition.get("ListsOrganizationItself"));
        assertEquals(List.of(Set.of("sts:AssumeRole")), byCondition.get("AssumesOrganizationRole"));
        Map<String, Object> conditions = map(template.get("Conditions"), "Conditions");
        assertEquals(Map.of("Fn::And", List.of(Map.of("Condition", "HasOrganizationUnits"),
                Map.of("Fn::Not", List.of(Map.of("Condition", "HasOrganizationRole"))))), conditions.get("ListsOrganizationItself"));
        assertEquals(Map.of("Fn::And", List.of(Map.of("Condition", "HasOrganizationUnits"), Map.of("Condition", "HasOrganizationRole"))),
                conditions.get("AssumesOrganizationRole"));
        assertEquals("", parameter("OrganizationUnitIds").get("Default"), "no discovery unless asked for");
    }

    @ParameterizedTest
    @ValueSource(strings = {FUNCTION, SWEEP})
    void bothFunctionsKnowTheirAccountAndTheMemberRole(String logicalId) {
        Map<String, Object> env = environment(logicalId);
        assertEquals(ref("AWS::AccountId"), env.get("ENFORCER_ACCOUNT_ID"), "the own account, with no call to find it");
        assertEquals(ref("MemberRoleName"), env.get("MEMBER_ROLE_NAME"));
        assertEquals(ref("MemberExternalId"), env.get("MEMBER_EXTERNAL_ID"));
        assertEquals(logicalId.equals(SWEEP) ? ref("MemberAccountIds") : null, env.get("MEMBER_ACCOUNT_IDS"),
                "only the sweep walks the member accounts");
    }

    @ParameterizedTest
    @ValueSource(strings = {FUNCTION, SWEEP})
    void bothFunctionsKeepTheDefaultSecondToAnswerBeforeTheirTimeout(String logicalId) {
        assertEquals("1000", environment(logicalId).get("DEADLINE_RESERVE_MS"), "KmsKeys.DEFAULT_TIME_TO_ANSWER, said where it is set");
    }

    @Test
    void theExternalIdIsNotEchoedAndTheAccountListIsCommaSeparatedIds() {
        assertEquals(true, parameter("MemberExternalId").get("NoEcho"));
        assertEquals("", parameter("MemberExternalId").get("Default"));
        Pattern accounts = Pattern.compile((String) parameter("MemberAccountIds").get("AllowedPattern"));
        for (String ok : List.of("", "111122223333", "111122223333,444455556666")) {
            assertTrue(accounts.matcher(ok).matches(), "accepted: '" + ok + "'");
        }
        for (String bad : List.of("1111", "111122223333,", "111122223333, 444455556666", "a11122223333")) {
            assertFalse(accounts.matcher(bad).matches(), "rejected: '" + bad + "'");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {FUNCTION, SWEEP})
    void eachFunctionWritesToItsOwnLogGroup(String logicalId) {
        String group = logicalId.equals(FUNCTION) ? "TagEnforcerLogGroup" : "SweepLogGroup";
        assertEquals(ref(group), map(function(logicalId).get("LoggingConfig"), "LoggingConfig").get("LogGroup"));
        Map<String, Object> r = resource(group);
        assertEquals("AWS::Logs::LogGroup", r.get("Type"));
        assertEquals("Retain", r.get("DeletionPolicy"), group + ": the decision log is the audit trail");
        assertEquals("Retain", r.get("UpdateReplacePolicy"), group);
        assertEquals(365, ((Number) properties(group).get("RetentionInDays")).intValue(), group);
    }

    @Test
    void listKeysListAliasesAndListRequiredTagsAreTheOnlyActionsOnStar() {
        Set<String> onStar = new TreeSet<>();
        for (Map<String, Object> st : executionRoleStatements()) {
            if (resourcesOf(st).contains("*")) {
                assertEquals(Set.of("*"), resourcesOf(st), "\"*\" in a statement of its own: " + st);
                onStar.addAll(actionsOf(st));
            }
        }
        assertEquals(Set.of("kms:ListAliases", "kms:ListKeys", "organizations:DescribeEffectivePolicy", "tag:ListRequiredTags"), onStar,
                "only the four reads that support no resource-level permissions the stack can name");
    }

    @Test
    void invokeFunctionIsAllowedOnlyOnTheSweepFunction() {
        Set<Object> sweep = Set.of(Map.of("Fn::GetAtt", SWEEP + ".Arn"), Map.of("Fn::Sub", "${" + SWEEP + ".Arn}:*"));
        int statements = 0;
        for (Map<String, Object> st : executionRoleStatements()) {
            if (actionsOf(st).stream().anyMatch(a -> a.startsWith("lambda:"))) {
                assertEquals(Set.of("lambda:InvokeFunction"), actionsOf(st), "no other Lambda action");
                assertEquals(sweep, resourcesOf(st), "the sweep function, unqualified and qualified, nothing else");
                statements++;
            }
        }
        assertEquals(1, statements, "one statement allows the sweep's self-invocation");
    }

    @Test
    void noPolicyStatementAllowsAStarActionOrAWriteOnStar() {
        Map<String, Map<String, Object>> docs = new LinkedHashMap<>();
        collectPolicyDocuments(resources, "Resources", docs);
        assertTrue(docs.size() >= 4, "expected the role's documents and both queue policies, found " + docs.keySet());
        assertNoStarActionOrWriteOnStar(docs);
    }

    /** No Allow statement of these documents (a conditional one included) has a wildcard action, or a write on "*". */
    static void assertNoStarActionOrWriteOnStar(Map<String, Map<String, Object>> docs) {
        for (Map.Entry<String, Map<String, Object>> doc : docs.entrySet()) {
            for (Object s : list(doc.getValue().get("Statement"), doc.getKey())) {
                Map<String, Object> raw = map(s, doc.getKey());
                Map<String, Object> st = raw.containsKey("Fn::If") ? conditionalStatement(raw) : raw;
                if (!"Allow".equals(st.get("Effect"))) {
                    continue; // a Deny may be broad (DenyInsecureTransport uses sqs:* on purpose)
                }
                String where = doc.getKey() + " " + st.get("Sid");
                assertNull(st.get("NotAction"), where + ": Allow with NotAction");
                List<Object> actions = scalarOrList(st.get("Action"));
                assertFalse(actions.isEmpty(), where + ": no Action");
                boolean onlyReads = true;
                for (Object a : actions) {
                    assertInstanceOf(String.class, a, where);
                    String action = (String) a;
                    assertFalse(action.contains("*"), where + ": wildcard action " + action);
                    String verb = action.substring(action.indexOf(':') + 1).toLowerCase(Locale.ROOT);
                    if (!(verb.startsWith("describe") || verb.startsWith("list") || verb.startsWith("get"))) {
                        onlyReads = false;
                    }
                }
                assertFalse(st.containsKey("Principal") && "*".equals(st.get("Principal")),
                        where + ": Allow to Principal *");
                if (!onlyReads) {
                    for (Object r : scalarOrList(st.get("Resource"))) {
                        assertFalse("*".equals(r), where + ": write action on Resource *");
                    }
                }
            }
        }
    }

    @Test
    void snapStartOnPublishedVersionsWithTheLiveAlias() {
        Map<String, Object> fn = function();
        assertEquals("live", fn.get("AutoPublishAlias"));
        assertEquals(Map.of("ApplyOn", "PublishedVersions"), fn.get("SnapStart"));
    }

    @Test
    void theTemplateDeclaresExactlyTheTwoKeyRulesAndTheNotificationRule() {
        // SweepFunction's schedule rule is generated by SAM from its Events, not declared here.
        assertEquals(Set.of(KEY_CREATED_RULE, KEY_TAGS_CHANGED_RULE, "NeedsAPersonRule"), resourcesOfType("AWS::Events::Rule").keySet());
        assertEquals("HasNotification", resource("NeedsAPersonRule").get("Condition"), "only with a notification endpoint");
    }

    @ParameterizedTest
    @ValueSource(strings = {KEY_CREATED_RULE, KEY_TAGS_CHANGED_RULE})
    void eachKeyRuleInvokesTheAliasNotTheFunction(String ruleId) {
        Map<String, Object> rule = properties(ruleId);
        assertEquals("ENABLED", rule.get("State"));
        assertNull(rule.get("EventBusName"), "the default bus, where CloudTrail events arrive");
        List<Object> targets = list(rule.get("Targets"), "Targets");
        assertEquals(1, targets.size());
        Map<String, Object> target = map(targets.get(0), "target");
        assertEquals(ref(FUNCTION + ".Alias"), target.get("Arn"), "the rule must invoke the SnapStart alias");

        Map<String, Object> retry = map(target.get("RetryPolicy"), "RetryPolicy");
        int attempts = ((Number) retry.get("MaximumRetryAttempts")).intValue();
        int age = ((Number) retry.get("MaximumEventAgeInSeconds")).intValue();
        assertTrue(attempts >= 0 && attempts <= 185, "MaximumRetryAttempts " + attempts);
        assertTrue(age >= 60 && age <= 86400, "MaximumEventAgeInSeconds " + age);
        assertEquals("RuleDeadLetterQueue.Arn",
                getAtt(map(target.get("DeadLetterConfig"), "DeadLetterConfig").get("Arn")));
    }

    @Test
    void theDriftRuleDeliversLikeTheCreationRule() {
        Map<String, Object> created = map(list(properties(KEY_CREATED_RULE).get("Targets"), "Targets").get(0), "target");
        Map<String, Object> changed = map(list(properties(KEY_TAGS_CHANGED_RULE).get("Targets"), "Targets").get(0), "target");
        assertEquals(created.get("RetryPolicy"), changed.get("RetryPolicy"));
        assertEquals(created.get("DeadLetterConfig"), changed.get("DeadLetterConfig"));
    }

    @ParameterizedTest
    @ValueSource(strings = {KEY_CREATED_RULE, KEY_TAGS_CHANGED_RULE})
    void eachKeyRuleHasItsOwnInvokePermissionOnTheAlias(String ruleId) {
        List<Map<String, Object>> forThisRule = new ArrayList<>();
        for (Map.Entry<String, Map<String, Object>> e : resourcesOfType("AWS::Lambda::Permission").entrySet()) {
            Map<String, Object> permission = map(e.getValue().get("Properties"), e.getKey());
            if ((ruleId + ".Arn").equals(getAtt(permission.get("SourceArn")))) {
                forThisRule.add(permission);
            }
        }
        assertEquals(1, forThisRule.size(), "one invoke permission for " + ruleId);
        Map<String, Object> permission = forThisRule.get(0);
        assertEquals("lambda:InvokeFunction", permission.get("Action"));
        assertEquals(ref(FUNCTION + ".Alias"), permission.get("FunctionName"),
                "the permission must be on the alias the rule invokes");
        assertEquals("events.amazonaws.com", permission.get("Principal"));
    }

    @Test
    void theOnlyInvokePermissionsAreTheTwoKeyRules() {
        assertEquals(2, resourcesOfType("AWS::Lambda::Permission").size(),
                "SAM adds the schedule's own; nothing else may invoke the functions");
    }

    @ParameterizedTest
    @ValueSource(strings = {FUNCTION, SWEEP})
    void loggingIsJsonWithTheApplicationLevelFromTheParameter(String logicalId) {
        Map<String, Object> logging = map(function(logicalId).get("LoggingConfig"), "LoggingConfig");
        assertEquals("JSON", logging.get("LogFormat"));
        assertEquals(ref("LogLevel"), logging.get("ApplicationLogLevel"));
        assertEquals("WARN", logging.get("SystemLogLevel"));
        Map<String, Object> level = map(map(template.get("Parameters"), "Parameters").get("LogLevel"), "LogLevel");
        assertEquals(List.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"), level.get("AllowedValues"));
    }

    @Test
    void bothQueuesAreEncryptedAndKeepMessagesFourteenDays() {
        Map<String, Map<String, Object>> queues = resourcesOfType("AWS::SQS::Queue");
        assertEquals(Set.of("RuleDeadLetterQueue", "OnFailureQueue"), queues.keySet());
        for (String q : queues.keySet()) {
            Map<String, Object> p = properties(q);
            assertEquals(Boolean.TRUE, p.get("SqsManagedSseEnabled"), q + " SSE-SQS");
            assertNull(p.get("KmsMasterKeyId"), q + ": SSE-KMS with the AWS managed key would block EventBridge");
            assertEquals(FOURTEEN_DAYS, ((Number) p.get("MessageRetentionPeriod")).intValue(), q + " retention");
        }
    }

    @Test
    void ruleDeadLetterQueueAcceptsOnlyOurTwoRules() {
        Map<String, Object> policy = null;
        for (Map.Entry<String, Map<String, Object>> e : resourcesOfType("AWS::SQS::QueuePolicy").entrySet()) {
            Map<String, Object> p = map(e.getValue().get("Properties"), e.getKey());
            if (list(p.get("Queues"), "Queues").contains(ref("RuleDeadLetterQueue"))) {
                policy = map(p.get("PolicyDocument"), "PolicyDocument");
            }
        }
        assertNotNull(policy, "a queue policy on RuleDeadLetterQueue");
        List<Map<String, Object>> allows = new ArrayList<>();
        for (Object s : list(policy.get("Statement"), "Statement")) {
            Map<String, Object> st = map(s, "statement");
            if ("Allow".equals(st.get("Effect"))) {
                allows.add(st);
            }
        }
        assertEquals(1, allows.size(), "one Allow statement");
        Map<String, Object> allow = allows.get(0);
        assertEquals(Map.of("Service", "events.amazonaws.com"), allow.get("Principal"));
        assertEquals(List.of("sqs:SendMessage"), scalarOrList(allow.get("Action")));
        assertEquals("RuleDeadLetterQueue.Arn", getAtt(allow.get("Resource")));
        Map<String, Object> condition = map(allow.get("Condition"), "Condition");
        Map<String, Object> arnEquals = map(condition.get("ArnEquals"), "ArnEquals");
        Set<String> sources = new TreeSet<>();
        for (Object arn : scalarOrList(arnEquals.get("aws:SourceArn"))) {
            sources.add(getAtt(arn));
        }
        assertEquals(Set.of(KEY_CREATED_RULE + ".Arn", KEY_TAGS_CHANGED_RULE + ".Arn"), sources);
    }

    @ParameterizedTest
    @ValueSource(strings = {FUNCTION, SWEEP})
    void eventInvokeConfigRetriesTwiceThenSendsToTheOnFailureQueue(String logicalId) {
        Map<String, Object> cfg = map(function(logicalId).get("EventInvokeConfig"), "EventInvokeConfig");
        assertEquals(2, ((Number) cfg.get("MaximumRetryAttempts")).intValue());
        int age = ((Number) cfg.get("MaximumEventAgeInSeconds")).intValue();
        assertTrue(age >= 60 && age <= 21600, "MaximumEventAgeInSeconds " + age);
        Map<String, Object> onFailure = map(map(cfg.get("DestinationConfig"), "DestinationConfig")
                .get("OnFailure"), "OnFailure");
        assertEquals("SQS", onFailure.get("Type"));
        assertEquals("OnFailureQueue.Arn", getAtt(onFailure.get("Destination")));
        assertEquals("AWS::SQS::Queue", resource("OnFailureQueue").get("Type"));
    }

    @Test
    void environmentComesFromTheParametersAndThePolicyIsPassedWithRef() {
        Map<String, Object> vars = map(map(function().get("Environment"), "Environment").get("Variables"), "Variables");
        assertEquals(ref("TagPolicy"), vars.get("TAG_POLICY"), "Ref, not Fn::Sub, which would eat ${principal}");
        assertEquals(ref("Mode"), vars.get("ENFORCEMENT_MODE"));
        assertEquals(ref("MetricsNamespace"), vars.get("METRICS_NAMESPACE"));
        assertFalse(vars.containsKey("JAVA_TOOL_OPTIONS"), "no unjustified JVM flags");

        Map<String, Object> params = map(template.get("Parameters"), "Parameters");
        Map<String, Object> tagPolicy = map(params.get("TagPolicy"), "TagPolicy");
        assertEquals("String", tagPolicy.get("Type"));
        // CloudFormation applies AllowedPattern as a Java regex to the whole value.
        Pattern allowed = Pattern.compile((String) tagPolicy.get("AllowedPattern"));
        assertEquals("", tagPolicy.get("Default"), "empty by default: the function enforces tag-policy.json, the package's file");
        assertTrue(allowed.matcher("").matches(), "empty = the policy file");
        assertTrue(allowed.matcher("{\n  \"mode\": \"report\"\n}\n").matches(), "multi-line JSON accepted");
        assertFalse(allowed.matcher("[]").matches(), "a JSON array is rejected");
        assertFalse(allowed.matcher("mode=enforce").matches(), "non-JSON is rejected");

        Map<String, Object> mode = map(params.get("Mode"), "Mode");
        assertEquals(Set.of("enforce", "report", "policy"), Set.copyOf(list(mode.get("AllowedValues"), "Mode")));
        assertTrue(list(mode.get("AllowedValues"), "Mode").contains(mode.get("Default")));

        Map<String, Object> topic = map(params.get("AlarmTopicArn"), "AlarmTopicArn");
        assertEquals("", topic.get("Default"));
        Pattern topicPattern = Pattern.compile((String) topic.get("AllowedPattern"));
        assertTrue(topicPattern.matcher("").matches());
        assertTrue(topicPattern.matcher("arn:aws:sns:eu-west-1:111122223333:ops-alerts").matches());
        assertTrue(topicPattern.matcher("arn:aws-us-gov:sns:us-gov-west-1:111122223333:ops").matches());
        assertFalse(topicPattern.matcher("arn:aws:sqs:eu-west-1:111122223333:queue").matches());
        assertFalse(topicPattern.matcher("ops-alerts").matches());

        Map<String, Object> ns = map(params.get("MetricsNamespace"), "MetricsNamespace");
        assertEquals("KmsTagEnforcer", ns.get("Default"));
    }

    @Test
    void theEnforcerFunctionKnowsItsOwnRoleName() {
        assertEquals(ref(ROLE), environment(FUNCTION).get("ENFORCER_ROLE_NAME"),
                "Ref of an IAM role is its name, the middle part of assumed-role/<role>/<function>");
    }

    @Test
    void sweepEnvironmentIsThePolicyTheModeTheNamespaceTheRoleTheWriteRateAndTheMemberAccounts() {
        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("TAG_POLICY", ref("TagPolicy"));
        expected.put("ENFORCEMENT_MODE", ref("Mode"));
        expected.put("METRICS_NAMESPACE", ref("MetricsNamespace"));
        expected.put("ENFORCER_ROLE_NAME", ref(ROLE));
        expected.put("SWEEP_WRITES_PER_SECOND", ref("SweepWritesPerSecond"));
        expected.put("SWEEP_CONCURRENCY", ref("SweepConcurrency"));
        expected.put("ENFORCER_ACCOUNT_ID", ref("AWS::AccountId"));
        expected.put("MEMBER_ROLE_NAME", ref("MemberRoleName"));
        expected.put("MEMBER_EXTERNAL_ID", ref("MemberExternalId"));
        expected.put("MEMBER_ACCOUNT_IDS", ref("MemberAccountIds"));
        expected.put("ORGANIZATION_UNIT_IDS", ref("OrganizationUnitIds"));
        expected.put("EXCLUDED_ACCOUNT_IDS", ref("ExcludedAccountIds"));
        expected.put("ORGANIZATION_ROLE_ARN", ref("OrganizationRoleArn"));
        expected.put("DEADLINE_RESERVE_MS", "1000");
        expected.put("DECISION_EVENT_BUS", ref("DecisionEventBus"));
        expected.put("SECURITY_HUB_FINDINGS", ref("SecurityHubFindings"));
        assertEquals(expected, environment(SWEEP));
    }

    @Test
    void sweepWritesPerSecondStaysWellUnderTheSharedKmsWriteQuotas() {
        Map<String, Object> p = parameter("SweepWritesPerSecond");
        assertEquals("Number", p.get("Type"));
        assertEquals(2, ((Number) p.get("Default")).intValue());
        assertEquals(0.1, ((Number) p.get("MinValue")).doubleValue());
        assertEquals(5, ((Number) p.get("MaxValue")).doubleValue(), "UntagResource's quota is 5/s for the whole account");
        String description = (String) p.get("Description");
        assertTrue(description.contains("TagResource 10/s") && description.contains("UntagResource 5/s"), description);
    }

    @Test
    void sweepScheduleAcceptsOffRateOrCronOnly() {
        Map<String, Object> p = parameter("SweepSchedule");
        assertEquals("String", p.get("Type"));
        assertEquals("rate(1 day)", p.get("Default"));
        // CloudFormation applies AllowedPattern as a Java regex to the whole value.
        Pattern allowed = Pattern.compile((String) p.get("AllowedPattern"));
        for (String ok : List.of("off", "rate(1 day)", "rate(12 hours)", "cron(0 3 * * ? *)", "cron(15 2 ? * MON-FRI *)")) {
            assertTrue(allowed.matcher(ok).matches(), "accepted: " + ok);
        }
        for (String bad : List.of("", "OFF", "daily", "rate()", "rate(1 day) ", "at(2024-05-14T03:00:00)",
                "rate(1 day)|off")) {
            assertFalse(allowed.matcher(bad).matches(), "rejected: '" + bad + "'");
        }
    }

    @Test
    void everyParameterIsInExactlyOneGroupAndTheSweepHasItsOwn() {
        Map<String, Object> iface = map(map(template.get("Metadata"), "Metadata")
                .get("AWS::CloudFormation::Interface"), "AWS::CloudFormation::Interface");
        Map<String, List<Object>> groups = new LinkedHashMap<>();
        for (Object g : list(iface.get("ParameterGroups"), "ParameterGroups")) {
            Map<String, Object> group = map(g, "parameter group");
            groups.put((String) map(group.get("Label"), "Label").get("default"), list(group.get("Parameters"), "Parameters"));
        }
        assertEquals(List.of("SweepSchedule", "SweepWritesPerSecond", "SweepConcurrency"), groups.get("Sweep"));
        List<Object> grouped = new ArrayList<>();
        groups.values().forEach(grouped::addAll);
        assertEquals(new TreeSet<Object>(map(template.get("Parameters"), "Parameters").keySet()), new TreeSet<>(grouped),
                "every parameter is in a group");
        assertEquals(grouped.size(), Set.copyOf(grouped).size(), "a parameter in two groups: " + grouped);
    }

    // ------------------------------------------------------------------ the sweep's schedule

    static Map<String, Object> scheduleEvent() {
        Map<String, Object> events = map(function(SWEEP).get("Events"), SWEEP + ".Events");
        assertEquals(1, events.size(), "one event source: the schedule");
        Map<String, Object> event = map(events.values().iterator().next(), "schedule event");
        assertEquals("Schedule", event.get("Type"), "a SAM Schedule (EventBridge rule) event");
        return map(event.get("Properties"), "schedule Properties");
    }

    @Test
    void theScheduleComesFromTheSweepScheduleParameter() {
        assertEquals(Map.of("Fn::If", List.of("SweepScheduleIsOff", "rate(1 day)", ref("SweepSchedule"))),
                scheduleEvent().get("Schedule"));
    }

    @Test
    void offDisablesTheScheduleRuleWhileKeepingAValidExpression() {
        assertEquals(Map.of("Fn::Equals", List.of(ref("SweepSchedule"), "off")),
                map(template.get("Conditions"), "Conditions").get("SweepScheduleIsOff"));
        Map<String, Object> schedule = scheduleEvent();
        assertEquals(Map.of("Fn::If", List.of("SweepScheduleIsOff", "DISABLED", "ENABLED")), schedule.get("State"));
        assertNull(schedule.get("Enabled"), "SAM turns Enabled into ENABLED for any non-false value, an Fn::If too");
        String whenOff = (String) list(map(schedule.get("Schedule"), "Schedule").get("Fn::If"), "Fn::If").get(1);
        assertTrue(Pattern.compile((String) parameter("SweepSchedule").get("AllowedPattern")).matcher(whenOff).matches()
                && !whenOff.equals("off"), "the disabled rule still needs a schedule expression: " + whenOff);
    }

    @Test
    void theScheduleSendsTheDefaultScheduledEvent() {
        Map<String, Object> schedule = scheduleEvent();
        assertNull(schedule.get("Input"), "the handler takes the Scheduled Event EventBridge sends");
        assertNull(schedule.get("InputPath"));
        assertNull(schedule.get("InputTransformer"));
    }

    static Map<String, Object> localEnvFile() throws IOException {
        Path envFile = projectRoot().resolve("events").resolve("env.json");
        return map(parseYaml(Files.readString(envFile, StandardCharsets.UTF_8)), "env.json");
    }

    @ParameterizedTest
    @ValueSource(strings = {FUNCTION, SWEEP})
    void localEnvFileMatchesTheTemplate(String logicalId) throws IOException {
        Map<String, Object> env = localEnvFile();
        assertEquals(Set.of(FUNCTION, SWEEP), env.keySet(), "sam local --env-vars is keyed by the logical id");
        Map<String, Object> vars = map(env.get(logicalId), "env.json " + logicalId);
        Map<String, Object> templateVars = environment(logicalId);
        assertEquals(templateVars.keySet(), vars.keySet(),
                "every variable the template declares, and only those (sam local ignores the others)");
        assertEquals(parameter("TagPolicy").get("Default"), vars.get("TAG_POLICY"),
                "env.json carries the same sample policy as the template default");
        assertEquals("report", vars.get("ENFORCEMENT_MODE"), "a local run writes nothing");
        assertEquals(parameter("MetricsNamespace").get("Default"), vars.get("METRICS_NAMESPACE"));
    }

    @ParameterizedTest
    @ValueSource(strings = {FUNCTION, SWEEP})
    void localEnvRoleNameIsTheRoleOfTheEnforcerSample(String logicalId) throws IOException {
        Map<String, Object> sample = map(parseYaml(Files.readString(projectRoot().resolve("events")
                .resolve("tag-resource-by-enforcer.json"), StandardCharsets.UTF_8)), "tag-resource-by-enforcer.json");
        Map<String, Object> identity = map(map(sample.get("detail"), "detail").get("userIdentity"), "userIdentity");
        Map<String, Object> issuer = map(map(identity.get("sessionContext"), "sessionContext").get("sessionIssuer"),
                "sessionIssuer");
        Object roleName = map(localEnvFile().get(logicalId), logicalId).get("ENFORCER_ROLE_NAME");
        assertEquals(issuer.get("userName"), roleName);
        assertTrue(((String) identity.get("arn")).contains(":assumed-role/" + roleName + "/"), identity.toString());
    }

    @Test
    void localSweepWriteRateIsWithinTheParameterBounds() throws IOException {
        double rate = Double.parseDouble((String) map(localEnvFile().get(SWEEP), SWEEP).get("SWEEP_WRITES_PER_SECOND"));
        Map<String, Object> p = parameter("SweepWritesPerSecond");
        assertTrue(rate >= ((Number) p.get("MinValue")).doubleValue() && rate <= ((Number) p.get("MaxValue")).doubleValue(),
                "SWEEP_WRITES_PER_SECOND " + rate);
    }

    @Test
    void decisionEventsArePutOnlyWhenABusIsNamed() {
        assertEquals(Map.of("Fn::Not", List.of(Map.of("Fn::Equals", List.of(ref("DecisionEventBus"), "")))),
                map(template.get("Conditions"), "Conditions").get("HasDecisionEvents"));
        assertEquals("", parameter("DecisionEventBus").get("Default"), "off unless asked for");
        for (String logicalId : List.of(FUNCTION, SWEEP)) {
            assertEquals(ref("DecisionEventBus"), environment(logicalId).get("DECISION_EVENT_BUS"), logicalId);
        }
    }

    @Test
    void alarmsCoverBothFunctionsErrorsAndFailuresBothQueuesAndRejected() {
        Map<String, Map<String, Object>> alarms = resourcesOfType("AWS::CloudWatch::Alarm");
        Map<String, String> seen = new LinkedHashMap<>(); // what -> alarm logical id
        Map<String, Object> noValueIf = Map.of("Fn::If",
                List.of("HasAlarmTopic", List.of(ref("AlarmTopicArn")), ref("AWS::NoValue")));
        for (Map.Entry<String, Map<String, Object>> e : alarms.entrySet()) {
            Object condition = e.getValue().get("Condition");
            assertTrue(condition == null || OPTIONAL_FEATURES.contains(condition),
                    e.getKey() + ": alarms exist with or without a topic, and with their feature");
            Map<String, Object> p = map(e.getValue().get("Properties"), e.getKey());
            assertEquals(noValueIf, p.get("AlarmActions"), e.getKey() + " AlarmActions");
            assertEquals(noValueIf, p.get("OKActions"), e.getKey() + " OKActions");
            assertEquals("GreaterThanOrEqualToThreshold", p.get("ComparisonOperator"), e.getKey());
            assertEquals(1, ((Number) p.get("Threshold")).intValue(), e.getKey());
            assertEquals("notBreaching", p.get("TreatMissingData"), e.getKey());
            List<Object> dims = list(p.get("Dimensions"), e.getKey() + " Dimensions");
            assertEquals(1, dims.size(), e.getKey() + " one dimension");
            Map<String, Object> dim = map(dims.get(0), "dimension");
            Object ns = p.get("Namespace");
            String metric = (String) p.get("MetricName");
            String what;
            if ("AWS/Lambda".equals(ns) || ref("MetricsNamespace").equals(ns)) {
                // EMF dimension set [[FunctionName]], as Lambda's own metrics.
                assertEquals("FunctionName", dim.get("Name"), e.getKey());
                Object fn = dim.get("Value");
                assertTrue(fn.equals(ref(FUNCTION)) || fn.equals(ref(SWEEP)), e.getKey() + ": " + fn);
                if ("AWS/Lambda".equals(ns)) {
                    assertEquals("Errors", metric);
                }
                what = metric + " of " + ((Map<?, ?>) fn).get("Ref");
            } else if ("AWS/SQS".equals(ns)) {
                assertEquals("ApproximateNumberOfMessagesVisible", metric);
                assertEquals("QueueName", dim.get("Name"));
                String att = getAtt(dim.get("Value"));
                assertNotNull(att, e.getKey() + " QueueName must be GetAtt <queue>.QueueName");
                assertTrue(att.endsWith(".QueueName"), att);
                what = att.substring(0, att.indexOf('.'));
            } else {
                what = fail(e.getKey() + ": unexpected namespace " + ns);
            }
            assertNull(seen.put(what, e.getKey()), "two alarms on " + what);
        }
        assertEquals(Set.of("Errors of " + FUNCTION, "Rejected of " + FUNCTION, "Failed of " + FUNCTION,
                "RuleDeadLetterQueue", "OnFailureQueue", "Errors of " + SWEEP, "Failed of " + SWEEP,
                "DecisionEventsFailed of " + FUNCTION, "DecisionEventsFailed of " + SWEEP,
                "FindingsFailed of " + FUNCTION, "FindingsFailed of " + SWEEP, "RunAccountsNotDone of " + SWEEP), seen.keySet());
        assertEquals("SweepRunAccountsAlarm", seen.get("RunAccountsNotDone of " + SWEEP));
        assertEquals("SweepErrorsAlarm", seen.get("Errors of " + SWEEP));
        assertEquals("SweepFailedAlarm", seen.get("Failed of " + SWEEP));

        Map<String, Object> conditions = map(template.get("Conditions"), "Conditions");
        assertEquals(Map.of("Fn::Not", List.of(Map.of("Fn::Equals", List.of(ref("AlarmTopicArn"), "")))),
                conditions.get("HasAlarmTopic"));
    }

    @Test
    void outputsNameTheFunctionsAliasRulesLogGroupsQueuesAndAlarms() {
        Map<String, Object> outputs = map(template.get("Outputs"), "Outputs");
        List<Object> values = new ArrayList<>();
        for (Object o : outputs.values()) {
            Object value = map(o, "output").get("Value");
            String att = getAtt(value);
            values.add(att != null ? Map.of("Fn::GetAtt", att) : value); // one GetAtt form
        }
        assertTrue(values.contains(Map.of("Fn::GetAtt", FUNCTION + ".Arn")), "function ARN output");
        assertTrue(values.contains(ref(FUNCTION + ".Alias")), "alias ARN output");
        Map<String, Object> byName = new LinkedHashMap<>();
        outputs.forEach((name, o) -> byName.put(name, normalised(map(o, name).get("Value"))));
        assertEquals(ref(SWEEP), byName.get("SweepFunctionName"));
        assertEquals(Map.of("Fn::GetAtt", SWEEP + ".Arn"), byName.get("SweepFunctionArn"));
        assertEquals(ref("SweepLogGroup"), byName.get("SweepLogGroupName"));
        assertEquals(Map.of("Fn::GetAtt", KEY_TAGS_CHANGED_RULE + ".Arn"), byName.get("KeyTagsChangedRuleArn"));
        assertEquals(Map.of("Fn::GetAtt", KEY_CREATED_RULE + ".Arn"), byName.get("KeyCreatedRuleArn"));
        for (String q : List.of("RuleDeadLetterQueue", "OnFailureQueue")) {
            assertTrue(values.contains(ref(q)), q + " URL output");
            assertTrue(values.contains(Map.of("Fn::GetAtt", q + ".Arn")), q + " ARN output");
        }
        for (String alarm : resourcesOfType("AWS::CloudWatch::Alarm").keySet()) {
            assertTrue(values.contains(ref(alarm)), alarm + " name output");
        }
    }
}
