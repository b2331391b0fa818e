package io.kmstagenforcer.aws;

import io.kmstagenforcer.json.JsonField;
import io.kmstagenforcer.json.JsonShapeException;
import io.kmstagenforcer.kms.Deadline;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;

/**
 * One AWS JSON 1.1 operation made with {@link SignedCall}: a POST to {@code /} with {@code X-Amz-Target}, tried
 * again when an answer is one another try may mend ({@link SignedCall.Answer#retryable}: throttling, the service's
 * own fault, any 5xx, or no answer at all), never started when it might not end before the invocation's deadline,
 * and every other answer classified as {@link Failed} with the service's own error name and message. Used for the
 * Organizations and Resource Groups Tagging API calls (the organisation's tag policy, its accounts), where a failure
 * never stops enforcement: it is said, and the call is made again on a later invocation or run.
 */
public final class JsonOperation {
    /**
     * The longest one call can take: two tries, each up to the HTTP client's 2 s to connect and 5 s to read, the
     * backoff between them, and a second for the invocation to answer afterwards.
     */
    public static final Duration LONGEST_CALL = Duration.ofSeconds(16);
    /** The one retry's wait: short, for the call runs inside an event's invocation. */
    public static final Duration RETRY_BACKOFF = Duration.ofMillis(200);

    /**
     * The call did not give an answer to use; {@link #getMessage()} says why ("DescribeEffectivePolicy answered
     * AccessDeniedException: ...").
     */
    public static final class Failed extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final transient Optional<String> errorType;
        private final boolean credentialsRefused;

        public Failed(String message, Optional<String> errorType, Throwable cause) {
            this(message, errorType, false, cause);
        }

        private Failed(String message, Optional<String> errorType, boolean credentialsRefused, Throwable cause) {
            super(message, cause);
            this.errorType = errorType;
            this.credentialsRefused = credentialsRefused;
        }

        /** The service's error name, when it answered one (or, with {@link #credentialsRefused}, STS did). */
        public Optional<String> errorType() {
            return errorType;
        }

        /** Not sent: the credentials to sign it with could not be had (the role they come from could not be assumed). */
        public boolean credentialsRefused() {
            return credentialsRefused;
        }
    }

    private final String operation;
    private final String target;
    private final Sleeper sleeper;
    private final int tries;
    private final Duration firstBackoff;

    /**
     * Tried twice, {@link #RETRY_BACKOFF} apart: for calls inside an event's invocation.
     *
     * @param operation the operation's name, for messages: {@code DescribeEffectivePolicy}
     * @param target    its {@code X-Amz-Target}: {@code AWSOrganizationsV20161128.DescribeEffectivePolicy}
     */
    public JsonOperation(String operation, String target, Sleeper sleeper) {
        this(operation, target, sleeper, 2, RETRY_BACKOFF);
    }

    private JsonOperation(String operation, String target, Sleeper sleeper, int tries, Duration firstBackoff) {
        this.operation = operation;
        this.target = target;
        this.sleeper = sleeper;
        this.tries = tries;
        this.firstBackoff = firstBackoff;
    }

    /** The same operation tried up to {@code times}, waiting {@code firstBackoff}, then twice as long each time. */
    public JsonOperation tried(int times, Duration backoff) {
        return new JsonOperation(operation, target, sleeper, times, backoff);
    }

    public String operation() {
        return operation;
    }

    /** As {@link #call(SignedCall, byte[], Deadline, String)}, messages naming the operation alone. */
    public JsonField call(SignedCall call, byte[] request, Deadline deadline) {
        return call(call, request, deadline, operation);
    }

    /**
     * Sends {@code request} through {@code call}, trying again what another try may mend.
     *
     * @param what how messages name the call: {@code ListAccountsForParent of ou-abcd-12345678}
     * @return the answer's body, a JSON object
     * @throws Failed when there is no answer to use, or too little time is left to wait for one
     */
    public JsonField call(SignedCall call, byte[] request, Deadline deadline, String what) {
        requireTime(what, deadline);
        Duration backoff = firstBackoff;
        for (int attempt = 1; ; attempt++) {
            try {
                return once(call, request, what);
            } catch (Retryable failure) {
                if (attempt == tries) {
                    throw new Failed(failure.getMessage() + (tries > 1 ? " (" + tries + " tries)" : ""), failure.errorType, failure);
                }
                try {
                    sleeper.sleep(backoff);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new Failed(failure.getMessage(), failure.errorType, e);
                }
                backoff = backoff.multipliedBy(2);
            }
        }
    }

    /**
     * Refuses to start what may not end before {@code deadline}: the HTTP client's timeouts, not the deadline, bound a
     * call, so one is not started with less than {@link #LONGEST_CALL} left (nor anything done only for it, such as
     * opening a session).
     *
     * @throws Failed naming {@code what} and the time left
     */
    public static void requireTime(String what, Deadline deadline) {
        Duration left = deadline.remaining();
        if (left.compareTo(LONGEST_CALL) < 0) {
            throw new Failed(what + " not sent: " + left.toMillis() + " ms were left before the function's timeout", Optional.empty(), null);
        }
    }

    private JsonField once(SignedCall call, byte[] request, String what) {
        SignedCall.Answer answer;
        try {
            answer = call.post("/", Map.of("X-Amz-Target", target, "Content-Type", "application/x-amz-json-1.1"), request);
        } catch (AwsServiceException e) {
            // Signing resolves the credentials: an AWS refusal here is STS's, for the role they come from. Asking again will not help.
            Optional<String> code = Optional.ofNullable(e.awsErrorDetails()).map(AwsErrorDetails::errorCode);
            throw new Failed(what + " not sent: its credentials were refused: " + code.orElse("HTTP " + e.statusCode()) + ": "
                    + Optional.ofNullable(e.awsErrorDetails()).map(AwsErrorDetails::errorMessage).orElse(e.getMessage()), code, true, e);
        } catch (IOException | RuntimeException e) {
            throw new Retryable(what + " could not be sent (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")",
                    Optional.empty(), e);
        }
        if (answer.status() == 200) {
            try {
                JsonField body = JsonField.parse(operation, answer.body());
                body.asObject();
                return body;
            } catch (JsonShapeException e) {
                throw new Failed(what + " answered in an unexpected shape: " + e.getMessage(), Optional.empty(), e);
            }
        }
        String error = answer.errorName();
        Optional<String> named = error.startsWith("HTTP ") ? Optional.empty() : Optional.of(error);
        String reason = what + " answered " + error + answer.message().map(message -> ": " + message).orElse("");
        if (answer.retryable()) {
            throw new Retryable(reason, named, null);
        }
        throw new Failed(reason, named, null);
    }

    /** A failure one more try may mend. */
    private static final class Retryable extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final transient Optional<String> errorType;

        Retryable(String message, Optional<String> errorType, Throwable cause) {
            super(message, cause);
            this.errorType = errorType;
        }
    }
}
