package io.kmstagenforcer.kms;

import java.time.Duration;

/** A KMS call that failed, classified by what retrying it could achieve. */
public final class KmsCallException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** What a failure means for the event. */
    public enum Kind {
        /** The key is not visible (yet): right after creation KMS is eventually consistent. */
        NOT_FOUND,
        /** Throttling, KMS internal errors, 5xx, I/O: the same call may succeed later. */
        RETRYABLE,
        /** Access denied, invalid state, invalid tag, limits: retrying gives the same answer. */
        TERMINAL
    }

    /** The error code of a call not sent because the function's timeout was near. */
    public static final String DEADLINE_NEAR = "FunctionTimeoutNear";

    private final String operation;
    private final String errorCode;
    private final Kind kind;
    private final boolean throttling;

    private final String reason;

    public KmsCallException(String operation, String errorCode, Kind kind, Throwable cause) {
        this(operation, errorCode, kind, false, cause);
    }

    /** @param throttling the service said to slow down (only {@link KmsKeys} can tell, from the SDK's own classification) */
    KmsCallException(String operation, String errorCode, Kind kind, boolean throttling, Throwable cause) {
        this(operation, errorCode, kind, throttling, operation + " answered " + errorCode, cause);
    }

    private KmsCallException(String operation, String errorCode, Kind kind, boolean throttling, String reason, Throwable cause) {
        super(operation + " failed: " + errorCode, cause);
        this.operation = operation;
        this.errorCode = errorCode;
        this.kind = kind;
        this.throttling = throttling;
        this.reason = reason;
    }

    /** A call not sent because the invocation is about to time out: retryable, by Lambda. */
    public static KmsCallException notSent(String operation, Duration left) {
        return new KmsCallException(operation, DEADLINE_NEAR, Kind.RETRYABLE, false,
                operation + " not sent: " + left.toMillis() + " ms were left before the function's timeout", null);
    }

    /** The same failure, with more said about it. */
    public KmsCallException withReason(String newReason) {
        return new KmsCallException(operation, errorCode, kind, throttling, newReason, getCause());
    }

    /** What happened, for a result's reason: "TagResource answered ThrottlingException". */
    public String reason() {
        return reason;
    }

    public String operation() {
        return operation;
    }

    public String errorCode() {
        return errorCode;
    }

    public Kind kind() {
        return kind;
    }

    /**
     * The service throttled the call (always {@link Kind#RETRYABLE}): as the SDK classifies it (HTTP 429, or
     * one of its throttling error codes), so that a code KMS or STS renames or adds is known all the same.
     */
    public boolean isThrottling() {
        return throttling;
    }
}
