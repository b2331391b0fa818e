package io.kmstagenforcer.kms;

/**
 * Called before every TagResource and UntagResource. The sweep paces its writes through it: KMS's
 * write quotas are per account and region and shared with every other caller.
 */
@FunctionalInterface
public interface WriteGate {
    /** Events write at once: one key, at most two writes. */
    WriteGate OPEN = () -> { };

    void beforeWrite();
}
