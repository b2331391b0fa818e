package io.kmstagenforcer.sweep;

import java.util.Map;

/**
 * Sweeps one account of a run in an invocation of its own, and answers what that invocation returned.
 * In Lambda: the function invoking itself synchronously ({@link LambdaAccountSweeps}); in tests, a
 * handler in the same process.
 */
@FunctionalInterface
public interface AccountSweeps {
    /**
     * @param functionArn the function to invoke (the coordinator's own)
     * @param payload     the ScheduledEvent whose detail names the run, the account, the marker and the time to stop by
     */
    Answer invoke(String functionArn, byte[] payload);

    /** How the invocation went. */
    enum Kind {
        /** It returned its response ({@link Answer#response}). */
        RESPONDED,
        /** The function failed (an unhandled error: the sweep could not list the keys even after backing off, a timeout). */
        FUNCTION_ERROR,
        /** Lambda refused it for now (TooManyRequestsException: no concurrency left). */
        THROTTLED,
        /** No answer: it could not be sent, or the connection ended before the response. */
        UNANSWERED
    }

    /**
     * @param response the invocation's response as the runtime serialised it (a {@code SweepResponse}), for {@link Kind#RESPONDED}
     * @param detail   what went wrong, for the other kinds
     */
    record Answer(Kind kind, Map<String, Object> response, String detail) {
        public static Answer responded(Map<String, Object> response) {
            return new Answer(Kind.RESPONDED, response, null);
        }

        public static Answer failed(Kind kind, String detail) {
            return new Answer(kind, Map.of(), detail);
        }
    }
}
