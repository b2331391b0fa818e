package io.kmstagenforcer.event;

import io.kmstagenforcer.policy.KeyAttributes;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A successful KMS call that made or changed a key, reduced to what enforcement needs: the key (in
 * the region where it lives, which for a replica is not the region of the event), what the event
 * says of it, and who made the call.
 *
 * <p>CreateKey and ReplicateKey {@linkplain #createsKey() create} the key: their record is the only
 * place that says who created it. TagResource and UntagResource change an existing key's tags (drift):
 * the key is re-evaluated, but its caller is whoever edited the tags, not its creator.
 *
 * @param keyCreated the key's {@code creationDate} as the record gives it (creation records only)
 * @param replica    the key is a multi-Region replica: its ReplicateKey record, or the CreateKey
 *                   record of the same replication in the replica's own region
 * @param requestedTags the tags the call itself set ({@code requestParameters.tags}): the creating call's
 *                   creation tags, or a TagResource's new values; empty for UntagResource
 * @param attributes the key's spec, usage, origin and multi-Region flag as the creation record gives them (none for a tag change)
 */
public record KeyEvent(
        KeyArn key,
        String eventName,
        Optional<String> eventId,
        Optional<String> eventTime,
        Optional<String> keyManager,
        Optional<String> keyState,
        UserIdentity caller,
        Optional<Instant> keyCreated,
        boolean replica,
        Map<String, String> requestedTags,
        KeyAttributes attributes) {

    static final Set<String> CREATING_CALLS = Set.of("CreateKey", "ReplicateKey");
    static final Set<String> TAGGING_CALLS = Set.of("TagResource", "UntagResource");

    public KeyEvent {
        requestedTags = Collections.unmodifiableMap(new LinkedHashMap<>(requestedTags));
    }

    /** An event whose record says nothing of the key's attributes. */
    public KeyEvent(KeyArn key, String eventName, Optional<String> eventId, Optional<String> eventTime, Optional<String> keyManager,
            Optional<String> keyState, UserIdentity caller, Optional<Instant> keyCreated, boolean replica, Map<String, String> requestedTags) {
        this(key, eventName, eventId, eventTime, keyManager, keyState, caller, keyCreated, replica, requestedTags, KeyAttributes.NONE);
    }

    public boolean createsKey() {
        return CREATING_CALLS.contains(eventName);
    }
}
