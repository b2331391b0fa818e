package io.kmstagenforcer.kms;

import java.time.Instant;
import java.util.Optional;

/** What DescribeKey says about who manages a key, what state it is in, and when it was created. */
public record KeyDescription(Optional<String> keyManager, Optional<String> keyState, Optional<Instant> creationDate) {
}
