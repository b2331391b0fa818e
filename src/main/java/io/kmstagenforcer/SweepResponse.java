package io.kmstagenforcer;

import io.kmstagenforcer.sweep.RunState;
import io.kmstagenforcer.sweep.SweepMarker;
import io.kmstagenforcer.sweep.SweepSummary;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What a sweep invocation returns (to a test, an on-success destination, or a run's coordinator):
 * the summary's counts, without per-key detail, which is in the decision lines.
 *
 * @param account        in a run, the account this invocation swept; null otherwise
 * @param accountFailure in a run, why the account could not be swept (its role, a refused listing); null when it could
 * @param next           in a run, the marker the account's next invocation goes on from (the coordinator invokes it); null when done
 * @param accounts       for a run's coordinator, each account that ended so far and how (done, failed, neverFinished); null otherwise
 */
public record SweepResponse(
        String sweepId,
        int invocationNumber,
        String mode,
        boolean complete,
        boolean continues,
        String stoppedBecause,
        Map<String, Long> invocation,
        Map<String, Long> totals,
        String account,
        String accountFailure,
        Map<String, Object> next,
        Map<String, String> accounts) {

    static SweepResponse of(SweepSummary summary) {
        return new SweepResponse(summary.sweepId(), summary.invocationNumber(), summary.mode().label(), summary.complete(),
                summary.continuation().isPresent(), summary.stoppedBecause().orElse(null), summary.invocation(), summary.totals(),
                null, null, null, null);
    }

    /** An account's invocation in a run: its marker is handed back, not continued by the invocation itself. */
    static SweepResponse ofAccount(SweepSummary summary, String account, Optional<String> accountFailure) {
        return new SweepResponse(summary.sweepId(), summary.invocationNumber(), summary.mode().label(), summary.complete(),
                summary.continuation().isPresent(), summary.stoppedBecause().orElse(null), summary.invocation(), summary.totals(),
                account, accountFailure.orElse(null), summary.continuation().map(SweepResponse::detail).orElse(null), null);
    }

    /** A run's coordinator: the run's totals so far, and how each account that ended did. */
    static SweepResponse ofRun(RunState run, String mode, boolean continues) {
        Map<String, String> accounts = new LinkedHashMap<>();
        run.finished().values().forEach(account -> accounts.put(account.target(), account.status().label()));
        return new SweepResponse(run.runId(), run.invocation(), mode, run.complete(), continues, null, Map.of(), run.totals(),
                null, null, null, accounts);
    }

    /** The marker as a continuation's detail holds it, in the form the runtime serialises and the coordinator reads back. */
    private static Map<String, Object> detail(SweepMarker marker) {
        Map<String, Object> detail = new LinkedHashMap<>();
        detail.put("sweepId", marker.sweepId());
        detail.put("invocation", marker.invocation());
        marker.position().pageMarker().ifPresent(page -> detail.put("pageMarker", page));
        marker.position().afterKeyId().ifPresent(key -> detail.put("afterKeyId", key));
        marker.position().account().ifPresent(account -> detail.put("account", account));
        detail.put("totals", new LinkedHashMap<>(marker.totals()));
        return detail;
    }
}
