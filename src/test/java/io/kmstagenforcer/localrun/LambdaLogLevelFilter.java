package io.kmstagenforcer.localrun;

import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import software.amazon.awssdk.protocols.jsoncore.JsonNode;

/**
 * A model of what Lambda does with a function's application log lines under the JSON log format
 * and an application log level, as the Lambda Developer Guide documents it ("Log-level filtering",
 * monitoring-cloudwatchlogs-log-level): output to stdout or stderr that is a JSON object with a
 * {@code "level"} key has that level; "if the level value field is invalid or missing, Lambda will
 * assign the log output the level INFO", and likewise a line without a valid RFC 3339
 * {@code "timestamp"} is assigned INFO. A line that is not a JSON object has no level member, so it
 * is INFO too. Only lines at or above the configured level ({@code ApplicationLogLevel}: TRACE,
 * DEBUG, INFO, WARN, ERROR, FATAL, the only values Lambda accepts; none is above FATAL) are sent to
 * CloudWatch Logs, and so only those reach CloudWatch's embedded-metric extraction.
 */
public final class LambdaLogLevelFilter {
    /** Lambda's application log levels, lowest first. */
    public static final List<String> LEVELS = List.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL");

    private LambdaLogLevelFilter() {
    }

    /** The lines of {@code output} that Lambda sends to CloudWatch Logs at {@code applicationLogLevel}, in order. */
    public static List<String> passed(String output, String applicationLogLevel) {
        int threshold = rank(applicationLogLevel).orElseThrow(() -> new IllegalArgumentException(applicationLogLevel));
        return output.lines().filter(line -> !line.isBlank()).filter(line -> rank(levelOf(line)).orElseThrow() >= threshold).toList();
    }

    /** The level Lambda assigns one line. */
    public static String levelOf(String line) {
        JsonNode json;
        try {
            json = JsonNode.parser().parse(line);
        } catch (RuntimeException notJson) {
            return "INFO";
        }
        if (!json.isObject()) {
            return "INFO";
        }
        Optional<String> level = json.field("level").filter(JsonNode::isString).map(JsonNode::text)
                .map(text -> text.toUpperCase(Locale.ROOT)).filter(LEVELS::contains);
        boolean timestamp = json.field("timestamp").filter(JsonNode::isString).map(JsonNode::text)
                .filter(LambdaLogLevelFilter::isRfc3339).isPresent();
        return level.isPresent() && timestamp ? level.get() : "INFO";
    }

    private static boolean isRfc3339(String text) {
        try {
            OffsetDateTime.parse(text);
            return true;
        } catch (DateTimeParseException e) {
            return false;
        }
    }

    private static Optional<Integer> rank(String level) {
        int index = LEVELS.indexOf(level.toUpperCase(Locale.ROOT));
        return index < 0 ? Optional.empty() : Optional.of(index);
    }
}
