package io.kmstagenforcer.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import software.amazon.event.ruler.Machine;

/**
 * Takes the EventBridge rule's EventPattern out of template.yaml, serialises it to JSON and
 * matches it with AWS's own matching engine (event-ruler) against every sample event in
 * events/, and against mutations of one sample that must not match.
 */
class EventPatternTest {

    /**
     * What the rule must do with each sample in events/. Every *.json file there except
     * env.json (sam local --env-vars, not an event) must be listed, and every listed file must
     * exist: a new sample without a decision here fails {@link #everySampleEventHasAnExpectation}.
     */
    static final Map<String, Boolean> EXPECTED_MATCH = Map.of(
            "create-key.json", true,
            "create-key-with-tags.json", true,
            "create-multi-region-key.json", true,
            "replicate-key.json", true,
            // Delivered: the rule cannot see keyManager; the function ignores AWS managed keys.
            "create-key-aws-managed.json", true,
            "create-key-failed.json", false,
            "not-a-kms-event.json", false);

    /** Files in events/ that are not events. Non-JSON files (README.md) are skipped anyway. */
    static final Set<String> NOT_EVENTS = Set.of("env.json");

    private static final String RULE = "KeyCreatedRule";

    private static Map<String, Object> pattern;
    private static String patternJson;

    @BeforeAll
    static void loadPattern() throws IOException {
        Map<String, Object> template = TemplateTest.loadTemplate();
        Map<String, Object> resources = TemplateTest.map(template.get("Resources"), "Resources");
        Map<String, Object> rule = TemplateTest.map(resources.get(RULE), RULE);
        assertEquals("AWS::Events::Rule", rule.get("Type"));
        pattern = TemplateTest.map(TemplateTest.map(rule.get("Properties"), RULE).get("EventPattern"), "EventPattern");
        patternJson = toJson(pattern);
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

    /** True when the rule's pattern matches the event, per event-ruler (EventBridge's engine). */
    static boolean ruleMatches(String eventJson) throws Exception {
        Machine machine = new Machine();
        machine.addRule(RULE, patternJson);
        List<String> matched = machine.rulesForJSONEvent(eventJson);
        return matched.contains(RULE);
    }

    // ------------------------------------------------------------------ tests

    @Test
    void patternIsTheContractedOne() {
        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("source", List.of("aws.kms"));
        expected.put("detail-type", List.of("AWS API Call via CloudTrail"));
        expected.put("detail", Map.of(
                "eventSource", List.of("kms.amazonaws.com"),
                "eventName", List.of("CreateKey", "ReplicateKey"),
                "errorCode", List.of(Map.of("exists", false))));
        assertEquals(expected, pattern);
    }

    @Test
    void everySampleEventHasAnExpectation() throws IOException {
        Set<String> present = new TreeSet<>(sampleEventFiles());
        Set<String> unexpected = new TreeSet<>(present);
        unexpected.removeAll(EXPECTED_MATCH.keySet());
        Set<String> missing = new TreeSet<>(EXPECTED_MATCH.keySet());
        missing.removeAll(present);
        assertTrue(unexpected.isEmpty(),
                "sample events without an expectation (add them to EXPECTED_MATCH): " + unexpected);
        assertTrue(missing.isEmpty(), "expected sample events that are not in events/: " + missing);
    }

    @TestFactory
    Stream<DynamicTest> ruleMatchesExactlyTheExpectedSamples() throws IOException {
        List<String> files = sampleEventFiles();
        assertFalse(files.isEmpty(), "no sample events in " + eventsDir());
        return files.stream()
                .filter(EXPECTED_MATCH::containsKey) // unknown files fail everySampleEventHasAnExpectation
                .map(name -> DynamicTest.dynamicTest(name, () -> {
                    String json = Files.readString(eventsDir().resolve(name), StandardCharsets.UTF_8);
                    boolean expected = EXPECTED_MATCH.get(name);
                    assertEquals(expected, ruleMatches(json),
                            name + (expected ? " must reach the function" : " must not reach the function")
                                    + "; pattern " + patternJson);
                }));
    }

    /** Mutations of create-key.json: checks each clause of the pattern on its own. */
    @TestFactory
    Stream<DynamicTest> eachClauseOfThePatternFilters() throws IOException {
        String text = Files.readString(eventsDir().resolve("create-key.json"), StandardCharsets.UTF_8);
        Map<String, Consumer<Map<String, Object>>> mustMatch = new LinkedHashMap<>();
        Map<String, Consumer<Map<String, Object>>> mustNotMatch = new LinkedHashMap<>();

        mustMatch.put("unchanged", e -> { });
        mustMatch.put("ReplicateKey", e -> detail(e).put("eventName", "ReplicateKey"));
        mustMatch.put("another region and account", e -> {
            e.put("region", "ap-southeast-2");
            e.put("account", "444455556666");
        });
        mustNotMatch.put("errorCode present", e -> detail(e).put("errorCode", "AccessDeniedException"));
        mustNotMatch.put("errorCode empty string", e -> detail(e).put("errorCode", ""));
        mustNotMatch.put("other KMS call (TagResource, the function's own writes)",
                e -> detail(e).put("eventName", "TagResource"));
        mustNotMatch.put("other KMS call (ScheduleKeyDeletion)",
                e -> detail(e).put("eventName", "ScheduleKeyDeletion"));
        mustNotMatch.put("eventName in other case", e -> detail(e).put("eventName", "createkey"));
        mustNotMatch.put("other source", e -> e.put("source", "aws.s3"));
        mustNotMatch.put("custom source pretending", e -> e.put("source", "my.aws.kms"));
        mustNotMatch.put("other detail-type", e -> e.put("detail-type", "KMS CMK Rotation"));
        mustNotMatch.put("other eventSource", e -> detail(e).put("eventSource", "s3.amazonaws.com"));
        mustNotMatch.put("no eventName", e -> detail(e).remove("eventName"));

        List<DynamicTest> tests = new ArrayList<>();
        mustMatch.forEach((what, change) -> tests.add(mutationTest(text, what, change, true)));
        mustNotMatch.forEach((what, change) -> tests.add(mutationTest(text, what, change, false)));
        return tests.stream();
    }

    private static DynamicTest mutationTest(String text, String what, Consumer<Map<String, Object>> change,
            boolean expected) {
        return DynamicTest.dynamicTest((expected ? "matches: " : "rejects: ") + what, () -> {
            Map<String, Object> event = TemplateTest.map(TemplateTest.parseYaml(text), "create-key.json");
            change.accept(event);
            String json = toJson(event);
            assertEquals(expected, ruleMatches(json), what + ": " + json);
        });
    }

    private static Map<String, Object> detail(Map<String, Object> event) {
        return TemplateTest.map(event.get("detail"), "detail");
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
