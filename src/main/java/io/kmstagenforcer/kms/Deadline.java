package io.kmstagenforcer.kms;

import java.time.Duration;

/**
 * How much time the current invocation has left ({@code Context.getRemainingTimeInMillis()}).
 * KMS calls are bounded by it and waits stop short of it, so that an invocation ends with a
 * classified result, never with Lambda's timeout.
 */
@FunctionalInterface
public interface Deadline {
    /** No limit: a run from a laptop, a test without a Lambda context. */
    Deadline NONE = () -> Duration.ofDays(365);

    Duration remaining();
}
