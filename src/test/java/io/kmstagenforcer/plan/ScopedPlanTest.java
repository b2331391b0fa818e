package io.kmstagenforcer.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.kmstagenforcer.event.KeyArn;
import io.kmstagenforcer.policy.KeyAttributes;
import io.kmstagenforcer.policy.Policies;
import io.kmstagenforcer.policy.TagPolicy;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A scope's rules are added to the base policy's for the keys it matches, and only for those. */
class ScopedPlanTest {
    /** Exemptions are judged on a fixed day; these plans have none with an end date. */
    private static final LocalDate TODAY = LocalDate.of(2024, 5, 1);
    private static final KeyArn PRODUCTION_KEY = KeyArn.parse("arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab");
    private static final KeyArn OTHER_ACCOUNT_KEY = KeyArn.parse("arn:aws:kms:eu-west-1:444455556666:key/1234abcd-12ab-34cd-56ef-1234567890ab");
    private static final TagPolicy POLICY = Policies.parse("{'required':{'Environment':{'default':'prod','allowed':['prod','dev']}},"
            + "'forbidden':['*-old'],'scopes':["
            + "{'name':'production-accounts','match':{'account':['111122223333']},'required':{'DataClassification':{'default':'confidential'}}},"
            + "{'name':'prod-keys','match':{'tags':{'Environment':['prod']}},'required':{'Backup':{'default':'daily'}},'forbidden':['tmp:*']},"
            + "{'name':'hsm-backed','match':{'origin':['AWS_CLOUDHSM']},'required':{'Compliance':{'value':'PCI'}},'protectedTags':['pki:*']}]}");
    private static final KeyAttributes HSM = new KeyAttributes(Optional.of("SYMMETRIC_DEFAULT"), Optional.of("ENCRYPT_DECRYPT"),
            Optional.of("AWS_CLOUDHSM"), Optional.of(false));

    @Test
    void aKeyInAMatchedAccountGetsTheScopesRequiredTagAndTheResultNamesTheScope() {
        TagPlan plan = plan(Map.of("Environment", "dev"), existing(PRODUCTION_KEY));

        assertEquals(Map.of("DataClassification", "confidential"), plan.toSet());
        assertEquals(List.of("production-accounts"), plan.scopes());
    }

    @Test
    void aKeyNoScopeMatchesGetsTheBasePolicyAloneAndNamesNoScope() {
        TagPlan plan = plan(Map.of("Environment", "dev", "tmp:x", "1"), existing(OTHER_ACCOUNT_KEY));

        assertFalse(plan.hasChanges(), plan::toString);
        assertEquals(List.of(), plan.scopes());
    }

    @Test
    void aScopeMatchingOnATagTheBaseRulesSetAppliesInTheSamePlanAndPlanningAgainPlansNothing() {
        Map<String, String> tags = Map.of("tmp:build", "42");
        TagPlan plan = plan(tags, existing(OTHER_ACCOUNT_KEY));

        assertEquals(Map.of("Environment", "prod", "Backup", "daily"), plan.toSet(), "the base sets Environment=prod, which prod-keys matches");
        assertEquals(List.of("tmp:build"), plan.toRemove(), "prod-keys forbids tmp:*");
        assertEquals(List.of("prod-keys"), plan.scopes());
        TagPlan again = plan(plan.appliedTo(tags), existing(OTHER_ACCOUNT_KEY));
        assertFalse(again.hasChanges(), again::toString);
        assertEquals(List.of("prod-keys"), again.scopes());
    }

    @Test
    void aScopeOnAttributesAppliesOnlyWhenTheAttributesAreKnown() {
        Map<String, String> tags = Map.of("Environment", "dev", "pki:root-old", "yes");

        TagPlan described = plan(tags, existing(OTHER_ACCOUNT_KEY).withAttributes(HSM));
        TagPlan undescribed = plan(tags, existing(OTHER_ACCOUNT_KEY));

        assertEquals(Map.of("Compliance", "PCI"), described.toSet());
        assertEquals(List.of(), described.toRemove(), "hsm-backed protects pki:*, which the base's *-old would remove");
        assertEquals(List.of("hsm-backed"), described.scopes());
        assertEquals(List.of("pki:root-old"), undescribed.toRemove());
        assertEquals(List.of(), undescribed.scopes());
    }

    @Test
    void everyMatchingScopeAddsItsRules() {
        TagPlan plan = plan(Map.of("Environment", "prod"), existing(PRODUCTION_KEY).withAttributes(HSM));

        assertEquals(Map.of("DataClassification", "confidential", "Backup", "daily", "Compliance", "PCI"), plan.toSet());
        assertEquals(List.of("production-accounts", "prod-keys", "hsm-backed"), plan.scopes(), "in policy order");
    }

    @Test
    void anExemptKeyIsPlannedWithNoScope() {
        TagPolicy exempting = Policies.parse("{'exemptTag':'Exempt','scopes':[{'name':'a','match':{'account':['111122223333']},"
                + "'required':{'X':{'default':'y'}}}]}");

        TagPlan plan = TagPlanner.plan(Map.of("Exempt", "yes"), exempting, existing(PRODUCTION_KEY), TODAY);

        assertEquals(true, plan.exempt());
        assertEquals(List.of(), plan.scopes());
    }

    private static KeyContext existing(KeyArn key) {
        return KeyContext.ofExistingKey(key, Optional.empty());
    }

    private static TagPlan plan(Map<String, String> tags, KeyContext context) {
        return TagPlanner.plan(tags, POLICY, context, TODAY);
    }
}
