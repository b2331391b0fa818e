package io.kmstagenforcer.org;

import io.kmstagenforcer.kms.Deadline;

import io.kmstagenforcer.aws.SignedCall;
import io.kmstagenforcer.json.JsonField;
import io.kmstagenforcer.json.JsonObjectWriter;
import io.kmstagenforcer.json.JsonShapeException;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The Resource Groups Tagging API's {@code ListRequiredTags}, made with {@link SignedCall} (the
 * SDK's resourcegroupstaggingapi module is not worth adding for one call).
 *
 * <p>The call as documented (Resource Groups Tagging API Reference, "ListRequiredTags" and
 * "RequiredTag"; the boto3 reference of {@code list_required_tags} agrees): AWS JSON 1.1, a POST to
 * {@code /} of {@code https://tagging.<region>.<partition domain>} (the API Reference's samples send
 * {@code Host: tagging.us-east-1.amazonaws.com}) with {@code X-Amz-Target:
 * ResourceGroupsTaggingAPI_20170126.ListRequiredTags}, signed for {@code tagging}. The request is
 * {@code {"MaxResults": 1..200, "NextToken": "..."}} (both optional; pass back the NextToken of the
 * answer until it comes back null); the answer is {@code {"RequiredTags": [{"ResourceType": "...",
 * "CloudFormationResourceTypes": ["..."], "ReportingTagKeys": ["..."]}], "NextToken": "..."}}, where
 * ReportingTagKeys are "the tag keys marked as required in the report_required_tag_for block of the
 * effective tag policy". Tag policies name resource types as {@code service:type}; KMS keys are
 * {@code kms:key}. IAM: {@code tag:ListRequiredTags}, which has no resource-level permissions.
 * Errors (the service's own): InvalidParameterException, ThrottledException,
 * InternalServiceException, and the common AccessDeniedException.
 */
public final class ListRequiredTags implements RequiredTagsSource {
    static final String OPERATION = "ListRequiredTags";
    static final String TARGET = "ResourceGroupsTaggingAPI_20170126." + OPERATION;
    static final String SIGNING_NAME = "tagging";
    static final String KMS_KEY = "kms:key";
    /** The API's largest page: one call for any likely policy. */
    static final int MAX_RESULTS = 200;
    /**
     * The longest one page can take: two tries, each up to the HTTP client's 2 s to connect and 5 s
     * to read, the backoff between them, and a second for the invocation to answer afterwards.
     */
    static final Duration LONGEST_PAGE = Duration.ofSeconds(16);
    /** Far more pages than any tag policy has resource types for: beyond that, a broken NextToken. */
    private static final int MAX_PAGES = 50;
    /** Errors a second try may mend: the service's throttling and internal errors, and any 5xx. */
    private static final Set<String> RETRYABLE = Set.of("ThrottledException", "ThrottlingException", "InternalServiceException",
            "ServiceUnavailableException", "InternalFailure");
    /** The one retry's wait: short, for the call runs inside an event's invocation. */
    static final Duration RETRY_BACKOFF = Duration.ofMillis(200);

    /** Waits between the try and the retry; {@code Thread::sleep} in Lambda. */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(Duration duration) throws InterruptedException;
    }

    private final SignedCall call;
    private final Sleeper sleeper;

    public ListRequiredTags(SignedCall call, Sleeper sleeper) {
        this.call = call;
        this.sleeper = sleeper;
    }

    /** As the function builds its other clients: in its own region, the endpoint from {@code AWS_ENDPOINT_URL_RESOURCE_GROUPS_TAGGING_API} or {@code AWS_ENDPOINT_URL}. */
    public static ListRequiredTags inRegion(String region, Map<String, String> environment) {
        return new ListRequiredTags(SignedCall.inRegion(SIGNING_NAME, region, endpoint(region, environment)),
                duration -> Thread.sleep(duration.toMillis()));
    }

    static URI endpoint(String region, Map<String, String> environment) {
        return SignedCall.endpoint("RESOURCE_GROUPS_TAGGING_API", "tagging", region, environment);
    }

    @Override
    public List<String> kmsKeyTagKeys(Deadline deadline) {
        Set<String> keys = new LinkedHashSet<>();
        Optional<String> token = Optional.empty();
        for (int page = 0; page < MAX_PAGES; page++) {
            Duration left = deadline.remaining();
            if (left.compareTo(LONGEST_PAGE) < 0) {
                // The HTTP client's timeouts, not the deadline, bound one page: do not start one that may not fit.
                throw new RequiredTagsUnavailable(OPERATION + " not sent: " + left.toMillis()
                        + " ms were left before the function's timeout", null);
            }
            JsonField answer = pageWithOneRetry(token);
            try {
                keys.addAll(kmsKeys(answer));
                token = answer.get("NextToken").optionalString().filter(next -> !next.isEmpty());
            } catch (JsonShapeException e) {
                throw new RequiredTagsUnavailable(OPERATION + " answered in an unexpected shape: " + e.getMessage(), e);
            }
            if (token.isEmpty()) {
                return List.copyOf(keys);
            }
        }
        throw new RequiredTagsUnavailable(OPERATION + " answered more than " + MAX_PAGES + " pages", null);
    }

    private JsonField pageWithOneRetry(Optional<String> token) {
        try {
            return page(token);
        } catch (Retryable first) {
            try {
                sleeper.sleep(RETRY_BACKOFF);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RequiredTagsUnavailable(first.getMessage(), e);
            }
            try {
                return page(token);
            } catch (Retryable second) {
                throw new RequiredTagsUnavailable(second.getMessage() + " (twice)", second);
            }
        }
    }

    private JsonField page(Optional<String> token) {
        JsonObjectWriter request = new JsonObjectWriter().number("MaxResults", MAX_RESULTS);
        token.ifPresent(next -> request.string("NextToken", next));
        SignedCall.Answer answer;
        try {
            answer = call.post("/", Map.of("X-Amz-Target", TARGET, "Content-Type", "application/x-amz-json-1.1"), request.toBytes());
        } catch (IOException | RuntimeException e) {
            throw new Retryable(OPERATION + " could not be sent (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")", e);
        }
        if (answer.status() == 200) {
            try {
                JsonField body = JsonField.parse(OPERATION, answer.body());
                body.asObject();
                return body;
            } catch (JsonShapeException e) {
                throw new RequiredTagsUnavailable(OPERATION + " answered in an unexpected shape: " + e.getMessage(), e);
            }
        }
        String error = answer.errorType().or(() -> bodyType(answer.body())).orElse("HTTP " + answer.status());
        String reason = OPERATION + " answered " + error;
        if (answer.status() >= 500 || RETRYABLE.contains(error)) {
            throw new Retryable(reason, null);
        }
        throw new RequiredTagsUnavailable(reason, null);
    }

    /** JSON 1.1 errors also name themselves in the body's {@code __type}, possibly after a namespace and {@code #}. */
    private static Optional<String> bodyType(String body) {
        try {
            return JsonField.parse(OPERATION, body).get("__type").stringIfPresent()
                    .map(type -> type.substring(type.lastIndexOf('#') + 1));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    /** A failure one more try may mend. */
    private static final class Retryable extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Retryable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The keys one page names for {@code kms:key}; every other resource type's are not ours. */
    private static List<String> kmsKeys(JsonField answer) {
        List<String> keys = new ArrayList<>();
        for (JsonField requiredTag : answer.get("RequiredTags").elements()) {
            if (requiredTag.get("ResourceType").stringIfPresent().filter(KMS_KEY::equals).isPresent()) {
                requiredTag.get("ReportingTagKeys").elements().forEach(key -> keys.add(key.requiredString()));
            }
        }
        return keys;
    }
}
