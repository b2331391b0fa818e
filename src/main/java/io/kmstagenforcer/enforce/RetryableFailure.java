package io.kmstagenforcer.enforce;

/**
 * KMS could not complete the work now but may later. Thrown out of the handler on purpose: the
 * invocation fails, Lambda retries the event, and the on-failure destination keeps what still fails.
 */
public final class RetryableFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient EnforcementResult result;

    RetryableFailure(EnforcementResult result, Throwable cause) {
        super(result.reason().orElse("retryable KMS failure"), cause);
        this.result = result;
    }

    /** What had been done before the failure, with outcome {@link Outcome#RETRYING}. */
    public EnforcementResult result() {
        return result;
    }
}
