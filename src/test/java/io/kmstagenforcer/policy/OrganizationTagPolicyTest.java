package io.kmstagenforcer.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Reading an Organizations tag policy: the effective form, what describe-effective-policy prints, and the authored form. */
class OrganizationTagPolicyTest {
    private static final OrganizationTagRule COST_CENTER = new OrganizationTagRule("org-policy.json", "costcenter", "CostCenter",
            Optional.of(List.of("100", "200", "300*")), true, true);
    private static final OrganizationTagRule PROJECT = new OrganizationTagRule("org-policy.json", "project", "Project",
            Optional.of(List.of("Maintenance", "Escalations")), false, false);

    static String fixture(String name) {
        try (InputStream in = OrganizationTagPolicyTest.class.getResourceAsStream("/org-policies/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static OrganizationTagPolicy parse(String json) {
        return OrganizationTagPolicy.parse("org-policy.json", json.replace('\'', '"'));
    }

    private static String error(String json) {
        return assertThrows(PolicyException.class, () -> parse(json)).getMessage();
    }

    @ParameterizedTest
    @ValueSource(strings = {"effective-costcenter.json", "describe-effective-policy.json", "authored-costcenter.json"})
    void everyFormReadsTheSameRules(String file) {
        assertEquals(List.of(COST_CENTER, PROJECT), OrganizationTagPolicy.parse("org-policy.json", fixture(file)).rules());
    }

    @Test
    void enforcedForAndReportRequiredTagForMayBeAssignedInTheEffectiveFormAndNameKmsInAnyCase() {
        OrganizationTagPolicy policy = OrganizationTagPolicy.parse("org-policy.json", fixture("effective-assign-lists.json"));

        assertTrue(policy.rules().get(0).required(), "kms:*");
        assertTrue(policy.rules().get(0).enforced(), "KMS:ALL_SUPPORTED");
    }

    @Test
    void withoutTagKeyTheCapitalisationIsThePolicyKeyInLowercaseAndWithoutTagValueAnyValueIsAllowed() {
        OrganizationTagRule owner = OrganizationTagPolicy.parse("org-policy.json", fixture("effective-assign-lists.json")).rules().get(1);

        assertEquals("owner", owner.tagKey());
        assertEquals(Optional.empty(), owner.allowedValues());
        assertTrue(owner.allows("anything at all"));
        assertTrue(owner.required());
        assertFalse(owner.enforced());
    }

    @ParameterizedTest
    @CsvSource({"kms:key,true", "KMS:Key,true", "kms:*,true", "kms:ALL_SUPPORTED,true", "ec2:instance,false", "kms:alias,false"})
    void onlyTheKmsKeyTypesMakeAKeyRequired(String type, boolean required) {
        assertEquals(required, parse("{'tags':{'owner':{'report_required_tag_for':['" + type + "']}}}").rules().get(0).required());
    }

    @ParameterizedTest
    @CsvSource({"300*,300,true", "300*,3001-east,true", "300*,x300,false", "*@example.com,ops@example.com,true", "100,1000,false",
            "Prod,prod,false"})
    void oneStarStandsForAnyRunOfCharactersAndCaseCounts(String allowed, String value, boolean allows) {
        assertEquals(allows, parse("{'tags':{'k':{'tag_value':['" + allowed + "']}}}").rules().get(0).allows(value));
    }

    @Test
    void theAppendOperatorIsRefusedWithAPointerToTheEffectivePolicy() {
        String message = assertThrows(PolicyException.class,
                () -> OrganizationTagPolicy.parse("org-policy.json", fixture("authored-append.json"))).getMessage();

        assertTrue(message.startsWith("org-policy.json.tags.costcenter.tag_value.@@append: @@append"), message);
        assertTrue(message.contains("describe-effective-policy"), message);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            "{'tags':{'k':{'tag_value':{'@@remove':['1']}}}}|org-policy.json.tags.k.tag_value.@@remove: @@remove combines",
            "{'tags':{'k':{'@@operators_allowed_for_child_policies':['@@none']}}}|org-policy.json.tags.k.@@operators_allowed_for_child_policies:",
            "{'tags':{'@@operators_allowed_for_child_policies':['@@none']}}|org-policy.json.tags.@@operators_allowed_for_child_policies:",
            "{'tags':{'costcenter':{'tag_value':['100','3*0*']}}}|org-policy.json.tags.costcenter.tag_value[1] has more than one *",
            "{'tags':{'costcenter':{'tag_key':'Owner'}}}|org-policy.json.tags.costcenter.tag_key \"Owner\" must be the policy key",
            "{'tags':{'costcenter':{'tag_key':{'@@assign':7}}}}|org-policy.json.tags.costcenter.tag_key.@@assign must be a string",
            "{'tags':{'costcenter':{'tag_key':{'@@asign':'CostCenter'}}}}|org-policy.json.tags.costcenter.tag_key.@@asign is not an operator",
            "{'tags':{'costcenter':{'tag_keys':'CostCenter'}}}|org-policy.json.tags.costcenter.tag_keys is not a field of a tag policy",
            "{'tags':{'costcenter':{'tag_value':'100'}}}|org-policy.json.tags.costcenter.tag_value must be an array",
            "{'tags':{'costcenter':{'tag_value':[100]}}}|org-policy.json.tags.costcenter.tag_value[0] must be a string",
            "{'tags':{'costcenter':{'report_required_tag_for':'kms:key'}}}|org-policy.json.tags.costcenter.report_required_tag_for must be an array",
            "{'tags':{'aws:costcenter':{}}}|org-policy.json.tags.aws:costcenter: \"aws:costcenter\" is not a tag key KMS accepts",
            "{'tags':{'a':{'tag_key':'A'},'b':{}}}|",
            "{'tags':[]}|org-policy.json.tags must be an object",
            "{'policy':{}}|org-policy.json.tags must be an object",
            "{'EffectivePolicy':{'PolicyType':'TAG_POLICY'}}|org-policy.json.EffectivePolicy.PolicyContent is missing",
            "{'EffectivePolicy':{'PolicyContent':'{tags'}}|org-policy.json.EffectivePolicy.PolicyContent is not valid JSON",
            "[]|org-policy.json must be an object"})
    void badInputIsRefusedNamingTheField(String json, String message) {
        if (message == null) {
            parse(json);
            return;
        }
        String error = error(json);
        assertTrue(error.startsWith(message), error);
    }

    @Test
    void twoPolicyKeysForTheSameTagKeyButForCaseAreRefused() {
        assertEquals("org-policy.json.tags.Owner names the tag key \"owner\" as org-policy.json.tags.owner does, but for case",
                error("{'tags':{'owner':{},'Owner':{'tag_key':'owner'}}}"));
    }
}
