package io.kmstagenforcer.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** How the keys an account's tag policy requires (ListRequiredTags: keys only) join the local policy: the local policy wins. */
class OrganizationTagsTest {
    private static final String LOCAL = "{'organizationTagPolicy':'requiredKeys','forbidden':['tmp:*'],'exemptTag':'Exempt',"
            + "'required':{'CostCenter':{'default':'unassigned','pattern':'^([0-9]{4}|unassigned)$'}}}";

    private static OrganizationTags.Merge merge(String policy, String... organizationKeys) {
        return merge(Policies.parse(policy), organizationKeys);
    }

    private static OrganizationTags.Merge merge(TagPolicy policy, String... organizationKeys) {
        return OrganizationTags.merge(policy, new OrganizationTagPolicy("of account 111122223333", List.of()).requiring(List.of(organizationKeys)));
    }

    private static RequiredTag required(TagPolicy policy, String key) {
        return policy.required().stream().filter(tag -> tag.key().equals(key)).findFirst().orElseThrow();
    }

    @Test
    void theFieldIsOffUnlessSet() {
        assertEquals(OrganizationTagSource.NONE, Policies.parse("{'required':{}}").organizationTagPolicy());
        assertEquals(OrganizationTagSource.EFFECTIVE, Policies.parse("{'organizationTagPolicy':'effective'}").organizationTagPolicy());
        assertEquals(OrganizationTagSource.REQUIRED_KEYS, Policies.parse("{'organizationTagPolicy':'requiredKeys'}").organizationTagPolicy());
    }

    @Test
    void theOlderFieldIsTheKeysOnlyMode() {
        assertEquals(OrganizationTagSource.REQUIRED_KEYS, Policies.parse("{'organizationRequiredTags':true}").organizationTagPolicy());
        assertEquals(OrganizationTagSource.NONE, Policies.parse("{'organizationRequiredTags':false}").organizationTagPolicy());
    }

    @Test
    void theFieldMustBeABoolean() {
        PolicyException error = assertThrows(PolicyException.class, () -> Policies.parse("{'organizationRequiredTags':'yes'}"));

        assertTrue(error.getMessage().contains("organizationRequiredTags"), error::getMessage);
    }

    @Test
    void withModeKeepsTheField() {
        assertEquals(OrganizationTagSource.EFFECTIVE,
                Policies.parse("{'organizationTagPolicy':'effective'}").withMode(Mode.REPORT).organizationTagPolicy());
    }

    @Test
    void aKeyTheLocalPolicyNamesKeepsTheLocalRules() {
        OrganizationTags.Merge merge = merge(LOCAL, "CostCenter");

        RequiredTag costCenter = required(merge.policy(), "CostCenter");
        assertEquals(Optional.of("unassigned"), costCenter.defaultValue().flatMap(ValueTemplate::literal));
        assertTrue(costCenter.pattern().isPresent());
        assertEquals(1, merge.policy().required().size(), "not required twice");
        assertEquals(List.of("CostCenter"), merge.required());
        assertEquals(List.of(), merge.warnings());
    }

    @Test
    void aKeyTheLocalPolicyDoesNotNameIsRequiredWithNoDefaultAndNoValue() {
        RequiredTag owner = required(merge(LOCAL, "Owner").policy(), "Owner");

        assertEquals(Optional.empty(), owner.defaultValue());
        assertEquals(Optional.empty(), owner.fixedValue());
        assertEquals(Optional.empty(), owner.allowed());
        assertEquals(Optional.empty(), owner.pattern());
    }

    @Test
    void organisationKeysFollowTheLocalOnesInTheOrderRead() {
        assertEquals(List.of("CostCenter", "Owner", "Team"),
                merge(LOCAL, "Owner", "Team").policy().required().stream().map(RequiredTag::key).toList());
    }

    /** Added to the base, it would be required and forbidden on the scope's keys. */
    @Test
    void aKeyAScopeForbidsIsLeftOutWithAWarning() {
        TagPolicy scoped = Policies.parse("{'scopes':[{'name':'pki','match':{'keyUsage':['SIGN_VERIFY']},'forbidden':['Project*']}]}");

        OrganizationTags.Merge merge = merge(scoped, "Project", "Owner");

        assertEquals(List.of("Owner"), merge.required());
        assertEquals(List.of("the organisation's tag policy of account 111122223333 names \"Project\", but the local policy's scope \"pki\" "
                + "forbids it: left out (the local policy wins)"), merge.warnings());
    }

    /** A scope requiring an organisation key gives it the scope's rules on the scope's keys. */
    @Test
    void aKeyAScopeRequiresTakesTheScopesRulesOnItsKeys() {
        TagPolicy scoped = Policies.parse("{'scopes':[{'name':'pki','match':{'keyUsage':['SIGN_VERIFY']},'required':{'Owner':{'value':'pki'}}}]}");
        TagPolicy merged = merge(scoped, "Owner").policy();

        TagPolicy onScopedKeys = merged.withScopes(merged.scopes());

        assertEquals(1, onScopedKeys.required().size());
        assertEquals(Optional.of("pki"), required(onScopedKeys, "Owner").fixedValue().flatMap(ValueTemplate::literal));
    }

    @Test
    void aKeyTheLocalPolicyForbidsIsLeftOutWithAWarning() {
        OrganizationTags.Merge merge = merge(LOCAL, "tmp:build", "Owner");

        assertFalse(merge.policy().required().stream().anyMatch(tag -> tag.key().equals("tmp:build")));
        assertEquals(List.of("Owner"), merge.required());
        assertEquals(List.of("the organisation's tag policy of account 111122223333 names \"tmp:build\", but the local policy forbids it "
                + "(\"tmp:*\"): left out (the local policy wins)"), merge.warnings());
    }

    @Test
    void theExemptTagIsLeftOutWithAWarning() {
        OrganizationTags.Merge merge = merge(LOCAL, "Exempt");

        assertEquals(List.of("CostCenter"), merge.policy().required().stream().map(RequiredTag::key).toList());
        assertTrue(merge.warnings().get(0).contains("it is the local policy's exemptTag"), merge.warnings()::toString);
    }

    /** ListRequiredTags promises no capitalisation: the local policy's spelling stands, and the key is required once. */
    @Test
    void aListedKeyInAnotherCaseIsTheLocalKeyUnderItsLocalSpelling() {
        OrganizationTags.Merge merge = merge("{'required':{'CostCenter':{'default':'unassigned'}}}", "costcenter");

        assertEquals(List.of("CostCenter"), merge.policy().required().stream().map(RequiredTag::key).toList());
        assertEquals(List.of("CostCenter"), merge.required());
        assertEquals(List.of(), merge.warnings());
    }

    @Test
    void aKeyKmsWouldRejectIsLeftOut() {
        OrganizationTags.Merge merge = merge(LOCAL, "aws:cost");

        assertEquals(List.of(), merge.required());
        assertTrue(merge.warnings().get(0).contains("not a tag key KMS accepts"), merge.warnings()::toString);
    }

    @Test
    void theRestOfTheLocalPolicyIsKept() {
        TagPolicy merged = merge(LOCAL, "Owner").policy();

        assertEquals(Optional.of("Exempt"), merged.exemptTag());
        assertEquals(List.of("tmp:*"), merged.forbidden().stream().map(KeyGlob::glob).toList());
        assertEquals(OrganizationTagSource.REQUIRED_KEYS, merged.organizationTagPolicy());
    }
}
