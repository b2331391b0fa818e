package io.kmstagenforcer.template;

import static java.util.Map.entry;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import software.amazon.event.ruler.Machine;

/**
 * Takes each EventBridge rule's EventPattern out of template.yaml, resolves its Fn::Sub as the
 * stack would in account 111122223333, serialises it to JSON and matches it with AWS's own
 * matching engine (event-ruler) against every sample event in events/, and against mutations
 * of one sample that check each clause of the pattern.
 */
class EventPatternTest {

    static final String KEY_CREATED_RULE = "KeyCreatedRule";
    static final String KEY_TAGS_CHANGED_RULE = "KeyTagsChangedRule";

    /** A member account whose events reach the central bus (docs/MANY-ACCOUNTS.md). */
    static final String MEMBER_ACCOUNT = "444455556666";

    /** The role name CloudFormation would give TagEnforcerRole; the one in events/ and events/env.json. */
    static final String ENFORCER_ROLE = "kms-tag-enforcer-TagEnforcerRole-EXAMPLE";

    /** What Fn::Sub in an event pattern resolves to in the sample account (and nothing else may appear). */
    static final Map<String, String> SUB_VALUES = Map.of(
            "AWS::Partition", "aws",
            "AWS::AccountId", "111122223333",
            "TagEnforcerRole", ENFORCER_ROLE);

    /** KeyCreatedRule: successful CreateKey and ReplicateKey calls, whoever made them. */
    static final Map<String, Boolean> KEY_CREATED_EXPECTED = Map.ofEntries(
            entry("create-key.json", true),
            entry("create-key-with-tags.json", true),
            entry("create-multi-region-key.json", true),
            entry("replicate-key.json", true),
            // Delivered: the rule cannot see keyManager; the function ignores AWS managed keys.
            entry("create-key-aws-managed.json", true),
            entry("create-key-failed.json", false),
            entry("not-a-kms-event.json", false),
            entry("tag-resource.json", false),
            entry("untag-resource.json", false),
            entry("tag-resource-by-enforcer.json", false),
            entry("decision-event.json", false),
            entry("decision-event-remediated.json", false),
            entry("scheduled-sweep.json", false));

    /** KeyTagsChangedRule: successful TagResource and UntagResource calls not made by the enforcer's role. */
    static final Map<String, Boolean> KEY_TAGS_CHANGED_EXPECTED = Map.ofEntries(
            entry("create-key.json", false),
            entry("create-key-with-tags.json", false),
            entry("create-multi-region-key.json", false),
            entry("replicate-key.json", false),
            entry("create-key-aws-managed.json", false),
            entry("create-key-failed.json", false),
            entry("not-a-kms-event.json", false),
            entry("tag-resource.json", true),
            entry("untag-resource.json", true),
            entry("tag-resource-by-enforcer.json", false),
            entry("decision-event.json", false),
            entry("decision-event-remediated.json", false),
            entry("scheduled-sweep.json", false));

    /** NeedsAPersonRule (docs/RESULTS.md): the enforcer's own decision events of keys that need a person, and nothing else. */
    static final Map<String, Boolean> NEEDS_A_PERSON_EXPECTED = Map.ofEntries(
            entry("create-key.json", false),
            entry("create-key-with-tags.json", false),
            entry("create-multi-region-key.json", false),
            entry("replicate-key.json", false),
            entry("create-key-aws-managed.json", false),
            entry("create-key-failed.json", false),
            entry("not-a-kms-event.json", false),
            entry("tag-resource.json", false),
            entry("untag-resource.json", false),
            entry("tag-resource-by-enforcer.json", false),
            entry("decision-event.json", true),
            entry("decision-event-remediated.json", false),
            entry("scheduled-sweep.json", false));

    /**
     * What each rule must do with each sample in events/. Every *.json file there except
     * env.json (sam local --env-vars, not an event) must have a decision for every rule, and
     * every listed file must exist: see {@link #everySampleEventHasAnExpectationForEveryRule}.
     */
    static final Map<String, Map<String, Boolean>> EXPECTED_MATCH = Map.of(
            KEY_CREATED_RULE, KEY_CREATED_EXPECTED,
            KEY_TAGS_CHANGED_RULE, KEY_TAGS_CHANGED_EXPECTED,
            DecisionEventPatternTest.RULE, NEEDS_A_PERSON_EXPECTED);

    /** Files in events/ that are not events. Non-JSON files (README.md) are skipped anyway. */
    static final Set<String> NOT_EVENTS = Set.of("env.json");

    private static Map<String, Map<String, Object>> rawPatterns;
    private static Map<String, String> patternJson;

    @BeforeAll
    static void loadPatterns() throws IOException {
        Map<String, Object> template = TemplateTest.loadTemplate();
        Map<String, Object> resources = TemplateTest.map(template.get("Resources"), "Resources");
        rawPatterns = new LinkedHashMap<>();
        patternJson = new LinkedHashMap<>();
        for (String rule : EXPECTED_MATCH.keySet()) {
            Map<String, Object> resource = TemplateTest.map(resources.get(rule), rule);
            assertEquals("AWS::Events::Rule", resource.get("Type"), rule);
            Map<String, Object> raw = TemplateTest.map(
                    TemplateTest.map(resource.get("Properties"), rule).get("EventPattern"), rule + ".EventPattern");
            rawPatterns.put(rule, raw);
            patternJson.put(rule, toJson(resolve(raw, rule)));
        }
    }

    /** events/ of the project; the system property kmstagenforcer.eventsDir points elsewhere (tests of this test). */
    static Path eventsDir() {
        String override = System.getProperty("kmstagenforcer.eventsDir");
        return override != null ? Path.of(override) : TemplateTest.projectRoot().resolve("events");
    }

    static List<String> sampleEventFiles() throws IOException {
        try (Stream<Path> files = Files.list(eventsDir())) {
            return files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".json") && !NOT_EVENTS.contains(n))
                    .sorted()
                    .toList();
        }
    }

    static String sample(String name) throws IOException {
        return Files.readString(eventsDir().resolve(name), StandardCharsets.UTF_8);
    }

    /** True when the pattern (JSON) matches the event, per event-ruler (EventBridge's engine). */
    static boolean matches(String patternJson, String eventJson) throws Exception {
        Machine machine = new Machine();
        machine.addRule("rule", patternJson);
        return machine.rulesForJSONEvent(eventJson).contains("rule");
    }

    static boolean ruleMatches(String rule, String eventJson) throws Exception {
        return matches(patternJson.get(rule), eventJson);
    }

    /**
     * The pattern as CloudFormation would pass it to EventBridge: each Fn::Sub string replaced by
     * its value from {@link #SUB_VALUES}. Any other intrinsic, or a variable not in SUB_VALUES,
     * fails the test: it would need a resolution this test does not know.
     */
    static Object resolve(Object o, String where) {
        if (o instanceof Map<?, ?> m) {
            if (m.size() == 1 && m.containsKey("Fn::Sub")) {
                Object arg = m.get("Fn::Sub");
                if (!(arg instanceof String s)) {
                    return fail(where + ": only the one-string form of Fn::Sub is resolved here: " + arg);
                }
                return substitute(s, where);
            }
            Map<String, Object> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                String key = String.valueOf(e.getKey());
                if (key.equals("Ref") || key.startsWith("Fn::")) {
                    fail(where + ": intrinsic " + key + " in an event pattern is not resolved by this test");
                }
                out.put(key, resolve(e.getValue(), where + "." + key));
            }
            return out;
        }
        if (o instanceof List<?> l) {
            List<Object> out = new ArrayList<>();
            for (int i = 0; i < l.size(); i++) {
                out.add(resolve(l.get(i), where + "[" + i + "]"));
            }
            return out;
        }
        return o;
    }

    private static String substitute(String text, String where) {
        Matcher m = Pattern.compile("\\$\\{([^}]*)}").matcher(text);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String value = SUB_VALUES.get(m.group(1));
            if (value == null) {
                fail(where + ": no sample value for ${" + m.group(1) + "} in " + text);
            }
            m.appendReplacement(sb, Matcher.quoteReplacement(value));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    // ------------------------------------------------------------------ the contracted patterns

    @Test
    void keyCreatedPatternIsTheContractedOne() {
        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("source", List.of("aws.kms"));
        expected.put("detail-type", List.of("AWS API Call via CloudTrail"));
        expected.put("detail", Map.of(
                "eventSource", List.of("kms.amazonaws.com"),
                "eventName", List.of("CreateKey", "ReplicateKey"),
                "errorCode", List.of(Map.of("exists", false))));
        assertEquals(expected, rawPatterns.get(KEY_CREATED_RULE));
    }

    @Test
    void keyTagsChangedPatternIsTheContractedOne() {
        Map<String, Object> notTheEnforcer = Map.of("userIdentity", Map.of("arn", List.of(Map.of("anything-but",
                Map.of("prefix", Map.of("Fn::Sub",
                        "arn:${AWS::Partition}:sts::${AWS::AccountId}:assumed-role/${TagEnforcerRole}/"))))));
        Map<String, Object> noCallerArn = Map.of("userIdentity", Map.of("arn", List.of(Map.of("exists", false))));
        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("source", List.of("aws.kms"));
        expected.put("detail-type", List.of("AWS API Call via CloudTrail"));
        expected.put("detail", Map.of(
                "eventSource", List.of("kms.amazonaws.com"),
                "eventName", List.of("TagResource", "UntagResource"),
                "errorCode", List.of(Map.of("exists", false)),
                "$or", List.of(notTheEnforcer, noCallerArn)));
        assertEquals(expected, rawPatterns.get(KEY_TAGS_CHANGED_RULE));
    }

    @Test
    void theEnforcerPrefixResolvesToItsAssumedRoleSessions() {
        assertTrue(patternJson.get(KEY_TAGS_CHANGED_RULE).contains(
                "\"prefix\":\"arn:aws:sts::111122223333:assumed-role/" + ENFORCER_ROLE + "/\""),
                patternJson.get(KEY_TAGS_CHANGED_RULE));
    }

    // ------------------------------------------------------------------ the samples

    @Test
    void everySampleEventHasAnExpectationForEveryRule() throws IOException {
        Set<String> present = new TreeSet<>(sampleEventFiles());
        for (Map.Entry<String, Map<String, Boolean>> table : EXPECTED_MATCH.entrySet()) {
            Set<String> unexpected = new TreeSet<>(present);
            unexpected.removeAll(table.getValue().keySet());
            Set<String> missing = new TreeSet<>(table.getValue().keySet());
            missing.removeAll(present);
            assertTrue(unexpected.isEmpty(), table.getKey()
                    + ": sample events without an expectation (add them to its table): " + unexpected);
            assertTrue(missing.isEmpty(), table.getKey() + ": expected sample events that are not in events/: "
                    + missing);
        }
    }

    @TestFactory
    Stream<DynamicContainer> eachRuleMatchesExactlyTheExpectedSamples() throws IOException {
        List<String> files = sampleEventFiles();
        assertFalse(files.isEmpty(), "no sample events in " + eventsDir());
        return EXPECTED_MATCH.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .map(table -> DynamicContainer.dynamicContainer(table.getKey(), files.stream()
                        .filter(table.getValue()::containsKey) // the others fail everySampleEventHasAn...
                        .map(name -> DynamicTest.dynamicTest(name, () -> {
                            boolean expected = table.getValue().get(name);
                            assertEquals(expected, ruleMatches(table.getKey(), sample(name)),
                                    table.getKey() + (expected ? " must deliver " : " must not deliver ") + name
                                            + "; pattern " + patternJson.get(table.getKey()));
                        }))));
    }

    @Test
    void aScheduledEventMatchesNeitherRule() throws Exception {
        String scheduled = sample("scheduled-sweep.json");
        for (String rule : EXPECTED_MATCH.keySet()) {
            assertFalse(ruleMatches(rule, scheduled), rule + " must leave the sweep's schedule alone");
        }
    }

    // ------------------------------------------------------------------ each clause, by mutation

    /** Mutations of create-key.json: checks each clause of KeyCreatedRule on its own. */
    @TestFactory
    Stream<DynamicTest> eachClauseOfTheKeyCreatedPatternFilters() throws IOException {
        Map<String, Consumer<Map<String, Object>>> mustMatch = new LinkedHashMap<>();
        Map<String, Consumer<Map<String, Object>>> mustNotMatch = new LinkedHashMap<>();

        mustMatch.put("unchanged", e -> { });
        mustMatch.put("ReplicateKey", e -> detail(e).put("eventName", "ReplicateKey"));
        mustMatch.put("another region and account", e -> {
            e.put("region", "ap-southeast-2");
            e.put("account", "444455556666");
        });
        mustMatch.put("a key created in a member account, forwarded to the central bus", EventPatternTest::inMemberAccount);
        mustNotMatch.put("errorCode present", e -> detail(e).put("errorCode", "AccessDeniedException"));
        mustNotMatch.put("errorCode empty string", e -> detail(e).put("errorCode", ""));
        mustNotMatch.put("other KMS call (TagResource: KeyTagsChangedRule's, not this rule's)",
                e -> detail(e).put("eventName", "TagResource"));
        mustNotMatch.put("other KMS call (ScheduleKeyDeletion)",
                e -> detail(e).put("eventName", "ScheduleKeyDeletion"));
        mustNotMatch.put("eventName in other case", e -> detail(e).put("eventName", "createkey"));
        mustNotMatch.put("other source", e -> e.put("source", "aws.s3"));
        mustNotMatch.put("custom source pretending", e -> e.put("source", "my.aws.kms"));
        mustNotMatch.put("other detail-type", e -> e.put("detail-type", "KMS CMK Rotation"));
        mustNotMatch.put("other eventSource", e -> detail(e).put("eventSource", "s3.amazonaws.com"));
        mustNotMatch.put("no eventName", e -> detail(e).remove("eventName"));

        return mutationTests(KEY_CREATED_RULE, "create-key.json", mustMatch, mustNotMatch);
    }

    /** Mutations of tag-resource.json (a person's TagResource): checks each clause of KeyTagsChangedRule. */
    @TestFactory
    Stream<DynamicTest> eachClauseOfTheKeyTagsChangedPatternFilters() throws IOException {
        Map<String, Consumer<Map<String, Object>>> mustMatch = new LinkedHashMap<>();
        Map<String, Consumer<Map<String, Object>>> mustNotMatch = new LinkedHashMap<>();

        mustMatch.put("a person's TagResource (unchanged)", e -> { });
        mustMatch.put("UntagResource", e -> detail(e).put("eventName", "UntagResource"));
        mustMatch.put("an IAM user", e -> identity(e).put("arn", "arn:aws:iam::111122223333:user/Alice"));
        mustMatch.put("an AWS service caller, which has no arn", e -> detail(e).put("userIdentity",
                new LinkedHashMap<>(Map.of("type", "AWSService", "invokedBy", "secretsmanager.amazonaws.com"))));
        mustMatch.put("an identity with neither type nor arn (internal record)", e -> detail(e).put("userIdentity",
                new LinkedHashMap<>(Map.of("principalId", "AROA3XFRBF23EXAMPLE1:bob", "accountId", "111122223333"))));
        mustMatch.put("no userIdentity at all", e -> detail(e).remove("userIdentity"));
        mustMatch.put("a role whose name only starts with the enforcer's",
                e -> identity(e).put("arn", "arn:aws:sts::111122223333:assumed-role/" + ENFORCER_ROLE + "2/bob"));
        mustMatch.put("a user named like the enforcer's role",
                e -> identity(e).put("arn", "arn:aws:iam::111122223333:user/" + ENFORCER_ROLE));
        mustMatch.put("a person's call in a member account, forwarded to the central bus", EventPatternTest::inMemberAccount);
        mustMatch.put("the central enforcer's write through the member role (left out by the member's forwarding rule; "
                + "ignored by the code)", e -> {
                    inMemberAccount(e);
                    identity(e).put("arn", "arn:aws:sts::" + MEMBER_ACCOUNT + ":assumed-role/kms-tag-enforcer-member/"
                            + "kms-tag-enforcer-TagEnforcerFunction-EXAMPLE");
                });
        mustNotMatch.put("the enforcer role's own call (event-driven function)",
                e -> identity(e).put("arn", enforcerSession("kms-tag-enforcer-TagEnforcerFunction-EXAMPLE")));
        mustNotMatch.put("the enforcer role's own call (sweep function)",
                e -> identity(e).put("arn", enforcerSession("kms-tag-enforcer-SweepFunction-EXAMPLE")));
        mustNotMatch.put("a failed call (errorCode present)", e -> {
            detail(e).put("errorCode", "AccessDeniedException");
            detail(e).put("errorMessage", "User is not authorized to perform: kms:TagResource");
        });
        mustNotMatch.put("errorCode empty string", e -> detail(e).put("errorCode", ""));
        mustNotMatch.put("CreateKey (KeyCreatedRule's, not this rule's)", e -> detail(e).put("eventName", "CreateKey"));
        mustNotMatch.put("other KMS call (DisableKey)", e -> detail(e).put("eventName", "DisableKey"));
        mustNotMatch.put("other source", e -> e.put("source", "aws.s3"));
        mustNotMatch.put("other detail-type", e -> e.put("detail-type", "KMS CMK Rotation"));
        mustNotMatch.put("other eventSource", e -> detail(e).put("eventSource", "s3.amazonaws.com"));

        return mutationTests(KEY_TAGS_CHANGED_RULE, "tag-resource.json", mustMatch, mustNotMatch);
    }

    /**
     * Why KeyTagsChangedRule has the exists:false branch: in event-ruler, anything-but matches
     * only a field that is present, so on its own it would drop every TagResource by a caller
     * without userIdentity.arn.
     */
    @Test
    void anythingButAloneWouldDropCallersWithoutAnArn() throws Exception {
        String anythingButOnly = "{\"detail\":{\"eventName\":[\"TagResource\"],\"userIdentity\":{\"arn\":"
                + "[{\"anything-but\":{\"prefix\":\"arn:aws:sts::111122223333:assumed-role/" + ENFORCER_ROLE + "/\"}}]}}}";
        Map<String, Object> event = TemplateTest.map(TemplateTest.parseYaml(sample("tag-resource.json")), "event");
        assertTrue(matches(anythingButOnly, toJson(event)), "a person's call matches anything-but");
        detail(event).put("userIdentity", Map.of("type", "AWSService", "invokedBy", "secretsmanager.amazonaws.com"));
        assertFalse(matches(anythingButOnly, toJson(event)), "anything-but does not match an absent field");
        assertTrue(ruleMatches(KEY_TAGS_CHANGED_RULE, toJson(event)), "the rule's $or branch does");
    }

    /**
     * The event as a member account's forwarding rule puts it on the central bus: EventBridge keeps
     * the original {@code account}, and the record is the member account's. The central rules match
     * any account, so nothing else is needed for events from other accounts.
     */
    private static void inMemberAccount(Map<String, Object> event) {
        event.put("account", MEMBER_ACCOUNT);
        detail(event).put("recipientAccountId", MEMBER_ACCOUNT);
        if (detail(event).get("userIdentity") instanceof Map<?, ?>) {
            identity(event).put("accountId", MEMBER_ACCOUNT);
        }
    }

    private static String enforcerSession(String functionName) {
        return "arn:aws:sts::111122223333:assumed-role/" + ENFORCER_ROLE + "/" + functionName;
    }

    private static Stream<DynamicTest> mutationTests(String rule, String file,
            Map<String, Consumer<Map<String, Object>>> mustMatch,
            Map<String, Consumer<Map<String, Object>>> mustNotMatch) throws IOException {
        String text = sample(file);
        List<DynamicTest> tests = new ArrayList<>();
        mustMatch.forEach((what, change) -> tests.add(mutationTest(rule, file, text, what, change, true)));
        mustNotMatch.forEach((what, change) -> tests.add(mutationTest(rule, file, text, what, change, false)));
        return tests.stream();
    }

    private static DynamicTest mutationTest(String rule, String file, String text, String what,
            Consumer<Map<String, Object>> change, boolean expected) {
        return DynamicTest.dynamicTest((expected ? "matches: " : "rejects: ") + what, () -> {
            Map<String, Object> event = TemplateTest.map(TemplateTest.parseYaml(text), file);
            change.accept(event);
            String json = toJson(event);
            assertEquals(expected, ruleMatches(rule, json), rule + ", " + what + ": " + json);
        });
    }

    private static Map<String, Object> detail(Map<String, Object> event) {
        return TemplateTest.map(event.get("detail"), "detail");
    }

    private static Map<String, Object> identity(Map<String, Object> event) {
        return TemplateTest.map(detail(event).get("userIdentity"), "detail.userIdentity");
    }

    // ------------------------------------------------------------------ JSON writer

    /** Minimal JSON serialisation of what SnakeYAML returns (maps, lists, strings, numbers, booleans, null). */
    static String toJson(Object o) {
        StringBuilder sb = new StringBuilder();
        writeJson(o, sb);
        return sb.toString();
    }

    private static void writeJson(Object o, StringBuilder sb) {
        if (o == null) {
            sb.append("null");
        } else if (o instanceof Map<?, ?> m) {
            sb.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!first) {
                    sb.append(',');
                }
                first = false;
                writeString(String.valueOf(e.getKey()), sb);
                sb.append(':');
                writeJson(e.getValue(), sb);
            }
            sb.append('}');
        } else if (o instanceof List<?> l) {
            sb.append('[');
            for (int i = 0; i < l.size(); i++) {
                if (i > 0) {
                    sb.append(',');
                }
                writeJson(l.get(i), sb);
            }
            sb.append(']');
        } else if (o instanceof Boolean || o instanceof Integer || o instanceof Long
                || o instanceof java.math.BigInteger) {
            sb.append(o);
        } else if (o instanceof Double || o instanceof Float) {
            double d = ((Number) o).doubleValue();
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                throw new IllegalArgumentException("not representable in JSON: " + o);
            }
            sb.append(o);
        } else if (o instanceof String s) {
            writeString(s, sb);
        } else {
            throw new IllegalArgumentException("cannot write " + o.getClass() + " as JSON: " + o);
        }
    }

    private static void writeString(String s, StringBuilder sb) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
