package io.kmstagenforcer.enforce;

import io.kmstagenforcer.kms.Deadline;
import io.kmstagenforcer.kms.KmsCallException;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;

/**
 * Retries a call while KMS says the key is not found. Right after CreateKey or ReplicateKey, KMS
 * is eventually consistent and may not know the key for a few seconds; waiting inside the
 * invocation is cheaper than failing it and waiting minutes for Lambda's retry.
 */
public final class NotFoundRetry {
    /** About 7.5 s in all: well inside the function's timeout. */
    public static final List<Duration> DEFAULT_DELAYS = List.of(
            Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(4));

    /** How to wait; tests pass one that records instead of sleeping. */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(Duration duration) throws InterruptedException;
    }

    /** One attempt, no waiting. */
    public static final NotFoundRetry NONE = new NotFoundRetry(List.of(), duration -> { });

    /** Another try needs this much time after the wait: the call itself, and answering. */
    static final Duration ROOM_FOR_ANOTHER_TRY = Duration.ofSeconds(2);

    private final List<Duration> delays;
    private final Sleeper sleeper;

    public NotFoundRetry(List<Duration> delays, Sleeper sleeper) {
        this.delays = List.copyOf(delays);
        this.sleeper = sleeper;
    }

    public static NotFoundRetry withDefaults() {
        return new NotFoundRetry(DEFAULT_DELAYS, duration -> Thread.sleep(duration.toMillis()));
    }

    public <T> T call(Supplier<T> call) {
        return call(call, Deadline.NONE);
    }

    /** As {@link #call(Supplier)}, but stops waiting when the next wait would leave no time for another try. */
    public <T> T call(Supplier<T> call, Deadline deadline) {
        for (Duration delay : delays) {
            try {
                return call.get();
            } catch (KmsCallException e) {
                if (e.kind() != KmsCallException.Kind.NOT_FOUND) {
                    throw e;
                }
                Duration left = deadline.remaining();
                if (left.minus(delay).compareTo(ROOM_FOR_ANOTHER_TRY) < 0) {
                    throw e.withReason(e.reason() + "; stopped waiting for the key with " + left.toMillis()
                            + " ms left before the function's timeout");
                }
            }
            pause(delay);
        }
        return call.get();
    }

    private void pause(Duration delay) {
        try {
            sleeper.sleep(delay);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KmsCallException("retry wait", "Interrupted", KmsCallException.Kind.RETRYABLE, e);
        }
    }
}
