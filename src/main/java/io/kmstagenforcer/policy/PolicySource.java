package io.kmstagenforcer.policy;

import io.kmstagenforcer.kms.Deadline;

/** The policy to enforce a key with: the local policy, or it joined with the key's account's Organizations tag policy. */
@FunctionalInterface
public interface PolicySource {
    /** The policy for a key of {@code account}; what must be read for it is read only if it fits before {@code deadline}. */
    EffectivePolicy current(String account, Deadline deadline);

    /** A new invocation begins: a source that failed in an earlier one may try again. */
    default void beginInvocation() {
    }

    static PolicySource fixed(TagPolicy policy) {
        EffectivePolicy effective = EffectivePolicy.local(policy);
        return (account, deadline) -> effective;
    }
}
