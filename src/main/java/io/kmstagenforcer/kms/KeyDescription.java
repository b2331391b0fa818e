package io.kmstagenforcer.kms;

import io.kmstagenforcer.policy.KeyAttributes;
import java.time.Instant;
import java.util.Optional;

/** What DescribeKey says about who manages a key, what state it is in, when it was created, and (for scopes) its kind. */
public record KeyDescription(Optional<String> keyManager, Optional<String> keyState, Optional<Instant> creationDate, KeyAttributes attributes) {
    /** A description that says nothing of the key's kind. */
    public KeyDescription(Optional<String> keyManager, Optional<String> keyState, Optional<Instant> creationDate) {
        this(keyManager, keyState, creationDate, KeyAttributes.NONE);
    }
}
