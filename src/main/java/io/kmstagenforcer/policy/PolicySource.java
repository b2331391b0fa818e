package io.kmstagenforcer.policy;

/** The policy to enforce the next key with: the local policy, or it merged with the organisation's required tags. */
@FunctionalInterface
public interface PolicySource {
    EffectivePolicy current();

    /** A new invocation begins: a source that failed in an earlier one may try again. */
    default void beginInvocation() {
    }

    static PolicySource fixed(TagPolicy policy) {
        EffectivePolicy effective = EffectivePolicy.local(policy);
        return () -> effective;
    }
}
