package io.kmstagenforcer.integration;

import io.kmstagenforcer.aws.SignedCall;
import io.kmstagenforcer.json.JsonField;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;

/**
 * Sets up and reads back, on moto, what the function's results go to: an EventBridge rule that
 * delivers to an SQS queue (to see the events sent), and Security Hub's findings. Through the
 * function's own {@link SignedCall} (the tests have no EventBridge, SQS or Security Hub SDK module
 * either); its calls are never counted.
 */
final class MotoServices implements AutoCloseable {
    private final URI endpoint;
    private final SdkHttpClient http = UrlConnectionHttpClient.builder().build();

    MotoServices(URI endpoint) {
        this.endpoint = endpoint;
    }

    /**
     * A queue that receives every event of {@code pattern} put on {@code bus} (moto delivers a
     * matching PutEvents entry to an SQS target at once); returns the queue's URL.
     */
    String queueForEvents(String bus, String pattern, String name) {
        String queueUrl = json("sqs", "AmazonSQS.CreateQueue", "1.0", "{\"QueueName\":\"" + name + "\"}").get("QueueUrl").requiredString();
        String queueArn = "arn:aws:sqs:" + MotoKeys.HOME_REGION + ":" + MotoKeys.ACCOUNT + ":" + name;
        if (!bus.equals("default")) {
            json("events", "AWSEvents.CreateEventBus", "1.1", "{\"Name\":\"" + bus + "\"}");
        }
        json("events", "AWSEvents.PutRule", "1.1", "{\"Name\":\"" + name + "\",\"EventBusName\":\"" + bus + "\",\"EventPattern\":"
                + quoted(pattern) + "}");
        json("events", "AWSEvents.PutTargets", "1.1", "{\"Rule\":\"" + name + "\",\"EventBusName\":\"" + bus
                + "\",\"Targets\":[{\"Id\":\"queue\",\"Arn\":\"" + queueArn + "\"}]}");
        return queueUrl;
    }

    /** Every message the queue holds, each the event EventBridge delivered, parsed. */
    List<JsonField> receiveAll(String queueUrl) {
        List<JsonField> events = new ArrayList<>();
        while (true) {
            List<JsonField> messages = json("sqs", "AmazonSQS.ReceiveMessage", "1.0", "{\"QueueUrl\":\"" + queueUrl
                    + "\",\"MaxNumberOfMessages\":10,\"VisibilityTimeout\":300}").get("Messages").elements();
            if (messages.isEmpty()) {
                return events;
            }
            messages.forEach(message -> events.add(JsonField.parse("message", message.get("Body").requiredString())));
        }
    }

    /** The Security Hub findings of the account whose {@code credentials} are given, in {@code region}. */
    List<JsonField> findings(AwsCredentialsProvider credentials, String region) {
        SignedCall.Answer answer = post(new SignedCall("securityhub", region, endpoint, http, credentials), "/findings",
                Map.of("Content-Type", "application/json"), "{\"MaxResults\":100}");
        return JsonField.parse("GetFindings", answer.body()).get("Findings").elements();
    }

    /** Every finding of that account and region, page by page. */
    List<JsonField> allFindings(AwsCredentialsProvider credentials, String region) {
        List<JsonField> all = new ArrayList<>();
        String token = null;
        do {
            SignedCall.Answer answer = post(new SignedCall("securityhub", region, endpoint, http, credentials), "/findings",
                    Map.of("Content-Type", "application/json"),
                    "{\"MaxResults\":100" + (token == null ? "" : ",\"NextToken\":\"" + token + "\"") + "}");
            JsonField page = JsonField.parse("GetFindings", answer.body());
            all.addAll(page.get("Findings").elements());
            token = page.get("NextToken").stringIfPresent().filter(next -> !next.isEmpty()).orElse(null);
        } while (token != null);
        return all;
    }

    private JsonField json(String service, String target, String version, String body) {
        SignedCall call = new SignedCall(service, MotoKeys.HOME_REGION, endpoint, http, RecordingKmsClients.TEST_CREDENTIALS);
        SignedCall.Answer answer = post(call, "/", Map.of("X-Amz-Target", target, "Content-Type", "application/x-amz-json-" + version), body);
        return JsonField.parse(target, answer.body());
    }

    private static SignedCall.Answer post(SignedCall call, String path, Map<String, String> headers, String body) {
        try {
            SignedCall.Answer answer = call.post(path, headers, body.getBytes(StandardCharsets.UTF_8));
            if (answer.status() != 200) {
                throw new AssertionError(path + " " + headers + " answered " + answer.status() + ": " + answer.shortBody());
            }
            return answer;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String quoted(String json) {
        return "\"" + json.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    @Override
    public void close() {
        http.close();
    }
}
