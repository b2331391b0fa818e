package io.kmstagenforcer.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kmstagenforcer.aws.BatchSend;
import io.kmstagenforcer.enforce.EnforcementResult;
import io.kmstagenforcer.enforce.Outcome;
import io.kmstagenforcer.json.JsonField;
import io.kmstagenforcer.kms.Deadline;
import io.kmstagenforcer.output.DecisionEvents;
import io.kmstagenforcer.output.DecisionLog;
import io.kmstagenforcer.output.EmbeddedMetrics;
import io.kmstagenforcer.output.LogLevel;
import io.kmstagenforcer.output.ResultSink;
import io.kmstagenforcer.output.SecurityHubFindings;
import io.kmstagenforcer.policy.Mode;
import io.kmstagenforcer.policy.PolicyOrigin;
import io.kmstagenforcer.sweep.SweepSummary;
import io.kmstagenforcer.sweep.RunState;
import java.time.Instant;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The dashboard (KeyTagsDashboard) and the alarms name only metrics the functions emit, each with
 * the dimensions it is emitted with: what each function writes is taken from the code itself (its
 * DecisionLog with every output on, as the event function and the sweep use it), never from a list
 * kept here. Lambda's own metrics are allowed by name.
 */
class DashboardTest {
    static final String DASHBOARD = "KeyTagsDashboard";
    private static final String NAMESPACE = "Sample/Namespace";
    private static final String FUNCTION = "sample-TagEnforcerFunction";
    private static final String SWEEP = "sample-SweepFunction";
    /** What each ${...} of the dashboard body resolves to here; any other would be a deployment error. */
    private static final Map<String, String> SUBSTITUTIONS = Map.of(
            "AWS::Region", "eu-west-1",
            "MetricsNamespace", NAMESPACE,
            TemplateTest.FUNCTION, FUNCTION,
            TemplateTest.SWEEP, SWEEP,
            "TagEnforcerLogGroup", "/sample/TagEnforcerLogGroup",
            "SweepLogGroup", "/sample/SweepLogGroup",
            "SweepWritesPerSecond", "2");
    /** AWS/Lambda's metrics (Lambda Developer Guide, "Types of metrics for Lambda functions") that the dashboard may show. */
    private static final Set<String> LAMBDA_METRICS = Set.of("Invocations", "Errors", "Duration", "Throttles");

    /** A metric as CloudWatch keys it: namespace, name, and the dimensions (name -> value). */
    record Metric(String namespace, String name, Map<String, String> dimensions) {
    }

    private static Set<Metric> emitted;
    private static JsonField body;

    @BeforeAll
    static void emitAndLoad() throws IOException {
        TemplateTest.load();
        emitted = new java.util.HashSet<>();
        emitted.addAll(emittedBy(FUNCTION, log -> log.record(remediated(), "request-1")));
        emitted.addAll(emittedBy(SWEEP, log -> {
            log.decision(remediated(), "request-2");
            log.summary(summary(), "request-2");
            log.rollUp(RunState.start("run-1", Instant.EPOCH, "111122223333",
                    List.of("444455556666"), List.of()), "request-3");
        }));
        Map<String, Object> dashboard = TemplateTest.map(TemplateTest.map(TemplateTest.loadTemplate().get("Resources"), "Resources")
                .get(DASHBOARD), DASHBOARD);
        Object sub = TemplateTest.map(TemplateTest.map(dashboard.get("Properties"), "Properties").get("DashboardBody"), "DashboardBody")
                .get("Fn::Sub");
        body = JsonField.parse("DashboardBody", substitute((String) sub));
    }

    @Test
    void everyMetricTheDashboardShowsIsOneAFunctionEmitsWithTheseDimensions() {
        List<Metric> shown = dashboardMetrics();
        assertTrue(shown.size() > 20, shown::toString);
        for (Metric metric : shown) {
            assertTrue(isEmittedOrLambdas(metric), "the dashboard shows a metric no function emits so: " + metric + "\nemitted: " + emitted);
        }
    }

    @Test
    void everyAlarmOnTheFunctionsMetricsIsOnOneTheyEmit() {
        Map<String, Map<String, Object>> alarms = TemplateTest.resourcesOfType("AWS::CloudWatch::Alarm");
        int checked = 0;
        for (Map.Entry<String, Map<String, Object>> alarm : alarms.entrySet()) {
            Map<String, Object> p = TemplateTest.map(alarm.getValue().get("Properties"), alarm.getKey());
            Object namespace = p.get("Namespace");
            if ("AWS/SQS".equals(namespace)) {
                continue; // the queues' own metric, on the queues (TemplateTest)
            }
            Map<String, String> dimensions = new LinkedHashMap<>();
            for (Object d : TemplateTest.list(p.get("Dimensions"), alarm.getKey())) {
                Map<String, Object> dimension = TemplateTest.map(d, "dimension");
                dimensions.put((String) dimension.get("Name"), resolved(dimension.get("Value")));
            }
            Metric metric = new Metric(namespace instanceof String ns ? ns : resolved(namespace), (String) p.get("MetricName"), dimensions);
            assertTrue(isEmittedOrLambdas(metric), alarm.getKey() + " watches a metric no function emits so: " + metric);
            checked++;
        }
        assertTrue(checked >= 9, "the alarms on the functions' metrics: " + checked);
    }

    @Test
    void itShowsWhatTheIssueAskedFor() {
        Set<String> titles = new TreeSet<>();
        body.get("widgets").elements().forEach(widget -> widget.get("properties").get("title").stringIfPresent().ifPresent(titles::add));
        String all = String.join("\n", titles);
        for (String topic : List.of("outcomes", "against the write quota", "progress", "duration", "Failures and retries", "need a person")) {
            assertTrue(all.contains(topic), topic + " in " + titles);
        }
        JsonField log = body.get("widgets").elements().stream().filter(w -> w.get("type").requiredString().equals("log")).findFirst()
                .orElseThrow();
        String query = log.get("properties").get("query").requiredString();
        assertTrue(query.contains("SOURCE '/sample/TagEnforcerLogGroup'") && query.contains("SOURCE '/sample/SweepLogGroup'"), query);
        assertTrue(query.contains("type = \"decision\""), query);
    }

    @Test
    void everyExpressionNamesMetricsOfItsOwnWidget() {
        Pattern identifier = Pattern.compile("\\b([a-z][A-Za-z0-9_]*)\\b(?!\\()");
        for (JsonField widget : body.get("widgets").elements()) {
            if (!widget.get("type").requiredString().equals("metric")) {
                continue;
            }
            Set<String> ids = new TreeSet<>();
            List<String> expressions = new ArrayList<>();
            for (JsonField line : widget.get("properties").get("metrics").elements()) {
                JsonField options = line.elements().get(line.elements().size() - 1);
                options.get("id").stringIfPresent().ifPresent(ids::add);
                options.get("expression").stringIfPresent().ifPresent(expressions::add);
            }
            for (String expression : expressions) {
                Matcher m = identifier.matcher(expression);
                while (m.find()) {
                    assertTrue(ids.contains(m.group(1)), expression + " names " + m.group(1) + ", not one of " + ids);
                }
            }
        }
    }

    @Test
    void itIsThereUnlessTurnedOff() {
        assertEquals("HasDashboard", TemplateTest.resource(DASHBOARD).get("Condition"));
        assertEquals("true", TemplateTest.parameter("Dashboard").get("Default"));
        assertFalse(body.get("widgets").elements().isEmpty());
    }

    // ---- what the code emits ----------------------------------------------------------------------------

    /** Every metric of every EMF document the log writes while {@code run} uses it, as CloudWatch would key them. */
    private static List<Metric> emittedBy(String functionName, Consumer<DecisionLog> run) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PolicyOrigin policy = new PolicyOrigin("file:tag-policy.json", "0123abcd4567");
        List<ResultSink> sinks = List.of(
                new DecisionEvents(new BatchSend<>(batch -> List.of(), duration -> { }), policy),
                new SecurityHubFindings((account, region, deadline) -> new BatchSend<>(batch -> List.of(), duration -> { }), policy,
                        Clock.systemUTC()));
        DecisionLog log = new DecisionLog(out, LogLevel.INFO, new EmbeddedMetrics(NAMESPACE, functionName), Clock.systemUTC(), policy, sinks);
        log.beginInvocation(Deadline.NONE);
        run.accept(log);
        List<Metric> metrics = new ArrayList<>();
        for (String line : out.toString(StandardCharsets.UTF_8).lines().toList()) {
            JsonField json = JsonField.parse("line", line);
            for (JsonField directive : json.get("_aws").get("CloudWatchMetrics").elements()) {
                for (JsonField dimensionSet : directive.get("Dimensions").elements()) {
                    Map<String, String> dimensions = new LinkedHashMap<>();
                    dimensionSet.elements().forEach(name -> dimensions.put(name.requiredString(), json.get(name.requiredString()).requiredString()));
                    directive.get("Metrics").elements().forEach(metric -> metrics.add(new Metric(
                            directive.get("Namespace").requiredString(), metric.get("Name").requiredString(), dimensions)));
                }
            }
        }
        assertFalse(metrics.isEmpty(), "the log wrote metrics");
        return metrics;
    }

    private static EnforcementResult remediated() {
        return new EnforcementResult(Outcome.REMEDIATED, Mode.ENFORCE, Optional.of("CreateKey"), Optional.empty(),
                Optional.of("arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"), Map.of("CostCenter", "unassigned"),
                List.of(), Map.of(), List.of(), Map.of(), List.of(), Optional.empty(), Optional.empty(), List.of(), Optional.empty(),
                Optional.empty(), Map.of(), Optional.empty(), List.of());
    }

    private static SweepSummary summary() {
        return new SweepSummary("sweep-1", 1, Mode.ENFORCE, true, Optional.empty(), Optional.empty(), Map.of("keysSeen", 1L),
                Map.of("keysSeen", 1L), 2, 2, 2, 2, 1, Duration.ofSeconds(1), Optional.empty());
    }

    // ---- what the template names -------------------------------------------------------------------------

    private static boolean isEmittedOrLambdas(Metric metric) {
        if (metric.namespace().equals("AWS/Lambda")) {
            return LAMBDA_METRICS.contains(metric.name()) && metric.dimensions().keySet().equals(Set.of("FunctionName"))
                    && Set.of(FUNCTION, SWEEP).contains(metric.dimensions().get("FunctionName"));
        }
        return emitted.contains(metric);
    }

    /** Every metric line of every metric widget, with CloudWatch's "." (as the line before) resolved; expressions left out. */
    private static List<Metric> dashboardMetrics() {
        List<Metric> metrics = new ArrayList<>();
        for (JsonField widget : body.get("widgets").elements()) {
            if (!widget.get("type").requiredString().equals("metric")) {
                continue;
            }
            List<String> previous = List.of();
            for (JsonField line : widget.get("properties").get("metrics").elements()) {
                List<String> parts = new ArrayList<>();
                for (JsonField part : line.elements()) {
                    part.stringIfPresent().ifPresent(parts::add);
                }
                if (parts.isEmpty()) {
                    continue; // an expression: its own options object only
                }
                for (int i = 0; i < parts.size(); i++) {
                    if (parts.get(i).equals(".")) {
                        parts.set(i, previous.get(i));
                    }
                }
                previous = parts;
                Map<String, String> dimensions = new LinkedHashMap<>();
                for (int i = 2; i + 1 < parts.size(); i += 2) {
                    dimensions.put(parts.get(i), parts.get(i + 1));
                }
                metrics.add(new Metric(parts.get(0), parts.get(1), dimensions));
            }
        }
        return metrics;
    }

    private static String substitute(String text) {
        Matcher m = Pattern.compile("\\$\\{([^}]*)}").matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String value = SUBSTITUTIONS.get(m.group(1));
            assertTrue(value != null, "${" + m.group(1) + "} in the dashboard body is not a parameter or resource this test resolves");
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** A Ref to the namespace parameter or a function, as the substitutions above resolve it. */
    private static String resolved(Object value) {
        Map<String, Object> ref = TemplateTest.map(value, "Ref");
        String name = (String) ref.get("Ref");
        String resolved = SUBSTITUTIONS.get(name);
        assertTrue(resolved != null, "a Ref this test does not resolve: " + value);
        return resolved;
    }
}
