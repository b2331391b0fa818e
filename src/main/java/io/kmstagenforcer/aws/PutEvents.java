package io.kmstagenforcer.aws;

import io.kmstagenforcer.json.JsonField;
import io.kmstagenforcer.json.JsonObjectWriter;
import io.kmstagenforcer.json.JsonShapeException;
import io.kmstagenforcer.kms.LambdaKmsClients;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;

/**
 * EventBridge's {@code PutEvents}, made with {@link SignedCall} (the SDK's eventbridge module is not
 * worth adding for one call): AWS JSON 1.1, a POST to {@code /} of {@code events.<region>...} with
 * {@code X-Amz-Target: AWSEvents.PutEvents}, signed for {@code events}. At most 10 entries and 256 KB
 * a call (EventBridge API Reference, "PutEvents"); a partial failure is not an error but an answer
 * {@code {"FailedEntryCount": n, "Entries": [{"EventId": ...} | {"ErrorCode": ..., "ErrorMessage": ...}]}}
 * whose entries are in the order sent. IAM: {@code events:PutEvents} on the bus.
 */
public final class PutEvents implements BatchSend.Call<PutEvents.Entry> {
    static final String TARGET = "AWSEvents.PutEvents";
    static final String SIGNING_NAME = "events";
    /** The API's largest batch. */
    public static final int MAX_ENTRIES = 10;
    /** The API's largest request, counted as EventBridge counts it (see {@link Entry#size}). */
    public static final int MAX_BYTES = 256 * 1024;
    /** Entry error codes another attempt may mend (the others, such as a malformed detail, would fail again). */
    private static final List<String> RETRYABLE = List.of("ThrottlingException", "InternalFailure", "InternalException",
            "ServiceUnavailableException");

    /** One event: {@code detail} is a JSON object's text; {@code resources} ARNs it is about. */
    public record Entry(String source, String detailType, String detail, List<String> resources) {
        /**
         * Its size as EventBridge counts it ("Calculating PutEvents event entry size"): the UTF-8 bytes
         * of Source, DetailType, Detail and each resource, plus 14 for the Time sent.
         */
        public int size() {
            int size = 14 + utf8(source) + utf8(detailType) + utf8(detail);
            for (String resource : resources) {
                size += utf8(resource);
            }
            return size;
        }

        private static int utf8(String text) {
            return text.getBytes(StandardCharsets.UTF_8).length;
        }
    }

    private final SignedCall call;
    private final String eventBusName;

    /** @param eventBusName the bus's name or ARN; {@code default} for the account's default bus */
    public PutEvents(SignedCall call, String eventBusName) {
        this.call = call;
        this.eventBusName = eventBusName;
    }

    /**
     * In the function's region, signed with {@code credentials}, the endpoint from
     * {@code AWS_ENDPOINT_URL_EVENTS} or {@code AWS_ENDPOINT_URL}.
     */
    public static PutEvents inRegion(String region, String eventBusName, Map<String, String> environment,
            AwsCredentialsProvider credentials) {
        return new PutEvents(new SignedCall(SIGNING_NAME, region, endpoint(region, environment), LambdaKmsClients.httpClient(),
                credentials), eventBusName);
    }

    static URI endpoint(String region, Map<String, String> environment) {
        return SignedCall.endpoint("EVENTS", "events", region, environment);
    }

    @Override
    public List<BatchSend.Failed<Entry>> send(List<Entry> batch) throws BatchSend.Unsent {
        JsonObjectWriter request = new JsonObjectWriter().objects("Entries", batch, (json, entry) -> json
                .string("Source", entry.source())
                .string("DetailType", entry.detailType())
                .string("Detail", entry.detail())
                .strings("Resources", entry.resources())
                .string("EventBusName", eventBusName));
        SignedCall.Answer answer = BatchSend.accepted(call, "PutEvents", "/",
                Map.of("X-Amz-Target", TARGET, "Content-Type", "application/x-amz-json-1.1"), request.toBytes());
        try {
            JsonField body = JsonField.parse("PutEvents", answer.body());
            if (body.get("FailedEntryCount").optionalLong().orElse(0L) == 0) {
                return List.of();
            }
            List<JsonField> entries = body.get("Entries").elements();
            List<BatchSend.Failed<Entry>> failed = new ArrayList<>();
            for (int i = 0; i < batch.size(); i++) {
                JsonField result = i < entries.size() ? entries.get(i) : null;
                String code = result == null ? "no answer for the entry" : result.get("ErrorCode").stringIfPresent().orElse(null);
                if (code != null) {
                    String message = result == null ? "" : result.get("ErrorMessage").stringIfPresent().map(text -> ": " + text).orElse("");
                    failed.add(new BatchSend.Failed<>(batch.get(i), "PutEvents entry " + code + message, RETRYABLE.contains(code)));
                }
            }
            return failed;
        } catch (JsonShapeException e) {
            throw new BatchSend.Unsent("PutEvents answered in an unexpected shape: " + e.getMessage(), false, e);
        }
    }
}
