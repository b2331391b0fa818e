package io.kmstagenforcer.output;

import io.kmstagenforcer.enforce.EnforcementResult;
import io.kmstagenforcer.enforce.Outcome;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.EnumSet;
import java.util.Set;

/**
 * Writes each event's decision line and metrics document to standard output as top-level JSON
 * lines, where CloudWatch Logs Insights can query them by field and CloudWatch extracts the metrics.
 * Never the event itself: CloudTrail records carry caller identities.
 */
public final class DecisionLog {
    private static final Set<Outcome> WARNINGS = EnumSet.of(Outcome.REJECTED, Outcome.FAILED, Outcome.RETRYING);

    private final OutputStream out;
    private final LogLevel threshold;
    private final EmbeddedMetrics metrics;
    private final Clock clock;

    public DecisionLog(OutputStream out, LogLevel threshold, EmbeddedMetrics metrics, Clock clock) {
        this.out = out;
        this.threshold = threshold;
        this.metrics = metrics;
        this.clock = clock;
    }

    public void record(EnforcementResult result, String requestId) {
        LogLevel level = WARNINGS.contains(result.outcome()) ? LogLevel.WARN : LogLevel.INFO;
        if (threshold.includes(level)) {
            writeLine(ResultJson.decisionLine(result, level, clock.instant(), requestId));
        }
        writeLine(metrics.document(result, clock.instant()));
    }

    private void writeLine(byte[] json) {
        try {
            synchronized (out) {
                out.write(json);
                out.write('\n');
                out.flush();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
