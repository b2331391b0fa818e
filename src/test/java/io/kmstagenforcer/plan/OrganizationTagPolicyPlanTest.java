package io.kmstagenforcer.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kmstagenforcer.policy.OrganizationTagPolicy;
import io.kmstagenforcer.policy.OrganizationTags;
import io.kmstagenforcer.policy.Policies;
import io.kmstagenforcer.policy.TagPolicy;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What the planner makes of the local policy with the organisation's whole tag policy on top (docs/POLICY.md "The organisation's tag policy"). */
class OrganizationTagPolicyPlanTest {
    private static final LocalDate TODAY = LocalDate.of(2024, 5, 1);
    private static final KeyContext CONTEXT = new KeyContext(Map.of(), Set.of());
    /** AWS's example: CostCenter required and enforced on KMS keys, 100, 200 or 300 followed by anything; Project optional, two values. */
    private static final String ORGANISATION = "{'tags':{'costcenter':{'tag_key':'CostCenter','tag_value':['100','200','300*'],"
            + "'enforced_for':['kms:key'],'report_required_tag_for':['kms:key']},"
            + "'project':{'tag_key':'Project','tag_value':['Maintenance','Escalations']}}}";
    private static final String ENFORCED_REFUSAL = "is not among the values the organisation's tag policy org-policy.json allows for \"CostCenter\""
            + " [100, 200, 300*] (enforced_for kms:key: KMS refuses it)";

    private static TagPolicy merged(String localPolicy) {
        return OrganizationTags.merge(Policies.parse(localPolicy),
                OrganizationTagPolicy.parse("org-policy.json", ORGANISATION.replace('\'', '"'))).policy();
    }

    private static TagPlan plan(String localPolicy, Map<String, String> current) {
        return TagPlanner.plan(current, merged(localPolicy), CONTEXT, TODAY);
    }

    @Test
    void aMissingOrganisationKeyWithoutALocalDefaultIsNoncompliantNamingTheOrganisationPolicyAndNothingIsMadeUp() {
        TagPlan plan = plan("{}", Map.of());

        assertEquals(List.of(new Violation("CostCenter", Problem.MISSING,
                "not fixed: the policy gives no default (required by the organisation's tag policy org-policy.json)")), plan.violations());
        assertTrue(plan.toSet().isEmpty(), plan::toString);
    }

    @Test
    void aLocalDefaultTheOrganisationAllowsIsWritten() {
        assertEquals(Map.of("CostCenter", "300-shared"), plan("{'required':{'CostCenter':{'default':'300-shared'}}}", Map.of()).toSet());
    }

    @Test
    void aLocalDefaultTheOrganisationDoesNotAllowIsNeverWrittenAndTheDecisionSaysWhy() {
        TagPlan plan = plan("{'required':{'CostCenter':{'default':'unassigned'}}}", Map.of());

        assertTrue(plan.toSet().isEmpty(), plan::toString);
        assertEquals(List.of(new Violation("CostCenter", Problem.MISSING,
                "not fixed: the default renders to \"unassigned\", which is refused: \"unassigned\" " + ENFORCED_REFUSAL)), plan.violations());
    }

    @Test
    void aLocalFixedValueTheOrganisationDoesNotAllowIsNeverWritten() {
        TagPlan plan = plan("{'required':{'CostCenter':{'value':'999'}}}", Map.of("CostCenter", "100"));

        assertTrue(plan.toSet().isEmpty(), plan::toString);
        assertEquals(Problem.INVALID_VALUE, plan.violations().get(0).problem());
        assertTrue(plan.violations().get(0).detail().endsWith("\"999\" " + ENFORCED_REFUSAL), plan.violations()::toString);
    }

    @Test
    void aValueTheLocalRulesAcceptButTheOrganisationRefusesIsReplacedByAnAllowedDefault() {
        TagPlan plan = plan("{'required':{'CostCenter':{'default':'100'}}}", Map.of("CostCenter", "400"));

        assertEquals(Map.of("CostCenter", "100"), plan.toSet());
        assertEquals(Map.of("CostCenter", "400"), plan.previousValues());
        assertEquals(List.of(new Violation("CostCenter", Problem.INVALID_VALUE, "set to the default (\"400\" " + ENFORCED_REFUSAL + ")")),
                plan.violations());
    }

    @Test
    void aValueMustSatisfyTheLocalPatternAndTheOrganisationBoth() {
        String local = "{'required':{'CostCenter':{'default':'200','pattern':'^[0-9]+$'}}}";

        assertEquals(Map.of("CostCenter", "200"), plan(local, Map.of("CostCenter", "300-east")).toSet(), "the local pattern refuses it");
        assertEquals(Map.of("CostCenter", "200"), plan(local, Map.of("CostCenter", "400")).toSet(), "the organisation refuses it");
        assertTrue(plan(local, Map.of("CostCenter", "3001")).toSet().isEmpty(), "both accept it");
    }

    @Test
    void theOrganisationsCapitalisationWinsOverTheLocalRuleAndTheValueIsCarried() {
        TagPolicy policy = merged("{'required':{'costcenter':{'default':'100'}}}");
        TagPlan plan = TagPlanner.plan(Map.of("costCenter", "200"), policy, CONTEXT, TODAY);

        assertEquals(List.of("CostCenter", "Project"), policy.required().stream().map(tag -> tag.key()).toList());
        assertEquals(Map.of("CostCenter", "200"), plan.toSet());
        assertEquals(List.of("costCenter"), plan.toRemove());
        assertEquals(WriteOrder.TAG_FIRST, plan.order());
    }

    @Test
    void aCaseVariantOfAnOptionalOrganisationKeyIsRenamedWithoutNormalizeKeyCase() {
        TagPlan plan = plan("{'required':{'CostCenter':{'default':'100'}}}", Map.of("CostCenter", "100", "PROJECT", "Maintenance"));

        assertEquals(Map.of("Project", "Maintenance"), plan.toSet());
        assertEquals(List.of("PROJECT"), plan.toRemove());
    }

    @Test
    void anOptionalOrganisationKeyIsNotAddedButAPresentValueMustBeAllowed() {
        assertTrue(plan("{'required':{'CostCenter':{'default':'100'}}}", Map.of("CostCenter", "100")).violations().isEmpty());

        TagPlan plan = plan("{'required':{'CostCenter':{'default':'100'}}}", Map.of("CostCenter", "100", "Project", "Other"));

        assertTrue(plan.toSet().isEmpty() && plan.toRemove().isEmpty(), plan::toString);
        assertEquals(List.of(new Violation("Project", Problem.INVALID_VALUE, "not fixed: the policy gives no default (\"Other\" is not among the"
                + " values the organisation's tag policy org-policy.json allows for \"Project\" [Maintenance, Escalations])")), plan.violations());
    }

    @Test
    void aNotAllowedValueOfAnOptionalOrganisationKeyIsReplacedByALocalDefaultTheOrganisationAllows() {
        TagPlan plan = plan("{'required':{'CostCenter':{'default':'100'},'Project':{'default':'Maintenance'}}}",
                Map.of("CostCenter", "100", "Project", "Other"));

        assertEquals(Map.of("Project", "Maintenance"), plan.toSet());
    }

    /** Found by {@link OrganizationTagPolicyPropertiesTest}: the variant cannot be renamed, and the reason must name the organisation. */
    @Test
    void aVariantWhoseValueTheLocalRulesRefuseIsLeftAndTheViolationNamesTheOrganisationsSpelling() {
        TagPlan plan = plan("{'required':{'CostCenter':{'default':'100'},'Project':{'pattern':'^[0-9]+$'}}}",
                Map.of("CostCenter", "100", "project", "Maintenance"));

        assertTrue(plan.toSet().isEmpty() && plan.toRemove().isEmpty(), plan::toString);
        assertTrue(plan.violations().contains(new Violation("project", Problem.WRONG_CASE, "left as it is: \"Project\" has no value to take"
                + " (the organisation's tag policy org-policy.json writes it \"Project\")")), plan.violations()::toString);
    }

    @Test
    void aKeyTheLocalPolicyForbidsIsLeftOutWithAWarningAndStillRemoved() {
        OrganizationTags.Merge merge = OrganizationTags.merge(Policies.parse("{'forbidden':['Project']}"),
                OrganizationTagPolicy.parse("org-policy.json", ORGANISATION.replace('\'', '"')));

        assertEquals(List.of("CostCenter"), merge.required());
        assertEquals(List.of("the organisation's tag policy org-policy.json names \"Project\", but the local policy forbids it (\"Project\"):"
                + " left out (the local policy wins)"), merge.warnings());
        assertEquals(List.of("Project"), TagPlanner.plan(Map.of("Project", "Maintenance"), merge.policy(), CONTEXT, TODAY).toRemove());
    }

    @Test
    void aProtectedVariantIsNotRenamed() {
        TagPlan plan = plan("{'protectedTags':['costcenter']}", Map.of("costcenter", "100"));

        assertTrue(plan.toRemove().isEmpty(), plan::toString);
    }

    @Test
    void theMergedPolicyPlansAFixpoint() {
        TagPolicy policy = merged("{'required':{'CostCenter':{'default':'100'},'Project':{'default':'Maintenance'}}}");
        Map<String, String> after = TagPlanner.plan(Map.of("costcenter", "400", "project", "x"), policy, CONTEXT, TODAY)
                .appliedTo(Map.of("costcenter", "400", "project", "x"));

        assertEquals(Map.of("CostCenter", "100", "Project", "Maintenance"), after);
        assertTrue(!TagPlanner.plan(after, policy, CONTEXT, TODAY).hasChanges());
    }
}
