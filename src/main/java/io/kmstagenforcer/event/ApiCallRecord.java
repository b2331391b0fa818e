package io.kmstagenforcer.event;

import io.kmstagenforcer.json.JsonField;
import java.util.Optional;

/**
 * The CloudTrail record in an EventBridge "AWS API Call via CloudTrail" event ({@code detail}),
 * typed for the fields the enforcer reads (the region always comes from the key's ARN, never
 * from {@code awsRegion}, which for ReplicateKey names the primary's region). The request, the
 * response and the resources are kept as JSON because their shape depends on the API that was called.
 */
public record ApiCallRecord(
        String eventName,
        Optional<String> eventId,
        Optional<String> eventTime,
        Optional<String> errorCode,
        UserIdentity userIdentity,
        JsonField requestParameters,
        JsonField responseElements,
        JsonField resources) {

    /** Reads the record; a field the enforcer depends on with the wrong type is a shape error. */
    static ApiCallRecord from(JsonField detail) {
        detail.asObject();
        JsonField errorCode = detail.get("errorCode");
        return new ApiCallRecord(
                detail.get("eventName").requiredString(),
                detail.get("eventID").stringIfPresent(),
                detail.get("eventTime").stringIfPresent(),
                // Any errorCode, whatever its type, marks a failed call.
                errorCode.isPresent() ? Optional.of(errorCode.stringIfPresent().orElse("(non-string errorCode)")) : Optional.empty(),
                UserIdentity.from(detail.get("userIdentity")),
                detail.get("requestParameters"),
                detail.get("responseElements"),
                detail.get("resources"));
    }
}
