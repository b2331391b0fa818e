package io.kmstagenforcer.template;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * NeedsAPersonRule's pattern, "keys that need a person" (docs/RESULTS.md), matched by event-ruler
 * against mutations of events/decision-event.json: each clause on its own. {@link EventPatternTest}
 * matches it against every sample.
 */
class DecisionEventPatternTest {
    static final String RULE = "NeedsAPersonRule";

    private static Map<String, Object> rawPattern() throws IOException {
        Map<String, Object> resources = TemplateTest.map(TemplateTest.loadTemplate().get("Resources"), "Resources");
        return TemplateTest.map(TemplateTest.map(TemplateTest.map(resources.get(RULE), RULE).get("Properties"), RULE)
                .get("EventPattern"), RULE + ".EventPattern");
    }

    @Test
    void thePatternIsTheDocumentedOne() throws IOException {
        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("source", List.of("kms-tag-enforcer"));
        expected.put("detail-type", List.of("KMS Key Tag Decision"));
        expected.put("$or", List.of(
                Map.of("detail", Map.of("outcome", List.of("FAILED"))),
                Map.of("detail", Map.of("unresolved", Map.of("problem", List.of(Map.of("anything-but", "AWAITING_CREATION_RECORD")))))));
        assertEquals(expected, rawPattern());
    }

    @TestFactory
    Stream<DynamicTest> eachClauseOfThePatternFilters() throws IOException {
        String pattern = EventPatternTest.toJson(EventPatternTest.resolve(rawPattern(), RULE));
        String text = EventPatternTest.sample("decision-event.json");
        Map<String, Consumer<Map<String, Object>>> mustMatch = new LinkedHashMap<>();
        Map<String, Consumer<Map<String, Object>>> mustNotMatch = new LinkedHashMap<>();

        mustMatch.put("a key breaking the policy with no value to write (unchanged)", e -> { });
        mustMatch.put("a failed key without violations", e -> {
            detail(e).put("outcome", "FAILED");
            detail(e).put("unresolved", List.of());
        });
        mustMatch.put("a remediated key that still breaks the policy", e -> detail(e).put("outcome", "REMEDIATED"));
        mustMatch.put("a reported key with a violation report mode cannot fix either", e -> detail(e).put("outcome", "REPORTED"));
        mustNotMatch.put("a remediated key whose violations were all fixed (listed, none unresolved)", e -> {
            detail(e).put("outcome", "REMEDIATED");
            detail(e).put("violations", List.of(violation("Owner", "MISSING")));
            detail(e).put("unresolved", List.of());
        });
        mustMatch.put("a violation besides one awaiting its creation record", e -> detail(e).put("unresolved", List.of(
                violation("Owner", "AWAITING_CREATION_RECORD"), violation("CostCenter", "INVALID_VALUE"))));
        mustNotMatch.put("a remediated key that complies now", e -> {
            detail(e).put("outcome", "REMEDIATED");
            detail(e).put("unresolved", List.of());
        });
        mustNotMatch.put("a reported key the enforcer would fix", e -> {
            detail(e).put("outcome", "REPORTED");
            detail(e).put("unresolved", List.of());
        });
        mustNotMatch.put("a key only awaiting its creation record", e -> detail(e).put("unresolved",
                List.of(violation("Owner", "AWAITING_CREATION_RECORD"))));
        mustNotMatch.put("another source", e -> e.put("source", "my.kms-tag-enforcer"));
        mustNotMatch.put("another detail-type", e -> e.put("detail-type", "KMS Key Tag Summary"));

        List<DynamicTest> tests = new ArrayList<>();
        mustMatch.forEach((what, change) -> tests.add(test(pattern, text, what, change, true)));
        mustNotMatch.forEach((what, change) -> tests.add(test(pattern, text, what, change, false)));
        return tests.stream();
    }

    private static DynamicTest test(String pattern, String text, String what, Consumer<Map<String, Object>> change, boolean expected) {
        return DynamicTest.dynamicTest((expected ? "matches: " : "rejects: ") + what, () -> {
            Map<String, Object> event = TemplateTest.map(TemplateTest.parseYaml(text), "decision-event.json");
            change.accept(event);
            String json = EventPatternTest.toJson(event);
            assertEquals(expected, EventPatternTest.matches(pattern, json), what + ": " + json);
        });
    }

    private static Map<String, Object> violation(String key, String problem) {
        return Map.of("key", key, "problem", problem, "detail", "");
    }

    private static Map<String, Object> detail(Map<String, Object> event) {
        return TemplateTest.map(event.get("detail"), "detail");
    }
}
