package io.kmstagenforcer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kmstagenforcer.enforce.NotFoundRetry;
import io.kmstagenforcer.enforce.TagEnforcer;
import io.kmstagenforcer.event.EnforcerIdentity;
import io.kmstagenforcer.kms.KmsKeys;
import io.kmstagenforcer.org.OrganizationPolicy;
import io.kmstagenforcer.output.EmbeddedMetrics;
import io.kmstagenforcer.policy.Policies;
import io.kmstagenforcer.policy.TagPolicy;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The organisation's tag policy is never read before a SnapStart snapshot: priming enforces no key. */
class OrganizationTagPolicyPrimingTest {
    @Test
    void primingReadsNoTagPolicy() {
        TagPolicy policy = Policies.parse("{'organizationTagPolicy':'effective'}");
        List<String> reads = new ArrayList<>();
        OrganizationPolicy organization = new OrganizationPolicy(policy, (account, deadline) -> {
            reads.add(account);
            return Optional.empty();
        }, Clock.systemUTC(), warning -> { }, notice -> { });
        TagEnforcer enforcer = new TagEnforcer(policy, organization, new KmsKeys(region -> {
            throw new AssertionError("priming called KMS");
        }), NotFoundRetry.NONE, Clock.systemUTC(), EnforcerIdentity.NONE);

        new SnapStartPriming(enforcer, new EmbeddedMetrics("KmsTagEnforcer", "test"), "us-east-1").beforeCheckpoint(null);

        assertEquals(List.of(), reads);
    }
}
