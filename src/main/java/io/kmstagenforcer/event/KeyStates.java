package io.kmstagenforcer.event;

import java.util.Optional;
import java.util.Set;

/** What the key manager and key state reported by KMS mean for enforcement. */
public final class KeyStates {
    /** States in which KMS refuses TagResource/UntagResource with KMSInvalidStateException. */
    private static final Set<String> PENDING_DELETION = Set.of("PendingDeletion", "PendingReplicaDeletion");

    /** A key that must be left alone, and the words for why. */
    public record Skip(SkipReason reason, String detail) {
    }

    private KeyStates() {
    }

    /** Why a key in this condition must be left alone, or empty when it can be enforced. */
    public static Optional<Skip> skip(Optional<String> keyManager, Optional<String> keyState) {
        if (keyManager.filter("AWS"::equals).isPresent()) {
            return Optional.of(new Skip(SkipReason.AWS_MANAGED, "AWS managed key: only customer managed keys can be tagged"));
        }
        return keyState.filter(PENDING_DELETION::contains)
                .map(state -> new Skip(SkipReason.PENDING_DELETION, "key is " + state + ": KMS refuses tag changes"));
    }
}
