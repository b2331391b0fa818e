package io.kmstagenforcer.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kmstagenforcer.kms.Deadline;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Which items are sent again, when, and what is given up: on a virtual clock that only the backoff moves. */
class BatchSendTest {
    private final AtomicLong now = new AtomicLong();
    private final List<Duration> waits = new ArrayList<>();
    private final List<List<String>> attempts = new ArrayList<>();

    private BatchSend<String> sending(BatchSend.Call<String> call) {
        return new BatchSend<>(batch -> {
            attempts.add(batch);
            return call.send(batch);
        }, duration -> {
            waits.add(duration);
            now.addAndGet(duration.toMillis());
        });
    }

    /** An invocation with {@code millis} left at the start, on the virtual clock. */
    private Deadline leaving(long millis) {
        return () -> Duration.ofMillis(millis - now.get());
    }

    @Test
    void onlyTheItemsAThrottledAnswerNamedAreSentAgainAfterAGrowingWait() {
        List<BatchSend.Failed<String>> given = sending(batch -> batch.contains("b")
                ? List.of(new BatchSend.Failed<>("b", "ThrottlingException", true)) : List.of()).send(List.of("a", "b", "c"), leaving(60_000));

        assertEquals(List.of(List.of("a", "b", "c"), List.of("b"), List.of("b")), attempts);
        assertEquals(List.of(Duration.ofMillis(200), Duration.ofMillis(400)), waits);
        assertEquals(1, given.size());
        assertEquals("ThrottlingException (3 attempts)", given.get(0).error());
    }

    @Test
    void aRefusalIsNotSentAgain() {
        List<BatchSend.Failed<String>> given = sending(batch -> {
            throw new BatchSend.Unsent("AccessDeniedException", false, null);
        }).send(List.of("a", "b"), leaving(60_000));

        assertEquals(1, attempts.size());
        assertEquals(List.of("a", "b"), given.stream().map(BatchSend.Failed::item).toList());
    }

    @Test
    void noAttemptStartsWithLessThanOneAttemptsTimeLeft() {
        List<BatchSend.Failed<String>> given = sending(batch -> List.of()).send(List.of("a"),
                leaving(BatchSend.LONGEST_ATTEMPT.toMillis() - 1));

        assertEquals(List.of(), attempts);
        assertTrue(given.get(0).error().startsWith("not sent: 7999 ms were left"), given.get(0).error());
    }

    @Test
    void aRetryThatWouldNotFitBeforeTheDeadlineIsNotMade() {
        List<BatchSend.Failed<String>> given = sending(batch -> {
            throw new BatchSend.Unsent("HTTP 503", true, null);
        }).send(List.of("a"), leaving(BatchSend.LONGEST_ATTEMPT.toMillis() + 100));

        assertEquals(1, attempts.size(), "the backoff of 200 ms leaves less than an attempt needs");
        assertTrue(given.get(0).error().startsWith("HTTP 503; not sent again: 7900 ms were left"), given.get(0).error());
    }

    @Test
    void anExceptionOfOurOwnIsAFailureNeverThrown() {
        List<BatchSend.Failed<String>> given = sending(batch -> {
            throw new IllegalStateException("no credentials");
        }).send(List.of("a"), leaving(60_000));

        assertEquals(1, attempts.size());
        assertTrue(given.get(0).error().contains("IllegalStateException: no credentials"), given.get(0).error());
    }
}
