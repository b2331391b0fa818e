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
 * invoking the SnapStart alias, the failure queues and the alarms.
 */
class TemplateTest {

    static final String FUNCTION = "TagEnforcerFunction";
    static final String ROLE = "TagEnforcerRole";
    static final String KEY_CREATED_RULE = "KeyCreatedRule";
    static final String KEY_TAGS_CHANGED_RULE = "KeyTagsChangedRule";
    static final String KEY_ARN_PATTERN = "arn:${AWS::Partition}:kms:*:${AWS::AccountId}:key/*";
    static final Set<String> KMS_ACTIONS =
            Set.of("kms:ListResourceTags", "kms:TagResource", "kms:UntagResource", "kms:DescribeKey");
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
        Map<String, Object> fn = resource(FUNCTION);
        assertEquals("AWS::Serverless::Function", fn.get("Type"));
        return properties(FUNCTION);
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
    void iamStatementsAreExactlyLogsTheFourKmsActionsOnKeysAndTheQueueSend() {
        assertTrue(resourcesOfType("AWS::IAM::Policy").isEmpty(), "no separate IAM policies");
        assertTrue(resourcesOfType("AWS::IAM::ManagedPolicy").isEmpty(), "no managed policies");
        Map<String, Map<String, Object>> roles = resourcesOfType("AWS::IAM::Role");
        assertEquals(Set.of("TagEnforcerRole"), roles.keySet());
        Map<String, Object> role = properties("TagEnforcerRole");
        assertNull(role.get("ManagedPolicyArns"), "no managed policies on the role");

        Map<String, Object> trust = map(role.get("AssumeRolePolicyDocument"), "AssumeRolePolicyDocument");
        List<Object> trustStatements = list(trust.get("Statement"), "trust Statement");
        assertEquals(1, trustStatements.size());
        Map<String, Object> trustStatement = map(trustStatements.get(0), "trust statement");
        assertEquals(Map.of("Service", "lambda.amazonaws.com"), trustStatement.get("Principal"));
        assertEquals(List.of("sts:AssumeRole"), scalarOrList(trustStatement.get("Action")));

        List<Object> statements = new ArrayList<>();
        for (Object p : list(role.get("Policies"), "Policies")) {
            Map<String, Object> doc = map(map(p, "policy").get("PolicyDocument"), "PolicyDocument");
            statements.addAll(list(doc.get("Statement"), "Statement"));
        }

        // Each statement as "actions -> resource"; the whole set must be exactly this.
        Map<Set<String>, Object> actual = new LinkedHashMap<>();
        for (Object s : statements) {
            Map<String, Object> st = map(s, "statement");
            assertEquals("Allow", st.get("Effect"));
            assertNull(st.get("NotAction"), "no NotAction");
            assertNull(st.get("NotResource"), "no NotResource");
            List<Object> res = scalarOrList(st.get("Resource"));
            assertEquals(1, res.size(), "one resource per statement: " + st);
            Set<String> actions = new TreeSet<>();
            scalarOrList(st.get("Action")).forEach(a -> actions.add((String) a));
            Object previous = actual.put(actions, res.get(0));
            assertNull(previous, "duplicate statement for " + actions);
        }
        Map<Set<String>, Object> expected = new LinkedHashMap<>();
        expected.put(new TreeSet<>(KMS_ACTIONS), Map.of("Fn::Sub", KEY_ARN_PATTERN));
        expected.put(new TreeSet<>(Set.of("sqs:SendMessage")), Map.of("Fn::GetAtt", "OnFailureQueue.Arn"));
        expected.put(new TreeSet<>(Set.of("logs:CreateLogStream", "logs:PutLogEvents")),
                Map.of("Fn::GetAtt", "TagEnforcerLogGroup.Arn"));

        assertEquals(expected.keySet(), actual.keySet(), "IAM actions");
        for (Map.Entry<Set<String>, Object> e : expected.entrySet()) {
            Object got = actual.get(e.getKey());
            Object want = e.getValue();
            if (want instanceof Map<?, ?> w && w.containsKey("Fn::GetAtt")) {
                assertEquals(w.get("Fn::GetAtt"), getAtt(got), "resource of " + e.getKey());
            } else {
                assertEquals(want, got, "resource of " + e.getKey());
            }
        }
        // The log statement's target really is this stack's log group, used by the function.
        assertEquals("AWS::Logs::LogGroup", resource("TagEnforcerLogGroup").get("Type"));
        assertEquals(ref("TagEnforcerLogGroup"),
                map(function().get("LoggingConfig"), "LoggingConfig").get("LogGroup"));
    }

    @Test
    void noPolicyStatementAllowsAStarActionOrAWriteOnStar() {
        Map<String, Map<String, Object>> docs = new LinkedHashMap<>();
        collectPolicyDocuments(resources, "Resources", docs);
        assertTrue(docs.size() >= 4, "expected the role's documents and both queue policies, found " + docs.keySet());
        for (Map.Entry<String, Map<String, Object>> doc : docs.entrySet()) {
            for (Object s : list(doc.getValue().get("Statement"), doc.getKey())) {
                Map<String, Object> st = map(s, doc.getKey());
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
    void theTemplateDeclaresExactlyTheTwoKeyRules() {
        assertEquals(Set.of(KEY_CREATED_RULE, KEY_TAGS_CHANGED_RULE), resourcesOfType("AWS::Events::Rule").keySet());
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
                "nothing else may invoke the function");
    }

    @Test
    void loggingIsJsonWithTheApplicationLevelFromTheParameter() {
        Map<String, Object> logging = map(function().get("LoggingConfig"), "LoggingConfig");
        assertEquals("JSON", logging.get("LogFormat"));
        assertEquals(ref("LogLevel"), logging.get("ApplicationLogLevel"));
        assertEquals("WARN", logging.get("SystemLogLevel"));
        Map<String, Object> level = map(map(template.get("Parameters"), "Parameters").get("LogLevel"), "LogLevel");
        assertEquals(List.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"), level.get("AllowedValues"));
        Map<String, Object> group = properties("TagEnforcerLogGroup");
        assertNotNull(group.get("RetentionInDays"), "bounded log retention");
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

    @Test
    void eventInvokeConfigRetriesTwiceThenSendsToTheOnFailureQueue() {
        Map<String, Object> cfg = map(function().get("EventInvokeConfig"), "EventInvokeConfig");
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
        assertEquals(2, ((Number) tagPolicy.get("MinLength")).intValue());
        // CloudFormation applies AllowedPattern as a Java regex to the whole value.
        Pattern allowed = Pattern.compile((String) tagPolicy.get("AllowedPattern"));
        String defaultPolicy = (String) tagPolicy.get("Default");
        assertTrue(allowed.matcher(defaultPolicy).matches(), "default policy matches AllowedPattern");
        assertTrue(allowed.matcher("{\n  \"mode\": \"report\"\n}\n").matches(), "multi-line JSON accepted");
        assertFalse(allowed.matcher("[]").matches(), "a JSON array is rejected");
        assertFalse(allowed.matcher("mode=enforce").matches(), "non-JSON is rejected");
        Map<String, Object> parsed = map(parseYaml(defaultPolicy), "default TagPolicy (JSON)");
        assertTrue(parsed.containsKey("required") && parsed.containsKey("mode"), "default policy shape: " + parsed);
        assertTrue(defaultPolicy.contains("${principal}"), "the placeholder survives in the default");

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
        Map<String, Object> vars = map(map(function().get("Environment"), "Environment").get("Variables"), "Variables");
        assertEquals(ref(ROLE), vars.get("ENFORCER_ROLE_NAME"),
                "Ref of an IAM role is its name, the middle part of assumed-role/<role>/<function>");
    }

    @Test
    void localEnvFileMatchesTheTemplate() throws IOException {
        Path envFile = projectRoot().resolve("events").resolve("env.json");
        Map<String, Object> env = map(parseYaml(Files.readString(envFile, StandardCharsets.UTF_8)), "env.json");
        assertEquals(Set.of(FUNCTION), env.keySet(), "sam local --env-vars is keyed by the logical id");
        Map<String, Object> vars = map(env.get(FUNCTION), "env.json " + FUNCTION);
        Map<String, Object> templateVars =
                map(map(function().get("Environment"), "Environment").get("Variables"), "Variables");
        assertTrue(templateVars.keySet().containsAll(vars.keySet()),
                "sam local only overrides variables the template declares: " + vars.keySet());
        Map<String, Object> params = map(template.get("Parameters"), "Parameters");
        assertEquals(map(params.get("TagPolicy"), "TagPolicy").get("Default"), vars.get("TAG_POLICY"),
                "env.json carries the same sample policy as the template default");
        assertTrue(list(map(params.get("Mode"), "Mode").get("AllowedValues"), "Mode")
                .contains(vars.get("ENFORCEMENT_MODE")));
    }

    @Test
    void alarmsCoverErrorsBothQueuesRejectedAndFailed() {
        Map<String, Map<String, Object>> alarms = resourcesOfType("AWS::CloudWatch::Alarm");
        Map<String, String> seen = new LinkedHashMap<>(); // what -> alarm logical id
        Map<String, Object> noValueIf = Map.of("Fn::If",
                List.of("HasAlarmTopic", List.of(ref("AlarmTopicArn")), ref("AWS::NoValue")));
        for (Map.Entry<String, Map<String, Object>> e : alarms.entrySet()) {
            assertNull(e.getValue().get("Condition"), e.getKey() + ": alarms exist with or without a topic");
            Map<String, Object> p = map(e.getValue().get("Properties"), e.getKey());
            assertEquals(noValueIf, p.get("AlarmActions"), e.getKey() + " AlarmActions");
            assertEquals("GreaterThanOrEqualToThreshold", p.get("ComparisonOperator"), e.getKey());
            assertEquals(1, ((Number) p.get("Threshold")).intValue(), e.getKey());
            List<Object> dims = list(p.get("Dimensions"), e.getKey() + " Dimensions");
            assertEquals(1, dims.size(), e.getKey() + " one dimension");
            Map<String, Object> dim = map(dims.get(0), "dimension");
            Object ns = p.get("Namespace");
            String metric = (String) p.get("MetricName");
            if ("AWS/Lambda".equals(ns)) {
                assertEquals("Errors", metric);
                assertEquals(Map.of("Name", "FunctionName", "Value", ref(FUNCTION)), dim);
                seen.put("Errors", e.getKey());
            } else if ("AWS/SQS".equals(ns)) {
                assertEquals("ApproximateNumberOfMessagesVisible", metric);
                assertEquals("QueueName", dim.get("Name"));
                String att = getAtt(dim.get("Value"));
                assertNotNull(att, e.getKey() + " QueueName must be GetAtt <queue>.QueueName");
                assertTrue(att.endsWith(".QueueName"), att);
                seen.put(att.substring(0, att.indexOf('.')), e.getKey());
            } else if (ref("MetricsNamespace").equals(ns)) {
                assertEquals(Map.of("Name", "FunctionName", "Value", ref(FUNCTION)), dim,
                        "EMF dimension set [[FunctionName]]");
                seen.put(metric, e.getKey());
            } else {
                fail(e.getKey() + ": unexpected namespace " + ns);
            }
        }
        assertEquals(Set.of("Errors", "RuleDeadLetterQueue", "OnFailureQueue", "Rejected", "Failed"), seen.keySet());
        assertEquals(5, alarms.size());

        Map<String, Object> conditions = map(template.get("Conditions"), "Conditions");
        assertEquals(Map.of("Fn::Not", List.of(Map.of("Fn::Equals", List.of(ref("AlarmTopicArn"), "")))),
                conditions.get("HasAlarmTopic"));
    }

    @Test
    void outputsNameTheFunctionAliasQueuesAndAlarms() {
        Map<String, Object> outputs = map(template.get("Outputs"), "Outputs");
        List<Object> values = new ArrayList<>();
        for (Object o : outputs.values()) {
            Object value = map(o, "output").get("Value");
            String att = getAtt(value);
            values.add(att != null ? Map.of("Fn::GetAtt", att) : value); // one GetAtt form
        }
        assertTrue(values.contains(Map.of("Fn::GetAtt", FUNCTION + ".Arn")), "function ARN output");
        assertTrue(values.contains(ref(FUNCTION + ".Alias")), "alias ARN output");
        for (String rule : List.of(KEY_CREATED_RULE, KEY_TAGS_CHANGED_RULE)) {
            assertTrue(values.contains(Map.of("Fn::GetAtt", rule + ".Arn")), rule + " ARN output");
        }
        for (String q : List.of("RuleDeadLetterQueue", "OnFailureQueue")) {
            assertTrue(values.contains(ref(q)), q + " URL output");
            assertTrue(values.contains(Map.of("Fn::GetAtt", q + ".Arn")), q + " ARN output");
        }
        for (String alarm : resourcesOfType("AWS::CloudWatch::Alarm").keySet()) {
            assertTrue(values.contains(ref(alarm)), alarm + " name output");
        }
    }
}
