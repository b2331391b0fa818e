package io.kmstagenforcer.output;

import io.kmstagenforcer.json.JsonObjectWriter;
import io.kmstagenforcer.policy.PolicyOrigin;
import io.kmstagenforcer.sweep.AccountRun;
import io.kmstagenforcer.sweep.RunState;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The roll-up of a fanned-out run, written once, by the coordinator's invocation that saw the last
 * account end: the {@code "type":"sweep-run"} line and its metrics.
 */
public final class RunRollUpJson {
    private RunRollUpJson() {
    }

    /** How many of the run's accounts ended each way. */
    public static Map<AccountRun.Status, Long> byStatus(RunState run) {
        Map<AccountRun.Status, Long> counts = new LinkedHashMap<>();
        for (AccountRun.Status status : AccountRun.Status.values()) {
            counts.put(status, run.finished().values().stream().filter(account -> account.status() == status).count());
        }
        return counts;
    }

    public static byte[] line(RunState run, PolicyOrigin policy, LogLevel level, Instant time, String requestId) {
        Map<AccountRun.Status, Long> statuses = byStatus(run);
        JsonObjectWriter line = new JsonObjectWriter()
                .string("timestamp", time.toString())
                .string("level", level.name())
                .string("type", "sweep-run")
                .string("requestId", requestId)
                .string("runId", run.runId());
        return ResultJson.policy(line, policy)
                .number("invocations", run.invocation())
                .number("durationMs", Math.max(0, Duration.between(run.startedAt(), time).toMillis()))
                .object("accounts", accounts -> {
                    accounts.number("total", run.finished().size());
                    statuses.forEach((status, count) -> accounts.number(status.label(), count));
                })
                .object("totals", counts -> SweepSummaryJson.grouped(counts, run.totals()))
                .object("byAccount", accounts -> run.finished().values().forEach(account -> accounts.object(account.target(), json -> {
                    json.string("status", account.status().label())
                            .string("reason", account.reason().orElse(null))
                            .number("invocations", account.invocations());
                    account.counts().forEach(json::number);
                })))
                .toBytes();
    }

    /** The run's metrics; named {@code Run*} so that they do not add to the per-invocation {@code KeysSeen}, {@code Failed}... */
    public static Map<String, Long> metrics(RunState run) {
        Map<AccountRun.Status, Long> statuses = byStatus(run);
        Map<String, Long> totals = run.totals();
        Map<String, Long> metrics = new LinkedHashMap<>();
        metrics.put("RunAccounts", (long) run.finished().size());
        metrics.put("RunAccountsDone", statuses.get(AccountRun.Status.DONE));
        metrics.put("RunAccountsFailed", statuses.get(AccountRun.Status.FAILED));
        metrics.put("RunAccountsNeverFinished", statuses.get(AccountRun.Status.NEVER_FINISHED));
        // One figure for the alarm: an account (or OU) the run did not sweep to its end, for whatever reason.
        metrics.put("RunAccountsNotDone", statuses.get(AccountRun.Status.FAILED) + statuses.get(AccountRun.Status.NEVER_FINISHED));
        metrics.put("RunKeysSeen", totals.getOrDefault("keysSeen", 0L));
        metrics.put("RunCompliant", totals.getOrDefault("compliant", 0L));
        metrics.put("RunRemediated", totals.getOrDefault("remediated", 0L));
        metrics.put("RunFailed", totals.getOrDefault("failed", 0L) + totals.getOrDefault("unfinished", 0L));
        return metrics;
    }
}
