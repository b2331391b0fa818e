package io.kmstagenforcer.policy;

import io.kmstagenforcer.kms.Deadline;

/** The policy to enforce the next key with: the local policy, or it merged with the organisation's required tags. */
@FunctionalInterface
public interface PolicySource {
    /** The policy for the next key; what must be read for it is read only if it fits before {@code deadline}. */
    EffectivePolicy current(Deadline deadline);

    default EffectivePolicy current() {
        return current(Deadline.NONE);
    }

    /** A new invocation begins: a source that failed in an earlier one may try again. */
    default void beginInvocation() {
    }

    static PolicySource fixed(TagPolicy policy) {
        EffectivePolicy effective = EffectivePolicy.local(policy);
        return deadline -> effective;
    }
}
