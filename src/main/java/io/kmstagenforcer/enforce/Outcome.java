package io.kmstagenforcer.enforce;

/** How one event ended. */
public enum Outcome {
    /** The key's tags already satisfied the policy; nothing was written. */
    COMPLIANT,
    /** The plan was written to KMS. Violations the policy gives no fix for may remain. */
    REMEDIATED,
    /** Report mode: changes are needed and were logged, not written. */
    REPORTED,
    /** Enforce mode: the key breaks the policy, but the policy gives no value to write. */
    NONCOMPLIANT,
    /** Nothing to do for this event (failed call, other API, AWS managed key, exempt key...). */
    IGNORED,
    /** The input is not a usable event. Never retried. */
    REJECTED,
    /** KMS refused in a way retrying cannot change (access denied, invalid state, invalid tag). */
    FAILED,
    /** KMS could not be reached or was not ready; the invocation fails so that Lambda retries it. */
    RETRYING
}
