package io.kmstagenforcer.policy;

/** The tag policy is invalid; the message names the offending field. */
public final class PolicyException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public PolicyException(String message) {
        super(message);
    }
}
