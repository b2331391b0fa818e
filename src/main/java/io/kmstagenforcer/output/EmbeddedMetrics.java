package io.kmstagenforcer.output;

import io.kmstagenforcer.enforce.EnforcementResult;
import io.kmstagenforcer.enforce.Outcome;
import io.kmstagenforcer.json.JsonObjectWriter;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * CloudWatch embedded-metric-format documents: one per event, with a count per outcome (0 or 1, so
 * sums and alarms need no "missing data" handling) and the numbers of tags added and removed; and
 * one per sweep invocation, with its counts. It must
 * be written as a top-level log line: CloudWatch ignores EMF wrapped in the runtime's JSON log envelope.
 *
 * <p>Each document also carries a {@code timestamp} (RFC 3339) and a {@code level}: under the JSON log
 * format Lambda drops a line below the function's application log level before CloudWatch sees it,
 * and takes a line without both for INFO (Lambda Developer Guide, "Log-level filtering"). The
 * caller gives a level the filter passes. CloudWatch reads both members as EMF properties.
 */
public final class EmbeddedMetrics {
    static final String DIMENSION = "FunctionName";
    static final String TAGS_ADDED = "TagsAdded";
    static final String TAGS_REMOVED = "TagsRemoved";

    private final String namespace;
    private final String functionName;

    public EmbeddedMetrics(String namespace, String functionName) {
        this.namespace = namespace;
        this.functionName = functionName;
    }

    public static String metricName(Outcome outcome) {
        switch (outcome) {
            case NONCOMPLIANT:
                return "NonCompliant";
            case RETRYING:
                return "Retried";
            default:
                String name = outcome.name();
                return name.charAt(0) + name.substring(1).toLowerCase(Locale.ROOT);
        }
    }

    public byte[] document(EnforcementResult result, Instant time, LogLevel level) {
        Map<String, Long> values = new LinkedHashMap<>();
        for (Outcome outcome : Outcome.values()) {
            values.put(metricName(outcome), outcome == result.outcome() ? 1L : 0L);
        }
        values.put(TAGS_ADDED, (long) result.added().size());
        values.put(TAGS_REMOVED, (long) result.removed().size());
        return document(values, time, level);
    }

    /** A document with these metrics (name to count), e.g. a sweep invocation's summary. */
    public byte[] document(Map<String, Long> values, Instant time, LogLevel level) {
        JsonObjectWriter json = new JsonObjectWriter()
                .object("_aws", aws -> aws
                        .number("Timestamp", time.toEpochMilli())
                        .objects("CloudWatchMetrics", List.of(namespace), (directive, ns) -> directive
                                .string("Namespace", ns)
                                .stringLists("Dimensions", List.of(List.of(DIMENSION)))
                                .objects("Metrics", values.keySet(), (metric, name) -> metric
                                        .string("Name", name)
                                        .string("Unit", "Count"))))
                .string("timestamp", time.toString())
                .string("level", level.name())
                .string(DIMENSION, functionName);
        values.forEach(json::number);
        return json.toBytes();
    }
}
