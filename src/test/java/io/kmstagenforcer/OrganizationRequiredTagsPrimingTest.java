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
import org.junit.jupiter.api.Test;

/** The organisation's required tags are never read before a SnapStart snapshot: priming enforces no key. */
class OrganizationRequiredTagsPrimingTest {
    @Test
    void primingReadsNoRequiredTags() {
        TagPolicy policy = Policies.parse("{'organizationRequiredTags':true}");
        List<String> reads = new ArrayList<>();
        OrganizationPolicy organization = new OrganizationPolicy(policy, deadline -> {
            reads.add("read");
            return List.of("Owner");
        }, Clock.systemUTC(), warning -> { });
        TagEnforcer enforcer = new TagEnforcer(policy, organization, new KmsKeys(region -> {
            throw new AssertionError("priming called KMS");
        }), NotFoundRetry.NONE, Clock.systemUTC(), EnforcerIdentity.NONE);

        new SnapStartPriming(enforcer, new EmbeddedMetrics("KmsTagEnforcer", "test"), "us-east-1").beforeCheckpoint(null);

        assertEquals(List.of(), reads);
    }
}
