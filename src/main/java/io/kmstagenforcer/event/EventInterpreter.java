package io.kmstagenforcer.event;

import io.kmstagenforcer.json.JsonField;
import io.kmstagenforcer.json.JsonShapeException;
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

    /** Where each handled API puts the metadata of the key it made. */
    private static final Map<String, String> KEY_METADATA_FIELD = Map.of(
            "CreateKey", "keyMetadata",
            "ReplicateKey", "replicaKeyMetadata");

    public Interpretation interpret(byte[] eventBytes) {
        JsonField event;
        try {
            event = JsonField.parse("event", eventBytes);
            event.asObject();
        } catch (JsonShapeException e) {
            return new Interpretation.Reject(e.getMessage(), Optional.empty());
        }
        Optional<String> source = event.get("source").stringIfPresent();
        if (source.isPresent() && !KMS_SOURCE.equals(source.get())) {
            return ignore("source is " + source.get() + ", not " + KMS_SOURCE, Optional.empty());
        }
        Optional<String> detailType = event.get("detail-type").stringIfPresent();
        if (detailType.isPresent() && !API_CALL_DETAIL_TYPE.equals(detailType.get())) {
            return ignore("detail-type is '" + detailType.get() + "', not '" + API_CALL_DETAIL_TYPE + "'", Optional.empty());
        }
        JsonField detail = event.get("detail");
        Optional<String> eventSource = detail.isObject() ? detail.get("eventSource").stringIfPresent() : Optional.empty();
        if (eventSource.isPresent() && !KMS_EVENT_SOURCE.equals(eventSource.get())) {
            return ignore("eventSource is " + eventSource.get() + ", not " + KMS_EVENT_SOURCE, detail.get("eventID").stringIfPresent());
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
        String metadataField = KEY_METADATA_FIELD.get(call.eventName());
        if (metadataField == null) {
            return ignore(call.eventName() + " does not create a key", eventId);
        }
        if (call.errorCode().isPresent()) {
            return ignore(call.eventName() + " failed with " + call.errorCode().get() + ": no key was made", eventId);
        }
        try {
            JsonField metadata = call.responseElements().get(metadataField);
            metadata.asObject();
            KeyArn key = parseArn(metadata.get("arn"));
            // Read leniently: when the event does not say, DescribeKey will.
            Optional<String> keyManager = metadata.get("keyManager").stringIfPresent();
            Optional<String> keyState = metadata.get("keyState").stringIfPresent();
            Optional<String> skip = KeyStates.reasonToSkip(keyManager, keyState);
            if (skip.isPresent()) {
                return ignore(skip.get(), eventId, key);
            }
            return new Interpretation.Enforce(new KeyEvent(
                    key, call.eventName(), eventId, call.eventTime(), keyManager, keyState, call.userIdentity()));
        } catch (JsonShapeException e) {
            return new Interpretation.Reject(e.getMessage(), eventId);
        }
    }

    private static KeyArn parseArn(JsonField arn) {
        String text = arn.requiredString();
        try {
            return KeyArn.parse(text);
        } catch (IllegalArgumentException e) {
            throw new JsonShapeException(arn.path() + ": " + e.getMessage());
        }
    }

    private static Interpretation ignore(String reason, Optional<String> eventId) {
        return new Interpretation.Ignore(reason, eventId, Optional.empty());
    }

    private static Interpretation ignore(String reason, Optional<String> eventId, KeyArn key) {
        return new Interpretation.Ignore(reason, eventId, Optional.of(key.toString()));
    }
}
