package io.kmstagenforcer.enforce;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.kmstagenforcer.json.JsonShapeException;
import io.kmstagenforcer.plan.TagPlan;
import io.kmstagenforcer.plan.WriteOrder;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Reading the tag keys out of a key policy's conditions. */
class KeyPolicyTagsTest {

    @Test
    void findsResourceTagConditionKeysUnderEveryOperatorIgnoringTheCaseOfThePrefix() {
        String policy = json("{'Statement':[{'Condition':{'StringEquals':{'aws:ResourceTag/Team':'payments'}}},"
                + "{'Condition':{'ForAnyValue:StringLike':{'AWS:resourcetag/Project':'x*'},'StringEqualsIfExists':{'aws:ResourceTag/Env':'prod'}}}]}");

        assertEquals(Set.of("Team", "Project", "Env"), KeyPolicyTags.named(policy));
    }

    @Test
    void readsAStatementGivenAsOneObject() {
        assertEquals(Set.of("Team"), KeyPolicyTags.named(json("{'Statement':{'Condition':{'StringEquals':{'aws:ResourceTag/Team':'a'}}}}")));
    }

    @Test
    void ignoresConditionKeysThatAreNotAboutTheKeysTags() {
        String policy = json("{'Statement':[{'Condition':{'StringEquals':{'aws:RequestTag/Team':'a','kms:ResourceAliases':'alias/x',"
                + "'aws:TagKeys':'Team','aws:ResourceTag/':'empty'}}},{'Effect':'Allow'}]}");

        assertEquals(Set.of(), KeyPolicyTags.named(policy));
    }

    @Test
    void aPolicyThatIsNotJsonIsAShapeError() {
        assertThrows(JsonShapeException.class, () -> KeyPolicyTags.named("not a policy"));
    }

    @Test
    void touchedTagsMatchTheConditionsTagKeysIgnoringCaseAsIamDoes() {
        TagPlan plan = new TagPlan(Map.of("team", "x", "Owner", "alice"), List.of("tmp:a"), Map.of(), List.of(), WriteOrder.TAG_FIRST, Optional.empty());

        assertEquals(List.of("team", "tmp:a"), KeyPolicyTags.touched(plan, Set.of("Team", "TMP:A")));
    }

    private static String json(String singleQuoted) {
        return singleQuoted.replace('\'', '"');
    }
}
