package io.kmstagenforcer.aws;

import io.kmstagenforcer.kms.Deadline;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One batch API call that answers per item (EventBridge's PutEvents, Security Hub's
 * BatchImportFindings), sent with retries within the invocation's deadline: the items a throttled,
 * failing or unreachable service did not take are sent again, with a growing wait, as long as one
 * more attempt fits before the deadline; what is still not taken after {@link #ATTEMPTS} is returned,
 * never thrown, for the caller to count. An item the service refused for good (a validation error)
 * is not sent again.
 *
 * @param <T> one item of the batch
 */
public final class BatchSend<T> {
    /** Three tries: a throttled burst usually clears within the second backoff. */
    public static final int ATTEMPTS = 3;
    static final Duration FIRST_BACKOFF = Duration.ofMillis(200);
    /**
     * The longest one attempt can take: the HTTP client's 2 s to connect and 5 s to read, and a second
     * for the invocation to answer afterwards. An attempt is not started with less than this left.
     */
    public static final Duration LONGEST_ATTEMPT = Duration.ofSeconds(8);

    /** The service's answer to one attempt: the items it did not take (none: all were). */
    @FunctionalInterface
    public interface Call<T> {
        List<Failed<T>> send(List<T> batch) throws Unsent;
    }

    /** An item the service did not take, and why; {@code retryable} when another attempt may succeed. */
    public record Failed<T>(T item, String error, boolean retryable) {
    }

    /** The whole call failed: not sent, not reachable, or answered with an error status. */
    public static final class Unsent extends Exception {
        private static final long serialVersionUID = 1L;
        private final boolean retryable;

        public Unsent(String message, boolean retryable, Throwable cause) {
            super(message, cause);
            this.retryable = retryable;
        }

        public boolean retryable() {
            return retryable;
        }
    }

    private final Call<T> call;
    private final Sleeper sleeper;

    /**
     * One attempt's POST, for a {@link Call}: the service's answer when it is a 200; otherwise {@link Unsent}, retryable when
     * the call could not be sent or the answer is one another attempt may mend ({@link SignedCall.Answer#retryable}).
     *
     * @param operation the operation's name, for messages
     */
    public static SignedCall.Answer accepted(SignedCall call, String operation, String path, Map<String, String> headers, byte[] body)
            throws Unsent {
        SignedCall.Answer answer;
        try {
            answer = call.post(path, headers, body);
        } catch (IOException | RuntimeException e) {
            throw new Unsent(operation + " could not be sent (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")", true, e);
        }
        if (answer.status() != 200) {
            throw new Unsent(operation + " answered " + answer.errorName(), answer.retryable(), null);
        }
        return answer;
    }

    public BatchSend(Call<T> call, Sleeper sleeper) {
        this.call = call;
        this.sleeper = sleeper;
    }

    /** Sends {@code batch}; returns the items not taken in the end, each with its last error. */
    public List<Failed<T>> send(List<T> batch, Deadline deadline) {
        List<T> pending = List.copyOf(batch);
        List<Failed<T>> lastFailures = List.of();
        List<Failed<T>> given = new ArrayList<>();
        Duration backoff = FIRST_BACKOFF;
        for (int attempt = 1; !pending.isEmpty(); attempt++) {
            Duration left = deadline.remaining();
            if (left.compareTo(LONGEST_ATTEMPT) < 0) {
                String why = "not sent" + (attempt > 1 ? " again" : "") + ": " + left.toMillis() + " ms were left before the function's timeout";
                given.addAll(attempt == 1 ? all(pending, why, false)
                        : lastFailures.stream().map(failure -> new Failed<>(failure.item(), failure.error() + "; " + why, true)).toList());
                return given;
            }
            List<Failed<T>> failed;
            try {
                failed = call.send(pending);
            } catch (Unsent e) {
                failed = all(pending, e.getMessage(), e.retryable());
            } catch (RuntimeException e) {
                // Not the service's answer but ours (a credential that cannot be resolved, a bug): not sent again.
                failed = all(pending, "not sent (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")", false);
            }
            List<Failed<T>> again = new ArrayList<>();
            for (Failed<T> failure : failed) {
                if (failure.retryable() && attempt < ATTEMPTS) {
                    again.add(failure);
                } else {
                    given.add(failure.retryable() ? new Failed<>(failure.item(), failure.error() + " (" + attempt + " attempts)", true)
                            : failure);
                }
            }
            lastFailures = again;
            pending = again.stream().map(Failed::item).toList();
            if (!pending.isEmpty() && !pause(backoff)) {
                given.addAll(all(pending, "interrupted before its retry", false));
                return given;
            }
            backoff = backoff.multipliedBy(2);
        }
        return given;
    }

    private boolean pause(Duration duration) {
        try {
            sleeper.sleep(duration);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static <T> List<Failed<T>> all(List<T> items, String error, boolean retryable) {
        return items.stream().map(item -> new Failed<>(item, error, retryable)).toList();
    }
}
