package io.kmstagenforcer.sweep;

import io.kmstagenforcer.json.JsonObjectWriter;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A fanned-out run as its coordinator hands it from one invocation to the next: the accounts still
 * to sweep (each with the marker its sweep goes on from), how each finished account ended, and the
 * run's counts so far. There is no table: the state travels in the coordinator's continuation event
 * (the {@code run} member of its {@code detail}), and the invocation that finds nothing pending is
 * the one that writes the roll-up.
 *
 * @param runId      the run's id (the schedule event's id), carried by every invocation, line and summary
 * @param invocation the coordinator's invocation number, from 1
 * @param startedAt  when the run began
 * @param pending    the accounts to sweep, in order, with where each goes on
 * @param finished   the accounts that ended, in the order they did, by account (or OU) id
 * @param totals     every counter summed over every account invocation so far
 */
public record RunState(String runId, int invocation, Instant startedAt, List<Pending> pending, Map<String, AccountRun> finished,
        Map<String, Long> totals) {
    static final String MEMBER = "run";

    /** An account still to sweep: from its first key, or from where its last invocation stopped. */
    public record Pending(String account, SweepMarker marker) {
    }

    public RunState {
        pending = List.copyOf(pending);
        finished = Collections.unmodifiableMap(new LinkedHashMap<>(finished));
        totals = new SweepTally(totals).snapshot();
    }

    /**
     * A new run over {@code accounts}, each from its first key; {@code unswept} are the targets known
     * failed before any sweep (an OU that could not be listed).
     *
     * @param ownAccount the function's own account: its keys are reached without a role (a marker without account)
     */
    public static RunState start(String runId, Instant now, String ownAccount, List<String> accounts, List<AccountRun> unswept) {
        List<Pending> pending = new ArrayList<>();
        for (String account : accounts) {
            Optional<String> member = account.equals(ownAccount) ? Optional.empty() : Optional.of(account);
            pending.add(new Pending(account, new SweepMarker(runId, 1, SweepPosition.startOf(member), Map.of())));
        }
        Map<String, AccountRun> finished = new LinkedHashMap<>();
        unswept.forEach(run -> finished.put(run.target(), run));
        return new RunState(runId, 1, now, pending, finished, Map.of());
    }

    public boolean complete() {
        return pending.isEmpty();
    }

    /** The accounts the run covers: finished and pending. */
    public int accounts() {
        return finished.size() + pending.size();
    }

    /** The coordinator's detail member {@code run}. */
    public void write(JsonObjectWriter detail) {
        detail.object(MEMBER, run -> run
                .string("runId", runId)
                .number("invocation", invocation)
                .string("startedAt", startedAt.toString())
                .objects("pending", pending, (item, next) -> item
                        .string("target", next.account())
                        .object("marker", marker -> SweepMarkers.members(marker, next.marker())))
                .object("finished", accounts -> finished.values().forEach(account -> accounts.object(account.target(), json -> {
                    json.string("status", account.status().label())
                            .string("reason", account.reason().orElse(null))
                            .number("invocations", account.invocations());
                    account.counts().forEach(json::number);
                })))
                .object("totals", counts -> totals.forEach(counts::number)));
    }

    /**
     * The run in a coordinator's detail (as the runtime deserialised it), or empty when the detail has none.
     *
     * @throws IllegalArgumentException naming the field, for a {@code run} member that is not a usable one
     */
    public static Optional<RunState> fromDetail(Map<String, Object> detail) {
        if (detail == null || !detail.containsKey(MEMBER)) {
            return Optional.empty();
        }
        Map<String, Object> run = object(detail.get(MEMBER), MEMBER);
        String runId = string(run.get("runId"), "run.runId");
        long invocation = number(run.get("invocation"), "run.invocation");
        if (invocation < 1 || invocation > FanOut.MAX_INVOCATIONS + 1) {
            throw invalid("run.invocation", "between 1 and " + (FanOut.MAX_INVOCATIONS + 1));
        }
        Instant startedAt;
        try {
            startedAt = Instant.parse(string(run.get("startedAt"), "run.startedAt"));
        } catch (DateTimeParseException e) {
            throw invalid("run.startedAt", "an ISO-8601 instant");
        }
        List<Pending> pending = new ArrayList<>();
        for (Object item : list(run.get("pending"), "run.pending")) {
            Map<String, Object> next = object(item, "run.pending[]");
            String account = string(next.get("target"), "run.pending[].target");
            SweepMarker marker = SweepMarkers.fromDetail(object(next.get("marker"), "run.pending[].marker"))
                    .orElseThrow(() -> invalid("run.pending[].marker", "a sweep marker"));
            pending.add(new Pending(account, marker));
        }
        Map<String, AccountRun> finished = new LinkedHashMap<>();
        object(run.get("finished"), "run.finished").forEach((target, value) -> {
            Map<String, Object> account = object(value, "run.finished." + target);
            AccountRun.Status status = AccountRun.Status.fromLabel(string(account.get("status"), "run.finished." + target + ".status"))
                    .orElseThrow(() -> invalid("run.finished." + target + ".status", "done, failed or neverFinished"));
            Map<String, Long> counts = new LinkedHashMap<>();
            AccountRun.COUNTED.forEach(name -> counts.put(name, account.containsKey(name)
                    ? number(account.get(name), "run.finished." + target + "." + name) : 0L));
            Object reason = account.get("reason");
            finished.put(target, new AccountRun(target, status, counts,
                    Optional.ofNullable(reason == null ? null : string(reason, "run.finished." + target + ".reason")),
                    (int) number(account.getOrDefault("invocations", 0), "run.finished." + target + ".invocations")));
        });
        Map<String, Long> totals = new LinkedHashMap<>();
        object(run.get("totals"), "run.totals").forEach((name, count) -> totals.put(name, number(count, "run.totals." + name)));
        return Optional.of(new RunState(runId, (int) invocation, startedAt, pending, finished, totals));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> object(Object value, String field) {
        if (!(value instanceof Map<?, ?>)) {
            throw invalid(field, "an object");
        }
        return (Map<String, Object>) value;
    }

    private static List<?> list(Object value, String field) {
        if (!(value instanceof List<?> items)) {
            throw invalid(field, "an array");
        }
        return items;
    }

    private static String string(Object value, String field) {
        if (!(value instanceof String text)) {
            throw invalid(field, "a string");
        }
        return text;
    }

    private static long number(Object value, String field) {
        if (value instanceof Number number && number.doubleValue() == number.longValue()) {
            return number.longValue();
        }
        throw invalid(field, "a whole number");
    }

    private static IllegalArgumentException invalid(String field, String expected) {
        return new IllegalArgumentException("detail." + field + " must be " + expected);
    }
}
