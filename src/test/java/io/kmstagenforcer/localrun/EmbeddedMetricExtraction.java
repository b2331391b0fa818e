package io.kmstagenforcer.localrun;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.protocols.jsoncore.JsonNode;

/**
 * A model of CloudWatch's extraction of metrics from log events in the embedded metric format
 * (CloudWatch User Guide, "Specification: Embedded metric format"): a log event that is a JSON object
 * with {@code _aws.Timestamp} (a number) and {@code _aws.CloudWatchMetrics}, each directive naming a
 * {@code Namespace}, {@code Dimensions} (sets of root member names, each member present) and
 * {@code Metrics} whose {@code Name}s are root members holding numbers. Other root members (a
 * {@code level}, a {@code timestamp}) are properties and do not matter.
 */
public final class EmbeddedMetricExtraction {
    private EmbeddedMetricExtraction() {
    }

    /** Every metric value the log events yield, by {@code Namespace/Name}, summed over the events. */
    public static Map<String, Double> metrics(List<String> logEvents) {
        Map<String, Double> sums = new LinkedHashMap<>();
        for (String event : logEvents) {
            document(event).ifPresent(root -> extract(root, sums));
        }
        return sums;
    }

    private static Optional<JsonNode> document(String event) {
        try {
            JsonNode root = JsonNode.parser().parse(event);
            return root.isObject() && root.field("_aws").filter(JsonNode::isObject).isPresent() ? Optional.of(root) : Optional.empty();
        } catch (RuntimeException notJson) {
            return Optional.empty();
        }
    }

    private static void extract(JsonNode root, Map<String, Double> sums) {
        JsonNode aws = root.field("_aws").orElseThrow();
        if (aws.field("Timestamp").filter(JsonNode::isNumber).isEmpty()) {
            throw new AssertionError("an EMF document without a numeric _aws.Timestamp is rejected: " + root);
        }
        for (JsonNode directive : aws.field("CloudWatchMetrics").orElseThrow().asArray()) {
            String namespace = directive.field("Namespace").orElseThrow().text();
            for (JsonNode dimensionSet : directive.field("Dimensions").orElseThrow().asArray()) {
                for (JsonNode dimension : dimensionSet.asArray()) {
                    if (root.field(dimension.text()).isEmpty()) {
                        throw new AssertionError("dimension " + dimension.text() + " has no root member: " + root);
                    }
                }
            }
            for (JsonNode metric : directive.field("Metrics").orElseThrow().asArray()) {
                String name = metric.field("Name").orElseThrow().text();
                JsonNode value = root.field(name).filter(JsonNode::isNumber)
                        .orElseThrow(() -> new AssertionError("metric " + name + " has no numeric root member: " + root));
                sums.merge(namespace + "/" + name, Double.parseDouble(value.asNumber()), Double::sum);
            }
        }
    }
}
