package io.kmstagenforcer.kms;

import java.time.Duration;

/**
 * Called before every TagResource and UntagResource, and told how KMS took each. The sweep paces its
 * writes through it: KMS's write quotas are per account and region and shared with every other caller.
 */
@FunctionalInterface
public interface WriteGate {
    /** Events write at once: one key, at most two writes. */
    WriteGate OPEN = () -> { };

    /** Waits, if need be, until the next write may go, and takes its slot. */
    void beforeWrite();

    /**
     * Waits until the next write may go without taking its slot: what is done between this and
     * {@link #beforeWrite()} (reading the key again) is not paced, and the slot is counted from the write.
     */
    default void awaitSlot() {
    }

    /** How long {@link #beforeWrite()} would wait if called now: a write that would go after the deadline is not begun. */
    default Duration nextWait() {
        return Duration.ZERO;
    }

    /** KMS took the write (after any retries of the SDK's own). */
    default void accepted() {
    }

    /** KMS throttled the write on every one of the SDK's attempts: the write quota is being used up. */
    default void throttled() {
    }
}
