package io.kmstagenforcer.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The message NeedsAPersonRule sends to the notification endpoint, rendered from
 * events/decision-event.json with the rule's InputTransformer, as EventBridge substitutes it:
 *
 * <ul>
 *   <li>each InputPathsMap value is a JSON path of dot-separated member names from the event's root ({@code $});</li>
 *   <li>the template is text, not JSON: each {@code <name>} becomes the value at its path, a string as it
 *       is (no quotes, no escaping), a number or boolean as its JSON text, an object or array as its JSON;
 *       a path that is absent or null becomes nothing;</li>
 *   <li>everything else, line breaks included, is sent as written.</li>
 * </ul>
 *
 * The rendering must be the sample mail docs/RESULTS.md shows, word for word.
 */
class NotificationMessageTest {
    private static final Pattern PLACEHOLDER = Pattern.compile("<([A-Za-z0-9_.-]+)>");
    private static final Pattern SAMPLE_MAIL = Pattern.compile("<!-- sample mail: rendered from events/decision-event.json -->\\s*```text\\n(.*?)\\n```",
            Pattern.DOTALL);

    private static Map<String, Object> transformer;

    @BeforeAll
    static void load() throws IOException {
        Map<String, Object> resources = TemplateTest.map(TemplateTest.loadTemplate().get("Resources"), "Resources");
        Map<String, Object> rule = TemplateTest.map(TemplateTest.map(resources.get(DecisionEventPatternTest.RULE), "rule").get("Properties"),
                "Properties");
        Map<String, Object> target = TemplateTest.map(TemplateTest.list(rule.get("Targets"), "Targets").get(0), "target");
        transformer = TemplateTest.map(target.get("InputTransformer"), "InputTransformer");
    }

    static String render(Map<String, Object> transformer, Map<String, Object> event) {
        Map<String, Object> paths = TemplateTest.map(transformer.get("InputPathsMap"), "InputPathsMap");
        Matcher m = PLACEHOLDER.matcher((String) transformer.get("InputTemplate"));
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String path = (String) paths.get(m.group(1));
            assertTrue(path != null, "<" + m.group(1) + "> has no InputPathsMap entry");
            m.appendReplacement(out, Matcher.quoteReplacement(text(valueAt(event, path))));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static Object valueAt(Map<String, Object> event, String path) {
        assertTrue(path.startsWith("$."), path);
        Object value = event;
        for (String name : path.substring(2).split("\\.")) {
            value = value instanceof Map<?, ?> map ? map.get(name) : null;
        }
        return value;
    }

    private static String text(Object value) {
        if (value == null) {
            return "";
        }
        return value instanceof String s ? s : EventPatternTest.toJson(value);
    }

    private static String renderedSample() throws IOException {
        return render(transformer, TemplateTest.map(TemplateTest.parseYaml(EventPatternTest.sample("decision-event.json")), "event"));
    }

    @Test
    void theMessageIsTheSampleMailTheDocsShow() throws IOException {
        String docs = Files.readString(TemplateTest.projectRoot().resolve("docs/RESULTS.md"));
        Matcher sample = SAMPLE_MAIL.matcher(docs);
        assertTrue(sample.find(), "docs/RESULTS.md shows the sample mail in a text block after its marker");
        assertEquals(sample.group(1), renderedSample());
    }

    @Test
    void aPersonReadsWhichKeyWhereWhatIsWrongAndWhatToDo() throws IOException {
        String message = renderedSample();
        for (String needed : List.of("arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
                "Account: 111122223333", "Region:  eu-west-1", "CostCenter missing", "What to do: ", "requestId 7c5e8f2a")) {
            assertTrue(message.contains(needed), needed + " in\n" + message);
        }
        assertFalse(message.contains("{") || message.contains("\"") || message.contains("<"),
                "words, not JSON, and every placeholder filled:\n" + message);
    }

    @Test
    void everyPlaceholderHasAPathAndEveryPathIsUsed() {
        Map<String, Object> paths = TemplateTest.map(transformer.get("InputPathsMap"), "InputPathsMap");
        Matcher m = PLACEHOLDER.matcher((String) transformer.get("InputTemplate"));
        java.util.Set<String> used = new java.util.TreeSet<>();
        while (m.find()) {
            used.add(m.group(1));
        }
        assertEquals(new java.util.TreeSet<>(paths.keySet()), used);
    }
}
