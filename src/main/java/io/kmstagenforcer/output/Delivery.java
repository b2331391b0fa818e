package io.kmstagenforcer.output;

import java.util.List;

/**
 * What one send of a {@link ResultSink} delivered: how many items were taken, and one line per item
 * that was not (after its retries), which the log counts in {@code failedMetric} and writes as a
 * warning of type {@code warningType}.
 */
public record Delivery(String sentMetric, String failedMetric, String warningType, int sent, List<String> failures) {
    public Delivery {
        failures = List.copyOf(failures);
    }

    /** Nothing sent this time (held for a batch, or an outcome the sink does not send). */
    public static Delivery nothing() {
        return new Delivery("", "", "", 0, List.of());
    }

    public boolean sentAnything() {
        return sent > 0 || !failures.isEmpty();
    }
}
