package io.kmstagenforcer.event;

import io.kmstagenforcer.json.JsonField;
import io.kmstagenforcer.json.JsonShapeException;
import io.kmstagenforcer.policy.KeyAttributes;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Turns the raw bytes Lambda delivers into an {@link Interpretation}. Pure: no I/O, no clock.
 *
 * <p>Checks run from the outside in, so that an event meant for someone else is ignored before
 * its inner shape is judged, and a KMS event with a broken shape is rejected with the path of the
 * first field that is wrong.
 */
public final class EventInterpreter {
    static final String KMS_SOURCE = "aws.kms";
    static final String KMS_EVENT_SOURCE = "kms.amazonaws.com";
    static final String API_CALL_DETAIL_TYPE = "AWS API Call via CloudTrail";
    static final String KEY_RESOURCE_TYPE = "AWS::KMS::Key";
    /** The most of an input value a reason quotes. */
    private static final int MAX_QUOTED = 100;

    /** Where each key-creating API puts the metadata of the key it made. */
    private static final Map<String, String> KEY_METADATA_FIELD = Map.of(
            "CreateKey", "keyMetadata",
            "ReplicateKey", "replicaKeyMetadata");

    private final EnforcerIdentity enforcer;

    /** An interpreter for which no caller is the enforcer itself (tests, the simulator). */
    public EventInterpreter() {
        this(EnforcerIdentity.NONE);
    }

    /** @param enforcer the enforcer's own identity: tag changes it made are ignored */
    public EventInterpreter(EnforcerIdentity enforcer) {
        this.enforcer = enforcer;
    }

    public Interpretation interpret(byte[] eventBytes) {
        JsonField event;
        try {
            event = JsonField.parse("event", eventBytes);
            event.asObject();
        } catch (JsonShapeException e) {
            return new Interpretation.Reject(e.getMessage(), Optional.empty());
        }
        Optional<String> source;
        Optional<String> detailType;
        try {
            // Routing fields of another type are a broken event, not an absent field: never enforce on them.
            source = event.get("source").optionalString();
            detailType = event.get("detail-type").optionalString();
        } catch (JsonShapeException e) {
            return new Interpretation.Reject(e.getMessage(), Optional.empty());
        }
        if (source.isPresent() && !KMS_SOURCE.equals(source.get())) {
            return ignore("source is " + abbreviated(source.get()) + ", not " + KMS_SOURCE, Optional.empty());
        }
        if (detailType.isPresent() && !API_CALL_DETAIL_TYPE.equals(detailType.get())) {
            return ignore("detail-type is '" + abbreviated(detailType.get()) + "', not '" + API_CALL_DETAIL_TYPE + "'", Optional.empty());
        }
        JsonField detail = event.get("detail");
        Optional<String> eventId = detail.isObject() ? detail.get("eventID").stringIfPresent() : Optional.empty();
        Optional<String> eventSource;
        try {
            eventSource = detail.isObject() ? detail.get("eventSource").optionalString() : Optional.empty();
        } catch (JsonShapeException e) {
            return new Interpretation.Reject(e.getMessage(), eventId);
        }
        if (eventSource.isPresent() && !KMS_EVENT_SOURCE.equals(eventSource.get())) {
            return ignore("eventSource is " + abbreviated(eventSource.get()) + ", not " + KMS_EVENT_SOURCE, eventId);
        }
        ApiCallRecord call;
        try {
            call = ApiCallRecord.from(detail);
        } catch (JsonShapeException e) {
            return new Interpretation.Reject(e.getMessage(), detail.isObject() ? detail.get("eventID").stringIfPresent() : Optional.empty());
        }
        return interpret(call);
    }

    private Interpretation interpret(ApiCallRecord call) {
        Optional<String> eventId = call.eventId();
        boolean creates = KeyEvent.CREATING_CALLS.contains(call.eventName());
        if (!creates && !KeyEvent.TAGGING_CALLS.contains(call.eventName())) {
            return ignore(abbreviated(call.eventName()) + " neither creates a key nor changes its tags", eventId);
        }
        if (call.errorCode().isPresent()) {
            return ignore(call.eventName() + " failed with " + abbreviated(call.errorCode().get()) + ": "
                    + (creates ? "no key was made" : "no tag was changed"), eventId);
        }
        if (!creates && enforcer.made(call.userIdentity())) {
            return ignore(call.eventName() + " was made by the enforcer's own " + enforcer.describe(call.userIdentity())
                    + ": its own writes are never re-evaluated", eventId);
        }
        try {
            return creates ? interpretCreation(call) : interpretTagChange(call);
        } catch (JsonShapeException e) {
            return new Interpretation.Reject(e.getMessage(), eventId);
        }
    }

    private Interpretation interpretCreation(ApiCallRecord call) {
        JsonField metadata = call.responseElements().get(KEY_METADATA_FIELD.get(call.eventName()));
        metadata.asObject();
        KeyArn key = parseArn(metadata.get("arn"));
        // Read leniently: when the event does not say, DescribeKey will.
        Optional<String> keyManager = metadata.get("keyManager").stringIfPresent();
        Optional<String> keyState = metadata.get("keyState").stringIfPresent();
        Optional<KeyStates.Skip> skip = KeyStates.skip(keyManager, keyState);
        if (skip.isPresent()) {
            return ignore(skip.get().detail(), call.eventId(), key);
        }
        Optional<Instant> created = metadata.get("creationDate").stringIfPresent().flatMap(CloudTrailDates::parse);
        boolean replica = "ReplicateKey".equals(call.eventName()) || isReplica(key, metadata.get("multiRegionConfiguration"));
        return new Interpretation.Enforce(new KeyEvent(
                key, call.eventName(), call.eventId(), call.eventTime(), keyManager, keyState, call.userIdentity(), created, replica,
                requestedTags(call.requestParameters()), attributes(metadata)));
    }

    /**
     * What the record's key metadata says of the key's kind, for scopes that match on it: read
     * leniently (a field missing or of another type is unsaid, and DescribeKey will say it). Older
     * records name the key spec {@code customerMasterKeySpec}.
     */
    private static KeyAttributes attributes(JsonField metadata) {
        return new KeyAttributes(
                metadata.get("keySpec").stringIfPresent().or(() -> metadata.get("customerMasterKeySpec").stringIfPresent()),
                metadata.get("keyUsage").stringIfPresent(),
                metadata.get("origin").stringIfPresent(),
                metadata.get("multiRegion").booleanIfPresent());
    }

    /**
     * A replica says so in {@code multiRegionKeyType}; its primary is also another key than itself
     * (another region's), which holds even where the type is wrong (moto 5.2.1 calls replicas PRIMARY).
     */
    private static boolean isReplica(KeyArn key, JsonField multiRegionConfiguration) {
        if (!multiRegionConfiguration.isObject()) {
            return false;
        }
        boolean saysReplica = multiRegionConfiguration.get("multiRegionKeyType").stringIfPresent().filter("REPLICA"::equals).isPresent();
        JsonField primary = multiRegionConfiguration.get("primaryKey");
        Optional<String> primaryArn = primary.isObject() ? primary.get("arn").stringIfPresent() : Optional.empty();
        return saysReplica || primaryArn.filter(arn -> !arn.equals(key.toString())).isPresent();
    }

    /**
     * A tag change names its key in {@code resources} (with its full ARN), and in the request as the
     * caller passed it, which may be a bare key id: only an ARN says which region's key it is.
     */
    private Interpretation interpretTagChange(ApiCallRecord call) {
        KeyArn key = keyResourceArn(call.resources())
                .or(() -> arnIfKeyArn(call.requestParameters().get("keyId")))
                .or(() -> arnIfKeyArn(call.responseElements().get("keyId")))
                .orElseThrow(() -> new JsonShapeException(call.resources().path()
                        + " names no " + KEY_RESOURCE_TYPE + " ARN, and requestParameters.keyId is not a key ARN"));
        return new Interpretation.Enforce(new KeyEvent(key, call.eventName(), call.eventId(), call.eventTime(),
                Optional.empty(), Optional.empty(), call.userIdentity(), Optional.empty(), false, requestedTags(call.requestParameters())));
    }

    /**
     * {@code requestParameters.tags}, read leniently: an entry that is not an object with a string
     * {@code tagKey} and {@code tagValue} is left out (these values are a person's, to be respected or
     * reported; nothing is enforced from their absence).
     */
    private static Map<String, String> requestedTags(JsonField requestParameters) {
        Map<String, String> tags = new LinkedHashMap<>();
        JsonField list = requestParameters.isObject() ? requestParameters.get("tags") : null;
        if (list == null || !list.isArray()) {
            return tags;
        }
        for (JsonField tag : list.elements()) {
            Optional<String> key = tag.isObject() ? tag.get("tagKey").stringIfPresent() : Optional.empty();
            Optional<String> value = tag.isObject() ? tag.get("tagValue").stringIfPresent() : Optional.empty();
            if (key.isPresent() && value.isPresent()) {
                tags.put(key.get(), value.get());
            }
        }
        return tags;
    }

    private static Optional<KeyArn> keyResourceArn(JsonField resources) {
        if (!resources.isPresent()) {
            return Optional.empty();
        }
        for (JsonField resource : resources.elements()) {
            if (resource.isObject() && resource.get("type").stringIfPresent().filter(KEY_RESOURCE_TYPE::equals).isPresent()) {
                return Optional.of(parseArn(resource.get("ARN")));
            }
        }
        return Optional.empty();
    }

    private static Optional<KeyArn> arnIfKeyArn(JsonField field) {
        return field.stringIfPresent().flatMap(text -> {
            try {
                return Optional.of(KeyArn.parse(text));
            } catch (IllegalArgumentException e) {
                return Optional.empty();
            }
        });
    }

    private static KeyArn parseArn(JsonField arn) {
        String text = arn.requiredString();
        try {
            return KeyArn.parse(text);
        } catch (IllegalArgumentException e) {
            throw new JsonShapeException(arn.path() + ": " + e.getMessage());
        }
    }

    /** Input copied into a reason is cut short: a reason is for a person, and a hostile field may be huge. */
    private static String abbreviated(String text) {
        return text.length() <= MAX_QUOTED ? text : text.substring(0, MAX_QUOTED) + "...";
    }

    private static Interpretation ignore(String reason, Optional<String> eventId) {
        return new Interpretation.Ignore(reason, eventId, Optional.empty());
    }

    private static Interpretation ignore(String reason, Optional<String> eventId, KeyArn key) {
        return new Interpretation.Ignore(reason, eventId, Optional.of(key.toString()));
    }
}
