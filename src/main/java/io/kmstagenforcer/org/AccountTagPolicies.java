package io.kmstagenforcer.org;

import io.kmstagenforcer.aws.JsonOperation;
import io.kmstagenforcer.kms.Deadline;
import io.kmstagenforcer.policy.OrganizationTagPolicy;
import java.util.Optional;

/** Where the organisation's tag policy in force for one account comes from. */
@FunctionalInterface
public interface AccountTagPolicies {
    /**
     * The tag policy in force for {@code account}, as it bears on KMS keys, read as that account.
     *
     * @return empty when the account has no tag policy: only the local policy applies
     * @throws JsonOperation.Failed when it could not be read (denied, throttled, the service failing, no time left)
     */
    Optional<OrganizationTagPolicy> read(String account, Deadline deadline);
}
