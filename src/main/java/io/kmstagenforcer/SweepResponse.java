package io.kmstagenforcer;

import io.kmstagenforcer.sweep.SweepSummary;
import java.util.Map;

/**
 * What a sweep invocation returns (to a test, or an on-success destination): the summary's counts,
 * without per-key detail, which is in the decision lines.
 */
public record SweepResponse(
        String sweepId,
        int invocationNumber,
        String mode,
        boolean complete,
        boolean continues,
        String stoppedBecause,
        Map<String, Long> invocation,
        Map<String, Long> totals) {

    static SweepResponse of(SweepSummary summary) {
        return new SweepResponse(summary.sweepId(), summary.invocationNumber(), summary.mode().label(), summary.complete(),
                summary.continuation().isPresent(), summary.stoppedBecause().orElse(null), summary.invocation(), summary.totals());
    }
}
