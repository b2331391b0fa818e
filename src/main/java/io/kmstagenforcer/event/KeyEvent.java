package io.kmstagenforcer.event;

import java.util.Optional;

/**
 * A successful CreateKey or ReplicateKey call, reduced to what enforcement needs: the key (in the
 * region where it lives, which for a replica is not the region of the event), what the event
 * says of it, and who made the call.
 */
public record KeyEvent(
        KeyArn key,
        String eventName,
        Optional<String> eventId,
        Optional<String> eventTime,
        Optional<String> keyManager,
        Optional<String> keyState,
        UserIdentity caller) {
}
