package io.kmstagenforcer.org;

import io.kmstagenforcer.aws.JsonOperation;
import io.kmstagenforcer.aws.SignedCall;
import io.kmstagenforcer.aws.Sleeper;
import io.kmstagenforcer.json.JsonField;
import io.kmstagenforcer.json.JsonObjectWriter;
import io.kmstagenforcer.json.JsonShapeException;
import io.kmstagenforcer.kms.Deadline;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The Resource Groups Tagging API's {@code ListRequiredTags}, made with {@link JsonOperation} (the SDK's
 * resourcegroupstaggingapi module is not worth adding for one call).
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
 * effective tag policy" of the calling account. Tag policies name resource types as {@code service:type}; KMS
 * keys are {@code kms:key} (matched in any case: no published answer shows the exact spelling). IAM:
 * {@code tag:ListRequiredTags}, which has no resource-level permissions. Errors (the service's own):
 * InvalidParameterException, ThrottledException, InternalServiceException, and the common AccessDeniedException.
 */
public final class ListRequiredTags {
    static final String OPERATION = "ListRequiredTags";
    static final String TARGET = "ResourceGroupsTaggingAPI_20170126." + OPERATION;
    public static final String SIGNING_NAME = "tagging";
    /** The suffix of its endpoint variable, {@code AWS_ENDPOINT_URL_RESOURCE_GROUPS_TAGGING_API}, as the SDK names it. */
    public static final String ENDPOINT_VARIABLE = "RESOURCE_GROUPS_TAGGING_API";
    static final String KMS_KEY = "kms:key";
    /** The API's largest page: one call for any likely policy. */
    static final int MAX_RESULTS = 200;
    /** Far more pages than any tag policy has resource types for: beyond that, a broken NextToken. */
    private static final int MAX_PAGES = 50;

    private final JsonOperation operation;

    public ListRequiredTags(Sleeper sleeper) {
        this.operation = new JsonOperation(OPERATION, TARGET, sleeper);
    }

    /**
     * The tag keys the calling account's effective tag policy requires on {@code kms:key}, each once, in the order given.
     *
     * @param call the account's session, to the service's endpoint in the function's region
     * @throws JsonOperation.Failed when they could not be read
     */
    public List<String> kmsKeyTagKeys(SignedCall call, Deadline deadline) {
        Set<String> keys = new LinkedHashSet<>();
        Optional<String> token = Optional.empty();
        for (int page = 0; page < MAX_PAGES; page++) {
            JsonObjectWriter request = new JsonObjectWriter().number("MaxResults", MAX_RESULTS);
            token.ifPresent(next -> request.string("NextToken", next));
            JsonField answer = operation.call(call, request.toBytes(), deadline);
            try {
                keys.addAll(kmsKeys(answer));
                token = answer.get("NextToken").optionalString().filter(next -> !next.isEmpty());
            } catch (JsonShapeException e) {
                throw new JsonOperation.Failed(OPERATION + " answered in an unexpected shape: " + e.getMessage(), Optional.empty(), e);
            }
            if (token.isEmpty()) {
                return List.copyOf(keys);
            }
        }
        throw new JsonOperation.Failed(OPERATION + " answered more than " + MAX_PAGES + " pages", Optional.empty(), null);
    }

    /** The keys one page names for {@code kms:key}; every other resource type's are not ours. */
    private static List<String> kmsKeys(JsonField answer) {
        List<String> keys = new ArrayList<>();
        for (JsonField requiredTag : answer.get("RequiredTags").elements()) {
            if (requiredTag.get("ResourceType").stringIfPresent().filter(type -> type.toLowerCase(Locale.ROOT).equals(KMS_KEY)).isPresent()) {
                requiredTag.get("ReportingTagKeys").elements().forEach(key -> keys.add(key.requiredString()));
            }
        }
        return keys;
    }
}
