package io.kmstagenforcer.kms;

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

    private final String operation;
    private final String errorCode;
    private final Kind kind;

    public KmsCallException(String operation, String errorCode, Kind kind, Throwable cause) {
        super(operation + " failed: " + errorCode, cause);
        this.operation = operation;
        this.errorCode = errorCode;
        this.kind = kind;
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
}
