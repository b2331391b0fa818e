package io.kmstagenforcer.aws;

import io.kmstagenforcer.json.JsonField;
import io.kmstagenforcer.json.JsonShapeException;
import io.kmstagenforcer.kms.Deadline;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One AWS JSON 1.1 operation made with {@link SignedCall}: a POST to {@code /} with {@code X-Amz-Target}, tried
 * twice when the first answer is one a second try may mend (the service's throttling or internal error, any 5xx,
 * no answer at all), never started when it might not end before the invocation's deadline, and every other
 * answer classified as {@link Failed} with the service's own error name. Used for the Organizations and Resource
 * Groups Tagging API calls of the organisation's tag policy, where a failure never stops enforcement: it is said,
 * and the call is made again on a later invocation.
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
     * Errors a second try may mend, beside any 5xx: the throttling and internal errors of the services called this
     * way (Resource Groups Tagging API: ThrottledException, InternalServiceException; Organizations:
     * TooManyRequestsException, ServiceException) and the generic names.
     */
    private static final Set<String> RETRYABLE = Set.of("ThrottledException", "ThrottlingException", "TooManyRequestsException",
            "InternalServiceException", "ServiceException", "ServiceUnavailableException", "InternalFailure");

    /** Waits between the try and the retry; {@code Thread::sleep} in Lambda. */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(Duration duration) throws InterruptedException;

        Sleeper THREAD = duration -> Thread.sleep(duration.toMillis());
    }

    /**
     * The call did not give an answer to use; {@link #getMessage()} says why ("DescribeEffectivePolicy answered
     * AccessDeniedException").
     *
     * @param errorType the service's error name, when it answered one
     */
    public static final class Failed extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final transient Optional<String> errorType;

        public Failed(String message, Optional<String> errorType, Throwable cause) {
            super(message, cause);
            this.errorType = errorType;
        }

        public Optional<String> errorType() {
            return errorType;
        }
    }

    private final String operation;
    private final String target;
    private final Sleeper sleeper;

    /**
     * @param operation the operation's name, for messages: {@code DescribeEffectivePolicy}
     * @param target    its {@code X-Amz-Target}: {@code AWSOrganizationsV20161128.DescribeEffectivePolicy}
     */
    public JsonOperation(String operation, String target, Sleeper sleeper) {
        this.operation = operation;
        this.target = target;
        this.sleeper = sleeper;
    }

    public String operation() {
        return operation;
    }

    /**
     * Sends {@code request} through {@code call}, retrying once what a retry may mend.
     *
     * @return the answer's body, a JSON object
     * @throws Failed when there is no answer to use, or too little time is left to wait for one
     */
    public JsonField call(SignedCall call, byte[] request, Deadline deadline) {
        Duration left = deadline.remaining();
        if (left.compareTo(LONGEST_CALL) < 0) {
            // The HTTP client's timeouts, not the deadline, bound a call: do not start one that may not fit.
            throw new Failed(operation + " not sent: " + left.toMillis() + " ms were left before the function's timeout", Optional.empty(), null);
        }
        try {
            return once(call, request);
        } catch (Retryable first) {
            try {
                sleeper.sleep(RETRY_BACKOFF);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new Failed(first.getMessage(), first.errorType, e);
            }
            try {
                return once(call, request);
            } catch (Retryable second) {
                throw new Failed(second.getMessage() + " (twice)", second.errorType, second);
            }
        }
    }

    private JsonField once(SignedCall call, byte[] request) {
        SignedCall.Answer answer;
        try {
            answer = call.post("/", Map.of("X-Amz-Target", target, "Content-Type", "application/x-amz-json-1.1"), request);
        } catch (IOException | RuntimeException e) {
            throw new Retryable(operation + " could not be sent (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")",
                    Optional.empty(), e);
        }
        if (answer.status() == 200) {
            try {
                JsonField body = JsonField.parse(operation, answer.body());
                body.asObject();
                return body;
            } catch (JsonShapeException e) {
                throw new Failed(operation + " answered in an unexpected shape: " + e.getMessage(), Optional.empty(), e);
            }
        }
        Optional<String> error = answer.errorType().or(() -> bodyType(answer.body()));
        String reason = operation + " answered " + error.orElse("HTTP " + answer.status());
        if (answer.status() >= 500 || error.filter(RETRYABLE::contains).isPresent()) {
            throw new Retryable(reason, error, null);
        }
        throw new Failed(reason, error, null);
    }

    /** JSON 1.1 errors also name themselves in the body's {@code __type}, possibly after a namespace and {@code #}. */
    private Optional<String> bodyType(String body) {
        try {
            return JsonField.parse(operation, body).get("__type").stringIfPresent()
                    .map(type -> type.substring(type.lastIndexOf('#') + 1));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
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
