package io.kmstagenforcer.integration;

import static io.kmstagenforcer.integration.HandlerRuns.POLICY_TAGS;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kmstagenforcer.TagEnforcerHandler;
import io.kmstagenforcer.TagEnforcerHandler.Collaborators;
import io.kmstagenforcer.integration.HandlerRuns.Response;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Drift on a real KMS API (moto): someone edits a key's tags after its creation, CloudTrail records
 * TagResource or UntagResource, and the function re-evaluates the key with the same planner. Its
 * own writes are recorded too, and must never be re-evaluated.
 */
class DriftIT {
    @RegisterExtension
    static final MotoServerExtension MOTO = new MotoServerExtension();

    private static final String ROLE = "kms-tag-enforcer-TagEnforcerRole-IT";
    private static final String FUNCTION = "kms-tag-enforcer-TagEnforcerFunction-IT";
    private static final String LIST = "ListResourceTags@us-east-1";

    @RegisterExtension
    final RecordedKms kms = RecordedKms.direct(MOTO);

    @Test
    void aPersonsTagChangeThatBreaksThePolicyIsRepairedKeepingTheCreatorsValues() {
        String key = MOTO.keys().createKey(POLICY_TAGS).keyArn();
        MOTO.keys().setTags(key, Map.of("Environment", "production"));
        CloudTrailEvents.Event change = CloudTrailEvents.tagResource(key, Map.of("Environment", "production")).calledBy("KeyAdmins", "bob");

        Response response = HandlerRuns.invoke(handler(), change);

        assertEquals("REMEDIATED", response.outcome(), response::toString);
        assertEquals("TagResource", response.text("trigger"));
        assertEquals(List.of(LIST, "DescribeKey@us-east-1", "TagResource@us-east-1"), kms.clients().callNames());
        assertEquals(Map.of("Environment", "dev"), response.stringMap("added"));
        assertEquals(POLICY_TAGS, MOTO.keys().tags(key), "Owner and CreatedBy are still alice's, not bob's");
    }

    @Test
    void aRemovedTagIsRestored() {
        String key = MOTO.keys().createKey(POLICY_TAGS).keyArn();
        MOTO.keys().removeTags(key, List.of("CostCenter"));

        Response response = HandlerRuns.invoke(handler(), CloudTrailEvents.untagResource(key, List.of("CostCenter")));

        assertEquals("REMEDIATED", response.outcome(), response::toString);
        assertEquals(Map.of("CostCenter", "unassigned"), response.stringMap("added"));
        assertEquals(POLICY_TAGS, MOTO.keys().tags(key));
    }

    @Test
    void theFunctionsOwnWriteIsIgnoredWithoutAKmsCallEvenIfTheRuleLetsItThrough() {
        String key = MOTO.keys().createKey(Map.of()).keyArn();
        CloudTrailEvents.Event own = CloudTrailEvents.tagResource(key, POLICY_TAGS).calledBy(ROLE, FUNCTION);

        Response response = HandlerRuns.invoke(handler(), own);

        assertEquals("IGNORED", response.outcome(), response::toString);
        assertEquals(List.of(), kms.clients().callNames(), "no ping-pong: nothing is even read");
    }

    /**
     * Two tag changes to one key in a burst give two events, which Lambda may run at once in two
     * execution environments. Both read before either writes (a proxy holds the reads until both
     * arrived): each plans the same difference from the same tags and policy, so both write the same
     * values, the writes are idempotent, and the key ends as one run alone would leave it.
     */
    @Test
    void twoDriftEventsForOneKeyAtOnceConvergeOnTheSameTags() throws Exception {
        Map<String, String> drifted = new LinkedHashMap<>(POLICY_TAGS);
        drifted.remove("CostCenter");
        drifted.put("tmp:debug", "1");
        String key = MOTO.keys().createKey(drifted).keyArn();
        try (ConcurrentRuns runs = ConcurrentRuns.against(MOTO.endpoint())) {
            List<Response> responses = runs.allReadBeforeAnyWrites(HandlerRuns.environment("ENFORCER_ROLE_NAME", ROLE), List.of(
                    CloudTrailEvents.tagResource(key, Map.of("tmp:debug", "1")),
                    CloudTrailEvents.tagResource(key, Map.of("tmp:debug", "1"))));

            responses.forEach(response -> assertEquals("REMEDIATED", response.outcome(), response::toString));
            responses.forEach(response -> assertEquals(Map.of("CostCenter", "unassigned"), response.stringMap("added")));
            responses.forEach(response -> assertEquals(List.of("tmp:debug"), response.strings("removed")));
            assertEquals(POLICY_TAGS, MOTO.keys().tags(key));
            assertEquals(2, Collections.frequency(runs.forwarded(), "TagResource"), "at most one TagResource per event");
        }
    }

    private TagEnforcerHandler handler() {
        return new TagEnforcerHandler(Collaborators.of(
                HandlerRuns.environment("ENFORCER_ROLE_NAME", ROLE, "AWS_LAMBDA_FUNCTION_NAME", FUNCTION), kms.clients()));
    }
}
