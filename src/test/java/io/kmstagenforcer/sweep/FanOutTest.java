package io.kmstagenforcer.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kmstagenforcer.json.JsonField;
import io.kmstagenforcer.kms.Deadline;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The coordinator alone, its account invocations answered by the test: how many run at once, and
 * how each kind of answer ends an account (done, failed, never finished) or sends it back to the queue.
 */
class FanOutTest {
    private static final String ARN = "arn:aws:lambda:eu-west-1:111122223333:function:sweep";
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-07T03:00:00Z"), ZoneOffset.UTC);

    private final List<Duration> slept = new CopyOnWriteArrayList<>();
    private final List<String> invoked = new CopyOnWriteArrayList<>();

    /** Three account invocations must be in flight together for any to answer: a coordinator that ran fewer at once would time out here. */
    @Test
    void itRunsAsManyAccountInvocationsAtOnceAsItsConcurrency() {
        CyclicBarrier allThree = new CyclicBarrier(3);
        FanOut fanOut = fanOut(3, detail -> {
            try {
                allThree.await(20, TimeUnit.SECONDS);
            } catch (InterruptedException | BrokenBarrierException | TimeoutException e) {
                return AccountSweeps.Answer.failed(AccountSweeps.Kind.UNANSWERED, "not three at once: " + e);
            }
            return done(2);
        });

        RunState after = fanOut.coordinate(run("a", "b", "c"), Deadline.NONE, ARN, account -> { });

        assertTrue(after.complete());
        after.finished().values().forEach(account -> assertEquals(AccountRun.Status.DONE, account.status(), account::toString));
    }

    @Test
    void itNeverRunsMoreAtOnceThanItsConcurrency() {
        java.util.concurrent.atomic.AtomicInteger now = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger most = new java.util.concurrent.atomic.AtomicInteger();
        FanOut fanOut = fanOut(2, detail -> {
            most.accumulateAndGet(now.incrementAndGet(), Math::max);
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            now.decrementAndGet();
            return done(1);
        });

        RunState after = fanOut.coordinate(run("a", "b", "c", "d", "e"), Deadline.NONE, ARN, account -> { });

        assertEquals(5, after.finished().size());
        assertTrue(most.get() <= 2, () -> "at most 2 at once, saw " + most);
        assertEquals(5, after.totals().get("keysSeen"));
    }

    @Test
    void anInvocationThatKeepsFailingIsTriedThreeTimesThenTheAccountIsFailedWithTheError() {
        FanOut fanOut = fanOut(1, detail -> detail.get("target").equals("b")
                ? AccountSweeps.Answer.failed(AccountSweeps.Kind.FUNCTION_ERROR, "{\"errorType\":\"SweepFailure\"}") : done(1));

        RunState after = fanOut.coordinate(run("a", "b", "c"), Deadline.NONE, ARN, account -> { });

        AccountRun b = after.finished().get("b");
        assertEquals(AccountRun.Status.FAILED, b.status());
        assertTrue(b.reason().orElseThrow().contains("3 tries") && b.reason().get().contains("SweepFailure"), b::toString);
        assertEquals(3, invoked.stream().filter("b"::equals).count());
        assertEquals(List.of(Duration.ofSeconds(1), Duration.ofSeconds(2)), slept, "backing off between the tries");
        assertEquals(AccountRun.Status.DONE, after.finished().get("c").status(), "the next account goes on");
    }

    @Test
    void aThrottledInvocationIsTriedAgainAndAnsweredItCounts() {
        List<String> answers = new ArrayList<>(List.of("throttled"));
        FanOut fanOut = fanOut(1, detail -> answers.isEmpty() ? done(4)
                : AccountSweeps.Answer.failed(AccountSweeps.Kind.THROTTLED, answers.remove(0)));

        RunState after = fanOut.coordinate(run("a"), Deadline.NONE, ARN, account -> { });

        assertEquals(AccountRun.Status.DONE, after.finished().get("a").status());
        assertEquals(4, after.finished().get("a").counts().get("keysSeen"));
    }

    @Test
    void anInvocationLeftUnansweredIsNeverFinishedAndNotTriedAgainWhileItMayStillBeRunning() {
        FanOut fanOut = fanOut(1, detail -> AccountSweeps.Answer.failed(AccountSweeps.Kind.UNANSWERED, "SocketTimeoutException: Read timed out"));

        RunState after = fanOut.coordinate(run("a"), Deadline.NONE, ARN, account -> { });

        AccountRun a = after.finished().get("a");
        assertEquals(AccountRun.Status.NEVER_FINISHED, a.status());
        assertTrue(a.reason().orElseThrow().contains("Read timed out"), a::toString);
        assertEquals(1, invoked.size());
    }

    @Test
    void eachAccountInvocationIsToldToStopByATimeThatLeavesTheCoordinatorItsMargin() {
        List<Instant> stopBy = new CopyOnWriteArrayList<>();
        FanOut fanOut = fanOut(1, detail -> {
            stopBy.add(Instant.parse((String) detail.get("stopBy")));
            return done(1);
        });

        fanOut.coordinate(run("a"), () -> Duration.ofMinutes(3), ARN, account -> { });
        fanOut.coordinate(run("a"), () -> Duration.ofMinutes(14), ARN, account -> { });

        assertEquals(List.of(CLOCK.instant().plus(Duration.ofMinutes(3)).minus(FanOut.ANSWER_MARGIN),
                CLOCK.instant().plus(FanOut.LONGEST_ACCOUNT_INVOCATION)), stopBy);
    }

    @Test
    void withLessTimeThanAnAccountInvocationNeedsNothingIsStartedAndTheRunIsHandedOnWhole() {
        FanOut fanOut = fanOut(2, detail -> done(1));

        RunState after = fanOut.coordinate(run("a", "b"), () -> Duration.ofSeconds(80), ARN, account -> { });

        assertEquals(List.of(), invoked);
        assertEquals(List.of("a", "b"), after.pending().stream().map(RunState.Pending::account).toList());
    }

    private FanOut fanOut(int concurrency, Function<Map<String, Object>, AccountSweeps.Answer> answer) {
        return new FanOut((arn, payload) -> {
            @SuppressWarnings("unchecked")
            Map<String, Object> event = (Map<String, Object>) JsonField.parse("payload", payload).plain();
            @SuppressWarnings("unchecked")
            Map<String, Object> detail = (Map<String, Object>) event.get("detail");
            invoked.add((String) detail.get("target"));
            return answer.apply(detail);
        }, concurrency, CLOCK, slept::add, "eu-west-1");
    }

    private static RunState run(String... accounts) {
        return RunState.start("run-1", CLOCK.instant(), "a", List.of(accounts), List.of());
    }

    private static AccountSweeps.Answer done(long keys) {
        Map<String, Object> counts = Map.of("keysSeen", keys, "compliant", keys);
        return AccountSweeps.Answer.responded(Map.of("complete", true, "invocation", counts, "totals", counts));
    }
}
