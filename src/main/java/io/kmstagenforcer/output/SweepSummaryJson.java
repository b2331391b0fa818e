package io.kmstagenforcer.output;

import io.kmstagenforcer.json.JsonObjectWriter;
import io.kmstagenforcer.policy.PolicyOrigin;
import io.kmstagenforcer.sweep.SweepSummary;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** The JSON forms of a {@link SweepSummary}: the invocation's response, its log line and its metrics. */
public final class SweepSummaryJson {
    /** Counters whose names have a dot are grouped under the part before it: {@code skipped}, {@code calls}. */
    private static final char GROUP = '.';

    private SweepSummaryJson() {
    }

    /** The invocation's return value. */
    public static byte[] response(SweepSummary summary) {
        return members(new JsonObjectWriter(), summary).toBytes();
    }

    /** The one summary line per sweep invocation. */
    public static byte[] line(SweepSummary summary, PolicyOrigin policy, LogLevel level, Instant time, String requestId) {
        return line(summary, policy, level, time, requestId, Optional.empty());
    }

    /** The summary line of an account's invocation in a run: also its {@code runId} (the sweepId) and {@code account}. */
    public static byte[] line(SweepSummary summary, PolicyOrigin policy, LogLevel level, Instant time, String requestId,
            Optional<String> account) {
        JsonObjectWriter line = new JsonObjectWriter()
                .string("timestamp", time.toString())
                .string("level", level.name())
                .string("type", "sweep-summary")
                .string("requestId", requestId);
        account.ifPresent(id -> line.string("runId", summary.sweepId()).string("account", id));
        return members(ResultJson.policy(line, policy), summary).toBytes();
    }

    /** The invocation's counts as metrics: summed over a sweep's invocations they give the sweep's totals. */
    public static Map<String, Long> metrics(SweepSummary summary) {
        Map<String, Long> counts = summary.invocation();
        Map<String, Long> metrics = new LinkedHashMap<>();
        metrics.put("KeysSeen", counts.getOrDefault("keysSeen", 0L));
        metrics.put("Compliant", counts.getOrDefault("compliant", 0L));
        metrics.put("Remediated", counts.getOrDefault("remediated", 0L));
        metrics.put("Reported", counts.getOrDefault("reported", 0L));
        metrics.put("NonCompliant", counts.getOrDefault("nonCompliant", 0L));
        metrics.put("Skipped", sum(counts, "skipped."));
        metrics.put("Failed", summary.keysFailed());
        metrics.put("KmsCalls", sum(counts, "calls."));
        metrics.put("WriteCalls", counts.getOrDefault("calls.TagResource", 0L) + counts.getOrDefault("calls.UntagResource", 0L));
        return metrics;
    }

    private static JsonObjectWriter members(JsonObjectWriter json, SweepSummary summary) {
        return json
                .string("sweepId", summary.sweepId())
                .number("invocationNumber", summary.invocationNumber())
                .string("mode", summary.mode().label())
                .bool("complete", summary.complete())
                .bool("continues", summary.continuation().isPresent())
                .string("stoppedBecause", summary.stoppedBecause().orElse(null))
                .object("invocation", counts -> grouped(counts, summary.invocation()))
                .object("totals", counts -> grouped(counts, summary.totals()))
                .decimal("writeRateLimit", summary.writeRateLimit())
                .decimal("writeRateAtStart", summary.writeRateAtStart())
                .decimal("writeRateLowest", summary.writeRateLowest())
                .decimal("writeRateAtEnd", summary.writeRateAtEnd())
                .number("peakWritesPerSecond", summary.peakWritesPerSecond())
                .number("durationMs", summary.elapsed().toMillis())
                .string("note", summary.note().orElse(null));
    }

    static void grouped(JsonObjectWriter json, Map<String, Long> counts) {
        Map<String, Map<String, Long>> groups = new LinkedHashMap<>();
        counts.forEach((name, count) -> {
            int dot = name.indexOf(GROUP);
            if (dot < 0) {
                json.number(name, count);
            } else {
                groups.computeIfAbsent(name.substring(0, dot), group -> new LinkedHashMap<>()).put(name.substring(dot + 1), count);
            }
        });
        groups.forEach((group, members) -> json.object(group, object -> members.forEach(object::number)));
    }

    private static long sum(Map<String, Long> counts, String prefix) {
        return counts.entrySet().stream().filter(entry -> entry.getKey().startsWith(prefix)).mapToLong(Map.Entry::getValue).sum();
    }
}
