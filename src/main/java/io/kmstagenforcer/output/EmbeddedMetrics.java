package io.kmstagenforcer.output;

import io.kmstagenforcer.enforce.EnforcementResult;
import io.kmstagenforcer.enforce.Outcome;
import io.kmstagenforcer.json.JsonObjectWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One CloudWatch embedded-metric-format document per event: a count per outcome (0 or 1, so sums
 * and alarms need no "missing data" handling) and the numbers of tags added and removed. It must
 * be written as a top-level log line: CloudWatch ignores EMF wrapped in the runtime's JSON log envelope.
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

    public byte[] document(EnforcementResult result, Instant time) {
        List<String> names = new ArrayList<>();
        for (Outcome outcome : Outcome.values()) {
            names.add(metricName(outcome));
        }
        names.add(TAGS_ADDED);
        names.add(TAGS_REMOVED);
        JsonObjectWriter json = new JsonObjectWriter()
                .object("_aws", aws -> aws
                        .number("Timestamp", time.toEpochMilli())
                        .objects("CloudWatchMetrics", List.of(namespace), (directive, ns) -> directive
                                .string("Namespace", ns)
                                .stringLists("Dimensions", List.of(List.of(DIMENSION)))
                                .objects("Metrics", names, (metric, name) -> metric
                                        .string("Name", name)
                                        .string("Unit", "Count"))))
                .string(DIMENSION, functionName);
        for (Outcome outcome : Outcome.values()) {
            json.number(metricName(outcome), outcome == result.outcome() ? 1 : 0);
        }
        return json
                .number(TAGS_ADDED, result.added().size())
                .number(TAGS_REMOVED, result.removed().size())
                .toBytes();
    }
}
