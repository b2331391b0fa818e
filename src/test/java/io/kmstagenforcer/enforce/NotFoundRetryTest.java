package io.kmstagenforcer.enforce;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kmstagenforcer.kms.Deadline;
import io.kmstagenforcer.kms.KmsCallException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The wait for a key KMS does not know yet: bounded in count, and by the invocation's deadline. */
class NotFoundRetryTest {
    private final List<Duration> waits = new ArrayList<>();
    /** The time left, on a clock that moves only by the waits. */
    private Duration left = Duration.ofSeconds(30);
    private final NotFoundRetry retry = new NotFoundRetry(NotFoundRetry.DEFAULT_DELAYS, duration -> {
        waits.add(duration);
        left = left.minus(duration);
    });
    private final Deadline deadline = () -> left;
    private final AtomicInteger attempts = new AtomicInteger();

    @Test
    void aKeyThatAppearsIsReturnedAfterTheWaitsItTook() {
        String answer = retry.call(() -> attempts.incrementAndGet() < 3 ? notFound() : "tags", deadline);

        assertEquals("tags", answer);
        assertEquals(List.of(Duration.ofMillis(250), Duration.ofMillis(500)), waits);
    }

    @Test
    void withTimeEnoughEveryWaitIsMadeThenTheLastAnswerStands() {
        KmsCallException error = assertThrows(KmsCallException.class, () -> retry.call(NotFoundRetryTest::notFound, deadline));

        assertEquals(NotFoundRetry.DEFAULT_DELAYS, waits);
        assertEquals(KmsCallException.Kind.NOT_FOUND, error.kind());
    }

    @Test
    void theWaitingStopsWhenTheNextWaitWouldLeaveNoTimeForAnotherTry() {
        left = Duration.ofMillis(4_000);

        KmsCallException error = assertThrows(KmsCallException.class, () -> retry.call(NotFoundRetryTest::notFound, deadline));

        assertEquals(List.of(Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1)), waits,
                "at 2.25 s left a 2 s wait would leave no room for another try: it stops there");
        assertTrue(left.compareTo(NotFoundRetry.ROOM_FOR_ANOTHER_TRY) >= 0, "time is left to answer");
        assertTrue(error.reason().contains("stopped waiting for the key with"), error::reason);
        assertEquals(KmsCallException.Kind.NOT_FOUND, error.kind());
    }

    @Test
    void anotherErrorIsNotWaitedFor() {
        KmsCallException throttled = new KmsCallException("ListResourceTags", "ThrottlingException", KmsCallException.Kind.RETRYABLE, null);

        assertThrows(KmsCallException.class, () -> retry.call(() -> {
            throw throttled;
        }, deadline));

        assertEquals(List.of(), waits);
    }

    private static String notFound() {
        throw new KmsCallException("ListResourceTags", "NotFoundException", KmsCallException.Kind.NOT_FOUND, null);
    }
}
