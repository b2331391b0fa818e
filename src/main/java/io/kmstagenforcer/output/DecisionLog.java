package io.kmstagenforcer.output;

import io.kmstagenforcer.json.JsonObjectWriter;
import io.kmstagenforcer.enforce.EnforcementResult;
import io.kmstagenforcer.enforce.Outcome;
import io.kmstagenforcer.enforce.ReplacementLog;
import io.kmstagenforcer.policy.PolicyOrigin;
import io.kmstagenforcer.sweep.AccountRun;
import io.kmstagenforcer.sweep.RunState;
import io.kmstagenforcer.sweep.SweepSummary;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.time.Clock;
import io.kmstagenforcer.kms.Deadline;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Writes each event's (or swept key's) decision line and the metrics documents to standard output as top-level JSON
 * lines, where CloudWatch Logs Insights can query them by field and CloudWatch extracts the metrics.
 * Never the event itself: CloudTrail records carry caller identities.
 *
 * <p>Under the JSON log format Lambda drops every line below the function's application log level
 * ({@code AWS_LAMBDA_LOG_LEVEL}, the template's {@code LogLevel}) before CloudWatch sees it, and
 * takes a line without a {@code level} for INFO (Lambda Developer Guide, "Log-level filtering"). So
 * the lines that must reach CloudWatch whatever the level (the metrics documents, which the alarms
 * count; the sweep summary; a decision that replaced or removed a tag value, the only record of that
 * value) carry their own level raised to the configured one ({@link #kept}); every other line has its
 * own level and is written only when the configured level lets it through.
 */
public final class DecisionLog implements ReplacementLog {
    /** The outcomes whose decision line is a warning: a person or a retry must deal with the key. */
    private static final Set<Outcome> WARNINGS = EnumSet.of(Outcome.REJECTED, Outcome.FAILED, Outcome.RETRYING, Outcome.NONCOMPLIANT);

    private final OutputStream out;
    private final LogLevel threshold;
    private final EmbeddedMetrics metrics;
    private final Clock clock;
    private final PolicyOrigin policy;
    /** Where each result goes after its decision line; empty (no call, no sink class loaded) when none is configured. */
    private final List<ResultSink> sinks;
    /** The current invocation's: what the sinks' sends and retries must end before. */
    private volatile Deadline deadline = Deadline.NONE;
    /** The run the current invocation belongs to, and the account it sweeps there: on its decision and summary lines. */
    private volatile Optional<String> runId = Optional.empty();
    private volatile Optional<String> runAccount = Optional.empty();

    /** @param policy the policy every decision and summary of this log applied: each line names it */
    public DecisionLog(OutputStream out, LogLevel threshold, EmbeddedMetrics metrics, Clock clock, PolicyOrigin policy) {
        this(out, threshold, metrics, clock, policy, List.of());
    }

    /** @param sinks where each result goes after its decision line is written (decision events, findings) */
    public DecisionLog(OutputStream out, LogLevel threshold, EmbeddedMetrics metrics, Clock clock, PolicyOrigin policy,
            List<ResultSink> sinks) {
        this.sinks = List.copyOf(sinks);
        this.policy = policy;
        this.out = out;
        this.threshold = threshold;
        this.metrics = metrics;
        this.clock = clock;
    }

    /** The invocation's deadline, which bounds the sinks' sends from now on. */
    public void beginInvocation(Deadline invocation) {
        this.deadline = invocation;
    }

    /**
     * The lines written from now on belong to run {@code id}: each decision line carries {@code runId},
     * and a summary line {@code runId} and {@code account} (the account swept; empty for the coordinator).
     * Empty: no run (an event, a sweep of one chain). Set at the start of each invocation.
     */
    public void inRun(Optional<String> id, Optional<String> account) {
        this.runId = id;
        this.runAccount = account;
    }

    /** An event's decision line and its metrics, then its result sent to the sinks (each send after the line). */
    public void record(EnforcementResult result, String requestId) {
        decision(result, requestId);
        writeLine(metrics.document(result, clock.instant(), kept(LogLevel.INFO)));
        flushSinks();
    }

    /**
     * A decision line alone: the sweep writes one per key, and its metrics once per invocation. WARN
     * for the outcomes a person or a retry must deal with, INFO for the others; one that replaced or
     * removed a tag value is written whatever the configured level.
     */
    public void decision(EnforcementResult result, String requestId) {
        LogLevel level = WARNINGS.contains(result.outcome()) ? LogLevel.WARN : LogLevel.INFO;
        if (!result.previousValues().isEmpty()) {
            writeLine(ResultJson.decisionLine(result, policy, kept(level), clock.instant(), requestId, runId));
        } else if (threshold.includes(level)) {
            writeLine(ResultJson.decisionLine(result, policy, level, clock.instant(), requestId, runId));
        }
        for (ResultSink sink : sinks) {
            report(sink.take(result, requestId, deadline));
        }
    }

    /** Sends what the sinks hold: the sweep calls it before its summary, {@link #record} after each event. */
    public void flushSinks() {
        for (ResultSink sink : sinks) {
            report(sink.flush(deadline));
        }
    }

    /**
     * A send's metrics (how many went, how many did not after their retries, kept whatever the level:
     * an alarm counts the failures) and one warning naming what was not delivered. The decision lines
     * are already written: a failed send loses nothing of them.
     */
    private void report(Delivery delivery) {
        if (!delivery.sentAnything()) {
            return;
        }
        Map<String, Long> counts = new LinkedHashMap<>();
        counts.put(delivery.sentMetric(), (long) delivery.sent());
        counts.put(delivery.failedMetric(), (long) delivery.failures().size());
        writeLine(metrics.document(counts, clock.instant(), kept(LogLevel.INFO)));
        if (!delivery.failures().isEmpty()) {
            warning(delivery.warningType(), delivery.failures().size() + " not delivered: " + String.join("; ", delivery.failures()));
        }
    }

    /**
     * A sweep invocation's summary line (always written: it is the sweep's one account of itself) and
     * its metrics, both kept whatever the configured level. A warning when a key failed, or when the
     * sweep ended short of the last key with no invocation to go on.
     */
    public void summary(SweepSummary summary, String requestId) {
        flushSinks();
        boolean endedShort = !summary.complete() && summary.continuation().isEmpty();
        LogLevel level = summary.keysFailed() > 0 || endedShort ? LogLevel.WARN : LogLevel.INFO;
        writeLine(SweepSummaryJson.line(summary, policy, kept(level), clock.instant(), requestId, runAccount));
        writeLine(metrics.document(SweepSummaryJson.metrics(summary), clock.instant(), kept(LogLevel.INFO)));
    }

    /**
     * Which accounts a run covers, written when it starts: {@code {"type":"sweep-run-start","runId":...,
     * "accounts":[...],"organizationUnits":[...],"notActive":{account: state},"excluded":[...]}}, so that
     * an account that joined or left an OU since the last run can be seen joining or leaving the sweep.
     */
    public void runStarted(String id, List<String> accounts, List<String> organizationUnits, Map<String, String> notActive,
            List<String> excluded, String requestId) {
        writeLine(new JsonObjectWriter()
                .string("timestamp", clock.instant().toString())
                .string("level", kept(LogLevel.INFO).name())
                .string("type", "sweep-run-start")
                .string("requestId", requestId)
                .string("runId", id)
                .strings("accounts", accounts)
                .strings("organizationUnits", organizationUnits)
                .stringMap("notActive", notActive)
                .strings("excluded", excluded)
                .toBytes());
    }

    /**
     * A run's coordinator handing the run to its next invocation: {@code {"type":"sweep-run-progress",
     * "runId":...,"invocation":n,"accountsEnded":...,"accountsPending":...}}, so that each of its
     * invocations says where the run stands.
     */
    public void runHandedOn(RunState run, String requestId) {
        writeLine(new JsonObjectWriter()
                .string("timestamp", clock.instant().toString())
                .string("level", kept(LogLevel.INFO).name())
                .string("type", "sweep-run-progress")
                .string("requestId", requestId)
                .string("runId", run.runId())
                .number("invocation", run.invocation())
                .number("accountsEnded", run.finished().size())
                .number("accountsPending", run.pending().size())
                .toBytes());
    }

    /**
     * A run's roll-up (once, when its last account has ended) and its metrics, kept whatever the
     * configured level. A warning when an account failed or never finished, or a key failed.
     */
    public void rollUp(RunState run, String requestId) {
        Map<AccountRun.Status, Long> statuses = RunRollUpJson.byStatus(run);
        boolean troubled = statuses.get(AccountRun.Status.FAILED) + statuses.get(AccountRun.Status.NEVER_FINISHED) > 0
                || RunRollUpJson.metrics(run).get("RunFailed") > 0;
        writeLine(RunRollUpJson.line(run, policy, kept(troubled ? LogLevel.WARN : LogLevel.INFO), clock.instant(), requestId));
        writeLine(metrics.document(RunRollUpJson.metrics(run), clock.instant(), kept(LogLevel.INFO)));
    }

    /**
     * The values a key's next write replaces or removes, before it is sent:
     * {@code {"level":...,"type":"replacing","keyArn":...,"trigger":...,"eventId":...,"previousValues":{...}}}.
     * Kept whatever the configured level, as the decision that will name them is: if the function
     * stops between its writes, this line is the only record of those values.
     */
    @Override
    public void replacing(String keyArn, String trigger, Optional<String> eventId, Map<String, String> previousValues) {
        writeLine(new JsonObjectWriter()
                .string("timestamp", clock.instant().toString())
                .string("level", kept(LogLevel.INFO).name())
                .string("type", "replacing")
                .string("keyArn", keyArn)
                .string("trigger", trigger)
                .string("eventId", eventId.orElse(null))
                .stringMap("previousValues", previousValues)
                .toBytes());
    }

    /** A warning about the function itself, not about a key: {@code {"level":"WARN","type":<type>,"message":...}}. */
    public void warning(String type, String message) {
        message(LogLevel.WARN, type, message);
    }

    /** Something about the function itself worth saying once, not a fault: as {@link #warning}, at INFO. */
    public void notice(String type, String message) {
        message(LogLevel.INFO, type, message);
    }

    private void message(LogLevel level, String type, String message) {
        if (threshold.includes(level)) {
            writeLine(new JsonObjectWriter()
                    .string("timestamp", clock.instant().toString())
                    .string("level", level.name())
                    .string("type", type)
                    .string("message", message)
                    .toBytes());
        }
    }

    /**
     * The level of a line that must pass Lambda's filter: its own, or the configured one when that is
     * higher (FATAL, the highest Lambda has, passes every filter but would say the function failed).
     */
    private LogLevel kept(LogLevel own) {
        return own.atLeast(threshold);
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
