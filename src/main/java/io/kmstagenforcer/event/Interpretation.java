package io.kmstagenforcer.event;

import java.util.Optional;

/** What an incoming event asks of the enforcer. */
public sealed interface Interpretation {

    /** A new customer managed key (or one whose manager KMS must be asked about) to enforce. */
    record Enforce(KeyEvent event) implements Interpretation {
    }

    /** A well-formed event that needs no enforcement; nothing is sent to KMS. */
    record Ignore(String reason, Optional<String> eventId, Optional<String> keyArn) implements Interpretation {
    }

    /** Input that is not a usable event. Retrying cannot help, so it is never retried. */
    record Reject(String reason, Optional<String> eventId) implements Interpretation {
    }
}
