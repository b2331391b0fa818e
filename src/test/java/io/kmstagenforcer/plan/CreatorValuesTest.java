package io.kmstagenforcer.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kmstagenforcer.Fixtures;
import io.kmstagenforcer.event.EventInterpreter;
import io.kmstagenforcer.event.Interpretation;
import io.kmstagenforcer.event.KeyEvent;
import io.kmstagenforcer.policy.Policies;
import io.kmstagenforcer.policy.TagPolicy;
import java.time.LocalDate;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Values only a key's creation record can give (who created it, with which call), whichever of the
 * records and runs that meet the key comes first: delivery is unordered, and a drift event or the
 * sweep may reach a key before its CreateKey record is processed.
 */
class CreatorValuesTest {
    /** The day exemptions are judged on: these plans carry no dated exemption. */
    private static final LocalDate TODAY = LocalDate.of(2024, 5, 1);
    private static final TagPolicy POLICY = Policies.parse("{'required':{'Owner':{'default':'${principal}'},"
            + "'CreatedVia':{'default':'${eventName}'},'Since':{'default':'${principal}@${account}/${eventDate}'},"
            + "'CreatedBy':{'value':'${principal.arn}'},'CostCenter':{'default':'unassigned'}}}");
    private static final String ALICE_ARN = "arn:aws:sts::111122223333:assumed-role/KeyAdmins/alice";

    @Test
    void aPlaceholderAnEarlierRunWroteGivesWayToTheCreationRecordWithTheReplacedValueLogged() {
        Map<String, String> placeholders = Map.of("Owner", "unknown", "CreatedVia", "unknown",
                "Since", "unknown@111122223333/2024-05-14", "CreatedBy", "unknown", "CostCenter", "unassigned");

        TagPlan plan = TagPlanner.plan(placeholders, POLICY, KeyContext.ofCreation(event("events/create-key.json")), TODAY);

        assertEquals(Map.of("Owner", "alice", "CreatedVia", "CreateKey", "Since", "alice@111122223333/2024-05-14",
                "CreatedBy", ALICE_ARN), plan.toSet());
        assertEquals(Map.of("Owner", "unknown", "CreatedVia", "unknown", "Since", "unknown@111122223333/2024-05-14",
                "CreatedBy", "unknown"), plan.previousValues());
    }

    @Test
    void aRedeliveredCreationRecordWritesNothingOnceTheCreatorsValuesAreThere() {
        Map<String, String> done = Map.of("Owner", "alice", "CreatedVia", "CreateKey", "Since", "alice@111122223333/2024-05-14",
                "CreatedBy", ALICE_ARN, "CostCenter", "unassigned");

        TagPlan plan = TagPlanner.plan(done, POLICY, KeyContext.ofCreation(event("events/create-key.json")), TODAY);

        assertFalse(plan.hasChanges(), plan::toString);
        assertEquals(List.of(), plan.violations());
    }

    @Test
    void aPersonsOwnValueIsKeptEvenWhenItDiffersFromTheCreator() {
        Map<String, String> current = Map.of("Owner", "bob", "CreatedVia", "terraform", "Since", "2019",
                "CreatedBy", ALICE_ARN, "CostCenter", "unassigned");

        TagPlan plan = TagPlanner.plan(current, POLICY, KeyContext.ofCreation(event("events/create-key.json")), TODAY);

        assertFalse(plan.hasChanges(), plan::toString);
    }

    @Test
    void anOwnerUnknownTheCreatingCallItselfAskedForIsThePersonsValueAndKept() {
        KeyEvent created = event(withCreationTags("events/create-key.json", "Owner", "unknown"));
        Map<String, String> current = Map.of("Owner", "unknown", "CreatedVia", "CreateKey", "Since", "alice@111122223333/2024-05-14",
                "CreatedBy", ALICE_ARN, "CostCenter", "unassigned");

        TagPlan plan = TagPlanner.plan(current, POLICY, KeyContext.ofCreation(created), TODAY);

        assertFalse(plan.hasChanges(), plan::toString);
    }

    @Test
    void aReplicasOwnRegionCreateKeyByAnotherCallerRendersNothingFromThatCaller() {
        KeyEvent ofReplica = event(calledBy("create-key-of-replica.json", "arn:aws:sts::111122223333:assumed-role/KmsReplication/kms"));

        TagPlan plan = TagPlanner.plan(Map.of(), POLICY, KeyContext.ofCreation(ofReplica), TODAY);

        assertEquals(Map.of("CreatedVia", "ReplicateKey", "CostCenter", "unassigned"), plan.toSet(),
                "the creator is left to the ReplicateKey record");
        assertTrue(plan.violations().stream().filter(violation -> violation.problem() == Problem.AWAITING_CREATION_RECORD)
                .map(Violation::key).toList().containsAll(List.of("Owner", "Since", "CreatedBy")), plan::toString);
    }

    @Test
    void aReplicasTwoRecordsConvergeInEitherOrderWhoeverTheCreateKeyRecordNames() {
        KeyContext replicateKey = KeyContext.ofCreation(event("events/replicate-key.json"));
        KeyContext createKey = KeyContext.ofCreation(
                event(calledBy("create-key-of-replica.json", "arn:aws:sts::111122223333:assumed-role/KmsReplication/kms")));

        Map<String, String> replicateFirst = applied(applied(Map.of(), replicateKey), createKey);
        Map<String, String> createFirst = applied(applied(Map.of(), createKey), replicateKey);

        assertEquals(replicateFirst, createFirst);
        assertEquals("alice", replicateFirst.get("Owner"));
    }

    private static Map<String, String> applied(Map<String, String> tags, KeyContext context) {
        TagPlan plan = TagPlanner.plan(tags, POLICY, context, TODAY);
        Map<String, String> after = new LinkedHashMap<>(tags);
        after.putAll(plan.toSet());
        plan.toRemove().forEach(after::remove);
        return after;
    }

    private static KeyEvent event(String fixture) {
        return event(Fixtures.bytes(fixture));
    }

    private static KeyEvent event(byte[] bytes) {
        Interpretation result = new EventInterpreter().interpret(bytes);
        return assertInstanceOf(Interpretation.Enforce.class, result, result::toString).event();
    }

    private static byte[] withCreationTags(String fixture, String key, String value) {
        String json = new String(Fixtures.bytes(fixture), StandardCharsets.UTF_8);
        String edited = json.replaceFirst("\"requestParameters\"\\s*:\\s*\\{",
                "\"requestParameters\": {\"tags\": [{\"tagKey\": \"" + key + "\", \"tagValue\": \"" + value + "\"}],");
        assertFalse(edited.equals(json));
        return edited.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] calledBy(String fixture, String callerArn) {
        String json = new String(Fixtures.bytes(fixture), StandardCharsets.UTF_8);
        String edited = json.replace("arn:aws:sts::111122223333:assumed-role/KeyAdmins/alice", callerArn)
                .replace("AROA3XFRBF23EXAMPLE1:alice", "AROA3XFRBF23EXAMPLE2:kms")
                .replace("\"userName\": \"KeyAdmins\"", "\"userName\": \"KmsReplication\"");
        assertFalse(edited.equals(json));
        return edited.getBytes(StandardCharsets.UTF_8);
    }
}
