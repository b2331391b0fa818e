package io.kmstagenforcer.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kmstagenforcer.localrun.EmbeddedMetricExtraction;
import io.kmstagenforcer.localrun.LambdaLogLevelFilter;
import io.kmstagenforcer.localrun.LocalRuntime;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.protocols.jsoncore.JsonNode;

/**
 * Both functions under the real Lambda Java runtime ({@code scripts/invoke-local}) with the template's
 * {@code LoggingConfig} (LogFormat JSON, ApplicationLogLevel = the {@code LogLevel} parameter, so
 * AWS_LAMBDA_LOG_FORMAT=JSON and AWS_LAMBDA_LOG_LEVEL are set as Lambda sets them), at every level the
 * parameter allows; what they print is put through Lambda's log-level filter
 * ({@link LambdaLogLevelFilter}, the documented rule) and then CloudWatch's EMF extraction
 * ({@link EmbeddedMetricExtraction}): what survives is what CloudWatch would have.
 */
class LogLevelFilterIT {
    @RegisterExtension
    static final MotoServerExtension MOTO = new MotoServerExtension();

    @TempDir
    Path work;

    @ParameterizedTest
    @ValueSource(strings = {"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"})
    void anEventsMetricsAndARemovedValueReachCloudWatchAtEveryLogLevel(String level) throws IOException {
        CloudTrailEvents.Event event = MOTO.keys().createKey(Map.of("tmp:build", "123"));

        LocalRuntime.Result result = LocalRuntime.invoke(environment(), List.of("--template", templateAt(level).toString()),
                LocalRuntime.DEFAULT_TIMEOUT, event.writeTo(work, "create-key"));

        assertEquals(0, result.exitCode(), result::stderr);
        List<String> cloudWatch = LambdaLogLevelFilter.passed(result.stderr(), level);
        Map<String, Double> metrics = EmbeddedMetricExtraction.metrics(cloudWatch);
        assertEquals(1.0, metrics.get("KmsTagEnforcer/Remediated"), () -> metrics + "\n" + result.stderr());
        assertEquals(1.0, metrics.get("KmsTagEnforcer/TagsRemoved"), metrics::toString);
        JsonNode decision = linesOfType(cloudWatch, "decision").stream().findFirst()
                .orElseThrow(() -> new AssertionError("the decision that removed tmp:build=123 was dropped\n" + result.stderr()));
        assertEquals("123", decision.field("previousValues").flatMap(values -> values.field("tmp:build")).map(JsonNode::text).orElse(null));
    }

    @ParameterizedTest
    @ValueSource(strings = {"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"})
    void aSweepsSummaryAndMetricsReachCloudWatchAtEveryLogLevel(String level) throws IOException {
        MOTO.keys().createKey(Map.of());

        LocalRuntime.Result result = LocalRuntime.invoke(environment(),
                List.of("--function", "SweepFunction", "--template", templateAt(level).toString()), LocalRuntime.DEFAULT_TIMEOUT,
                HandlerRuns.projectFile("events/scheduled-sweep.json"));

        assertEquals(0, result.exitCode(), result::stderr);
        List<String> cloudWatch = LambdaLogLevelFilter.passed(result.stderr(), level);
        assertEquals(1, linesOfType(cloudWatch, "sweep-summary").size(), result::stderr);
        Map<String, Double> metrics = EmbeddedMetricExtraction.metrics(cloudWatch);
        assertTrue(metrics.getOrDefault("KmsTagEnforcer/KeysSeen", 0.0) >= 1.0, () -> metrics + "\n" + result.stderr());
        assertEquals(0.0, metrics.get("KmsTagEnforcer/Failed"), metrics::toString);
    }

    /** template.yaml with the LogLevel parameter's default set to {@code level}: the functions' ApplicationLogLevel. */
    private Path templateAt(String level) throws IOException {
        String template = Files.readString(HandlerRuns.projectFile("template.yaml"), StandardCharsets.UTF_8);
        String allowed = "      - FATAL\n    Default: INFO\n";
        assertTrue(template.contains(allowed), "the LogLevel parameter's AllowedValues end in FATAL, default INFO");
        return Files.writeString(work.resolve("template-" + level + ".yaml"),
                template.replace(allowed, "      - FATAL\n    Default: " + level + "\n"), StandardCharsets.UTF_8);
    }

    private static Map<String, String> environment() {
        return HandlerRuns.environment("AWS_ENDPOINT_URL_KMS", MOTO.endpoint().toString(), "AWS_ACCESS_KEY_ID", "test",
                "AWS_SECRET_ACCESS_KEY", "test", "ENFORCEMENT_MODE", "enforce");
    }

    private static List<JsonNode> linesOfType(List<String> lines, String type) {
        return lines.stream().filter(line -> line.startsWith("{")).map(line -> JsonNode.parser().parse(line))
                .filter(json -> json.isObject() && json.field("type").map(JsonNode::text).orElse("").equals(type)).toList();
    }
}
