package io.kmstagenforcer.sweep;

import io.kmstagenforcer.enforce.NotFoundRetry.Sleeper;
import io.kmstagenforcer.kms.Deadline;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

/**
 * The coordinator of a run over many accounts: it sweeps each account in an invocation of its own
 * (the function invoking itself synchronously, {@link AccountSweeps}), at most {@code concurrency}
 * at once, each invocation with its own write pacer against its own account's quota. An account whose
 * invocation stops short of its last key hands back its marker, and goes back in the queue to be
 * continued from there; one that fails (its role cannot be assumed, KMS refuses to list, its
 * invocation keeps failing) is named and counted, and the others go on.
 *
 * <p>The coordinator sees every account's answer, so it is the one that knows when the last account
 * has finished, with no table: when it nears its own timeout it lets the accounts in flight finish
 * (each was told to stop by a time before that), and hands the run's state to its next invocation
 * ({@link RunState}, in its continuation event).
 */
public final class FanOut {
    /** At 15 minutes each, a day: a run that needs more is stuck, not slow. */
    public static final int MAX_INVOCATIONS = 96;
    /**
     * The longest an account's invocation is given: shorter than Lambda's 15 minutes, so that a
     * synchronous call is never held open for long (an idle connection may be cut on the way), and an
     * account's marker comes back often. Its cost: one ListAliases and one ListKeys page again.
     */
    static final Duration LONGEST_ACCOUNT_INVOCATION = Duration.ofMinutes(5);
    /** Less time than this left: no new account invocation is started; the run continues in a new invocation. */
    static final Duration SHORTEST_ACCOUNT_INVOCATION = Duration.ofSeconds(60);
    /** Kept between an account invocation's stop-by time and the coordinator's deadline: for its answer and the hand-over. */
    static final Duration ANSWER_MARGIN = Duration.ofSeconds(30);
    /** Tries of one account invocation that failed or was throttled (Lambda's own async retries: 1 + 2). */
    static final int ATTEMPTS = 3;
    static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);
    static final String ACCOUNT_DETAIL_TYPE = "Sweep Account";
    static final String RUN_DETAIL_TYPE = "Sweep Run Continuation";

    private final AccountSweeps sweeps;
    private final int concurrency;
    private final Clock clock;
    private final Sleeper sleeper;
    private final String region;

    /**
     * @param concurrency how many accounts are swept at once
     * @param clock       the time an account invocation is told to stop by
     * @param sleeper     how a retry waits
     */
    public FanOut(AccountSweeps sweeps, int concurrency, Clock clock, Sleeper sleeper, String region) {
        if (concurrency < 1) {
            throw new IllegalArgumentException("a run sweeps at least one account at a time, not " + concurrency);
        }
        this.sweeps = sweeps;
        this.concurrency = concurrency;
        this.clock = clock;
        this.sleeper = sleeper;
        this.region = region;
    }

    public int concurrency() {
        return concurrency;
    }

    /**
     * Sweeps the run's pending accounts until none is left or the time is; returns the run's state
     * then (complete when nothing is pending).
     *
     * @param functionArn the function as it was invoked: each account invocation invokes the same
     * @param finished    told of each account as it ends
     */
    public RunState coordinate(RunState run, Deadline deadline, String functionArn, Consumer<AccountRun> finished) {
        Deque<RunState.Pending> queue = new ArrayDeque<>(run.pending());
        Map<String, AccountRun> ended = new LinkedHashMap<>(run.finished());
        SweepTally totals = new SweepTally(run.totals());
        ExecutorService pool = Executors.newFixedThreadPool(concurrency, task -> {
            Thread thread = new Thread(task, "sweep-account");
            thread.setDaemon(true);
            return thread;
        });
        CompletionService<Step> steps = new ExecutorCompletionService<>(pool);
        int inFlight = 0;
        try {
            while (true) {
                while (inFlight < concurrency && !queue.isEmpty() && roomForAnother(deadline)) {
                    RunState.Pending next = queue.poll();
                    Instant stopBy = clock.instant().plus(budget(deadline));
                    steps.submit(() -> sweepOnce(run.runId(), next, stopBy, functionArn));
                    inFlight++;
                }
                if (inFlight == 0) {
                    break;
                }
                Step step = take(steps);
                inFlight--;
                totals.addAll(new SweepTally(step.invocationCounts()));
                if (step.ended().isPresent()) {
                    ended.put(step.ended().get().target(), step.ended().get());
                    finished.accept(step.ended().get());
                } else {
                    queue.addLast(step.again().orElseThrow());
                }
            }
        } finally {
            pool.shutdownNow();
        }
        return new RunState(run.runId(), run.invocation(), run.startedAt(), queue.stream().toList(), ended, totals.snapshot());
    }

    /** The coordinator's continuation event: the run's state in its detail. */
    public byte[] continuationEvent(RunState next, String eventAccount) {
        return SweepMarkers.event(RUN_DETAIL_TYPE, eventAccount, region, clock.instant(), next::write);
    }

    /**
     * The run cut off where it is: every pending account never finished, for {@code why}. For a run
     * whose next invocation could not be started, or that has taken {@value #MAX_INVOCATIONS}.
     */
    public static RunState cutOff(RunState run, String why) {
        Map<String, AccountRun> ended = new LinkedHashMap<>(run.finished());
        run.pending().forEach(pending -> ended.put(pending.account(),
                AccountRun.neverFinished(pending.account(), why, pending.marker().totals(), pending.marker().invocation() - 1)));
        return new RunState(run.runId(), run.invocation(), run.startedAt(), List.of(), ended, run.totals());
    }

    private boolean roomForAnother(Deadline deadline) {
        return deadline.remaining().compareTo(SHORTEST_ACCOUNT_INVOCATION.plus(ANSWER_MARGIN)) >= 0;
    }

    private static Duration budget(Deadline deadline) {
        Duration available = deadline.remaining().minus(ANSWER_MARGIN);
        return available.compareTo(LONGEST_ACCOUNT_INVOCATION) > 0 ? LONGEST_ACCOUNT_INVOCATION : available;
    }

    private static Step take(CompletionService<Step> steps) {
        try {
            return steps.take().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the accounts' invocations", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("an account's invocation could not be handled: " + e.getCause(), e.getCause());
        }
    }

    /** One account invocation, retried when it failed or was throttled and there is time to. */
    private Step sweepOnce(String runId, RunState.Pending pending, Instant stopBy, String functionArn) throws InterruptedException {
        byte[] payload = SweepMarkers.event(ACCOUNT_DETAIL_TYPE, accountOf(functionArn), region, clock.instant(), detail -> {
            SweepMarkers.members(detail, pending.marker());
            detail.string("runId", runId).string("target", pending.account()).string("stopBy", stopBy.toString());
        });
        Duration backoff = FIRST_BACKOFF;
        AccountSweeps.Answer answer = null;
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            answer = sweeps.invoke(functionArn, payload);
            if (answer.kind() == AccountSweeps.Kind.RESPONDED) {
                return fromResponse(pending, answer.response());
            }
            if (answer.kind() == AccountSweeps.Kind.UNANSWERED) {
                // It may still be running: another invocation in the same account would double its write rate.
                return Step.ended(AccountRun.neverFinished(pending.account(), "its invocation went unanswered: " + answer.detail(),
                        pending.marker().totals(), pending.marker().invocation()));
            }
            if (attempt < ATTEMPTS) {
                if (Duration.between(clock.instant(), stopBy).minus(backoff).compareTo(SHORTEST_ACCOUNT_INVOCATION) < 0) {
                    return Step.again(pending);
                }
                sleeper.sleep(backoff);
                backoff = backoff.multipliedBy(2);
            }
        }
        String tries = " (" + ATTEMPTS + " tries): " + answer.detail();
        return Step.ended(answer.kind() == AccountSweeps.Kind.THROTTLED
                ? AccountRun.neverFinished(pending.account(), "Lambda throttled its invocation" + tries, pending.marker().totals(),
                        pending.marker().invocation() - 1)
                : AccountRun.failed(pending.account(), "its invocation failed" + tries, pending.marker().totals(),
                        pending.marker().invocation()));
    }

    /** What an account's invocation answered: done, failed, or to go on from its marker. */
    private static Step fromResponse(RunState.Pending pending, Map<String, Object> response) {
        String account = pending.account();
        Map<String, Long> counts = counts(response.get("invocation"));
        Map<String, Long> accountTotals = counts(response.get("totals"));
        int invocations = pending.marker().invocation();
        Object failure = response.get("accountFailure");
        if (failure instanceof String reason) {
            return Step.ended(AccountRun.failed(account, reason, accountTotals, invocations), counts);
        }
        if (Boolean.TRUE.equals(response.get("complete"))) {
            return Step.ended(new AccountRun(account, AccountRun.Status.DONE, accountTotals, Optional.empty(), invocations), counts);
        }
        Optional<SweepMarker> next;
        try {
            next = response.get("next") instanceof Map<?, ?> detail ? SweepMarkers.fromDetail(cast(detail)) : Optional.empty();
        } catch (IllegalArgumentException | DateTimeParseException e) {
            next = Optional.empty();
        }
        if (next.isPresent()) {
            return new Step(Optional.empty(), Optional.of(new RunState.Pending(account, next.get())), counts);
        }
        Object why = response.get("stoppedBecause");
        return Step.ended(AccountRun.neverFinished(account, why instanceof String text ? text : "its invocation stopped with no marker to go on from",
                accountTotals, invocations), counts);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cast(Map<?, ?> map) {
        return (Map<String, Object>) map;
    }

    private static Map<String, Long> counts(Object value) {
        Map<String, Long> counts = new LinkedHashMap<>();
        if (value instanceof Map<?, ?> map) {
            map.forEach((name, count) -> {
                if (count instanceof Number number) {
                    counts.put(String.valueOf(name), number.longValue());
                }
            });
        }
        return counts;
    }

    private static String accountOf(String functionArn) {
        String[] parts = functionArn == null ? new String[0] : functionArn.split(":");
        return parts.length > 4 ? parts[4] : "";
    }

    /** One account invocation's result: the account ended, or goes back in the queue; and the invocation's counts. */
    private record Step(Optional<AccountRun> ended, Optional<RunState.Pending> again, Map<String, Long> invocationCounts) {
        static Step ended(AccountRun run) {
            return ended(run, Map.of());
        }

        static Step ended(AccountRun run, Map<String, Long> counts) {
            return new Step(Optional.of(run), Optional.empty(), counts);
        }

        static Step again(RunState.Pending pending) {
            return new Step(Optional.empty(), Optional.of(pending), Map.of());
        }
    }
}
