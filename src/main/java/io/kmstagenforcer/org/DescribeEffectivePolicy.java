package io.kmstagenforcer.org;

import io.kmstagenforcer.aws.JsonOperation;
import io.kmstagenforcer.aws.SignedCall;
import io.kmstagenforcer.aws.Sleeper;
import io.kmstagenforcer.json.JsonField;
import io.kmstagenforcer.json.JsonObjectWriter;
import io.kmstagenforcer.json.JsonShapeException;
import io.kmstagenforcer.kms.Deadline;
import java.util.Optional;

/**
 * AWS Organizations' {@code DescribeEffectivePolicy} for {@code TAG_POLICY}, with no {@code TargetId}: the calling
 * account's own effective tag policy (Organizations API Reference, "DescribeEffectivePolicy"; botocore's
 * {@code organizations} model). AWS JSON 1.1, {@code X-Amz-Target: AWSOrganizationsV20161128.DescribeEffectivePolicy},
 * signed for {@code organizations} in the partition's one Organizations region ({@link OrganizationsEndpoint}). The
 * answer is {@code {"EffectivePolicy": {"PolicyContent": "<JSON string>", "LastUpdatedTimestamp", "TargetId",
 * "PolicyType"}}}: what {@link io.kmstagenforcer.policy.OrganizationTagPolicy#parse} reads, as it reads the CLI's
 * output. IAM: {@code organizations:DescribeEffectivePolicy}. Errors: EffectivePolicyNotFoundException (the account
 * has no tag policy), AccessDeniedException, AWSOrganizationsNotInUseException, TooManyRequestsException,
 * ServiceException, and the rest of the model's.
 */
public final class DescribeEffectivePolicy {
    static final String OPERATION = "DescribeEffectivePolicy";
    static final String TARGET = "AWSOrganizationsV20161128." + OPERATION;
    /** The answer when no tag policy applies to the account: not a failure, the local policy alone applies. */
    static final String NOT_FOUND = "EffectivePolicyNotFoundException";
    private static final byte[] REQUEST = new JsonObjectWriter().string("PolicyType", "TAG_POLICY").toBytes();

    private final JsonOperation operation;

    public DescribeEffectivePolicy(Sleeper sleeper) {
        this.operation = new JsonOperation(OPERATION, TARGET, sleeper);
    }

    /**
     * The calling account's effective tag policy: its {@code PolicyContent}, the flattened policy as a JSON string;
     * empty when the account has none.
     *
     * @param call the account's session, to the Organizations endpoint
     * @throws JsonOperation.Failed when it could not be read
     */
    public Optional<String> tagPolicy(SignedCall call, Deadline deadline) {
        JsonField answer;
        try {
            answer = operation.call(call, REQUEST, deadline);
        } catch (JsonOperation.Failed e) {
            if (e.errorType().filter(NOT_FOUND::equals).isPresent()) {
                return Optional.empty();
            }
            throw e;
        }
        try {
            return Optional.of(answer.get("EffectivePolicy").get("PolicyContent").requiredString());
        } catch (JsonShapeException e) {
            throw new JsonOperation.Failed(OPERATION + " answered in an unexpected shape: " + e.getMessage(), Optional.empty(), e);
        }
    }
}
