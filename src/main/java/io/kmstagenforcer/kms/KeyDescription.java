package io.kmstagenforcer.kms;

import java.util.Optional;

/** What DescribeKey says about who manages a key and what state it is in. */
public record KeyDescription(Optional<String> keyManager, Optional<String> keyState) {
}
