package io.kmstagenforcer.kms;

import java.time.Duration;

/**
 * Called before every TagResource and UntagResource. The sweep paces its writes through it: KMS's
 * write quotas are per account and region and shared with every other caller.
 */
@FunctionalInterface
public interface WriteGate {
    /** Events write at once: one key, at most two writes. */
    WriteGate OPEN = () -> { };

    /** Waits, if need be, until the next write may go. */
    void beforeWrite();

    /** How long {@link #beforeWrite()} would wait if called now: a write that would go after the deadline is not begun. */
    default Duration nextWait() {
        return Duration.ZERO;
    }
}
