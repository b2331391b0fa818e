package io.kmstagenforcer.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kmstagenforcer.policy.OrganizationTagPolicy;
import io.kmstagenforcer.policy.OrganizationTags;
import io.kmstagenforcer.policy.Policies;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What the planner makes of a policy joined with the keys an account's tag policy requires (ListRequiredTags, keys only). */
class OrganizationRequiredTagsPlanTest {
    /** The day exemptions are judged on: these plans carry no dated exemption. */
    private static final LocalDate TODAY = LocalDate.of(2024, 5, 1);
    private static final KeyContext CONTEXT = new KeyContext(Map.of(), Set.of());

    private static TagPlan plan(String localPolicy, List<String> organizationKeys, Map<String, String> current) {
        return TagPlanner.plan(current, OrganizationTags.merge(Policies.parse(localPolicy),
                new OrganizationTagPolicy("of account 111122223333", List.of()).requiring(organizationKeys)).policy(), CONTEXT, TODAY);
    }

    @Test
    void aKeyMissingAnOrganisationKeyIsAViolationAndNothingIsWritten() {
        TagPlan plan = plan("{'organizationRequiredTags':true}", List.of("Owner"), Map.of());

        assertEquals(List.of(new Violation("Owner", Problem.MISSING,
                "not fixed: the policy gives no default (required by the organisation's tag policy of account 111122223333)")), plan.violations());
        assertTrue(plan.toSet().isEmpty(), "no value is made up: " + plan.toSet());
    }

    @Test
    void aKeyMissingAnOrganisationKeyGetsTheLocalDefault() {
        TagPlan plan = plan("{'organizationRequiredTags':true,'required':{'Owner':{'default':'platform'}}}", List.of("Owner"), Map.of());

        assertEquals(Map.of("Owner", "platform"), plan.toSet());
    }

    @Test
    void aKeyCarryingTheOrganisationKeyWithAnyValueComplies() {
        TagPlan plan = plan("{'organizationRequiredTags':true}", List.of("Owner"), Map.of("Owner", "anyone"));

        assertTrue(plan.violations().isEmpty() && plan.toSet().isEmpty(), plan::toString);
    }

    @Test
    void aForbiddenOrganisationKeyIsStillRemoved() {
        TagPlan plan = plan("{'organizationRequiredTags':true,'forbidden':['tmp:*']}", List.of("tmp:build"), Map.of("tmp:build", "1"));

        assertEquals(List.of("tmp:build"), plan.toRemove());
    }
}
