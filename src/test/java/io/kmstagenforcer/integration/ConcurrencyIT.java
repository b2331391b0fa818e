package io.kmstagenforcer.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import io.kmstagenforcer.FakeContext;
import io.kmstagenforcer.SweepHandler;
import io.kmstagenforcer.SweepResponse;
import io.kmstagenforcer.integration.HandlerRuns.Response;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Two runtimes on one key at the same moment, with both reads forced before either write: the
 * outcomes that the at-least-once, unordered delivery of EventBridge and a replica's two records
 * make possible. The final tags must be what a single run leaves, and no value may be lost.
 */
class ConcurrencyIT {
    @RegisterExtension
    static final MotoServerExtension MOTO = new MotoServerExtension();

    /** Values that differ between a replica's two records, were they rendered from each record. */
    private static final String PER_RECORD_POLICY = "{\"required\":{\"Owner\":{\"default\":\"${principal}\"},"
            + "\"CreatedVia\":{\"default\":\"${eventName}\"},\"Created\":{\"default\":\"${eventTime}\"}},\"forbidden\":[\"tmp:*\"]}";

    @Test
    void aReplicaSeenAsReplicateKeyAndAsCreateKeyAtOnceGetsTheSameValuesFromBoth() throws Exception {
        String primary = MOTO.keys().createMultiRegionKey(Map.of()).keyArn();
        List<CloudTrailEvents.Event> records = MOTO.keys().replicateRecordedTwice(primary, "eu-west-1");
        CloudTrailEvents.Event replicateKey = records.get(0);
        CloudTrailEvents.Event createKeyInReplicaRegion = records.get(1).eventTime(Instant.now().plusSeconds(3));
        assertEquals(replicateKey.keyArn(), createKeyInReplicaRegion.keyArn());

        try (ConcurrentRuns runs = ConcurrentRuns.against(MOTO.endpoint())) {
            List<Response> responses = runs.allReadBeforeAnyWrites(HandlerRuns.environment("TAG_POLICY", PER_RECORD_POLICY),
                    List.of(replicateKey, createKeyInReplicaRegion));

            Map<String, String> first = responses.get(0).stringMap("added");
            Map<String, String> second = responses.get(1).stringMap("added");
            second.forEach((key, value) -> assertEquals(first.get(key), value, "both records render the same value for " + key));
            assertFalse(second.containsKey("Owner"), "the creator is ReplicateKey's to write");
            assertEquals("ReplicateKey", first.get("CreatedVia"));
            assertEquals(first, MOTO.keys().tags(replicateKey.keyArn()), "the replica ends as the ReplicateKey run alone leaves it");
            responses.forEach(response -> assertEquals("REMEDIATED", response.outcome(), response::toString));
        }
    }

    /**
     * No published record shows whom the replica-region CreateKey names; here it is another caller
     * than the one who called ReplicateKey. Both records must still leave the same tags, in either
     * order of their writes: the creator comes from ReplicateKey alone.
     */
    @ParameterizedTest(name = "{0} writes last")
    @ValueSource(strings = {"CreateKey", "ReplicateKey"})
    void aReplicasTwoRecordsNamingDifferentCallersConvergeOnTheReplicateKeyCaller(String writesLast) throws Exception {
        String primary = MOTO.keys().createMultiRegionKey(Map.of()).keyArn();
        List<CloudTrailEvents.Event> records = MOTO.keys().replicateRecordedTwice(primary, "eu-west-1");
        CloudTrailEvents.Event replicateKey = records.get(0);
        CloudTrailEvents.Event createKeyInReplicaRegion = records.get(1).calledBy("KmsReplication", "kms");
        List<CloudTrailEvents.Event> inWriteOrder = writesLast.equals("CreateKey")
                ? List.of(replicateKey, createKeyInReplicaRegion) : List.of(createKeyInReplicaRegion, replicateKey);

        try (ConcurrentRuns runs = ConcurrentRuns.against(MOTO.endpoint())) {
            runs.allReadBeforeWritesInOrder(HandlerRuns.environment("TAG_POLICY", PER_RECORD_POLICY), inWriteOrder);

            Map<String, String> tags = MOTO.keys().tags(replicateKey.keyArn());
            assertEquals(CloudTrailEvents.SESSION, tags.get("Owner"), "who called ReplicateKey: " + tags);
            assertEquals("ReplicateKey", tags.get("CreatedVia"));
        }
    }

    /**
     * A second call tags the key (create-key, then tag-resource) and its TagResource record is
     * processed at the same moment as the CreateKey record, the drift run's writes landing last: the
     * key must still end with its creator, not with the drift run's {@code unknown}.
     */
    @Test
    void aCreationRecordRacingADriftEventOnTheNewKeyKeepsTheCreator() throws Exception {
        CloudTrailEvents.Event created = MOTO.keys().createKey(Map.of());
        CloudTrailEvents.Event tagged = CloudTrailEvents.tagResource(created.keyArn(), Map.of("Project", "apollo")).calledBy("KeyAdmins", "bob");
        MOTO.keys().setTags(created.keyArn(), Map.of("Project", "apollo"));

        try (ConcurrentRuns runs = ConcurrentRuns.against(MOTO.endpoint())) {
            List<Response> responses = runs.allReadBeforeWritesInOrder(HandlerRuns.environment(), List.of(created, tagged));

            Map<String, String> expected = new LinkedHashMap<>(HandlerRuns.POLICY_TAGS);
            expected.put("Project", "apollo");
            assertEquals(expected, MOTO.keys().tags(created.keyArn()), "alice's Owner and CreatedBy, not unknown");
            assertFalse(responses.get(1).stringMap("added").containsKey("Owner"), responses.get(1)::toString);
        }
    }

    /**
     * A sweep lists a key moments old while its CreateKey record is processed: both read the key
     * before either writes, in either order of their writes. The sweep writes none of what only the
     * creation record can give (the key is younger than 30 minutes), so the creator survives
     * whichever run writes last.
     */
    @ParameterizedTest(name = "{0} writes last")
    @ValueSource(strings = {"the sweep", "the CreateKey record"})
    void aCreationRecordRacingTheSweepKeepsTheCreatorWhicheverWritesLast(String last) throws Exception {
        CloudTrailEvents.Event created = MOTO.keys().createKey(Map.of());
        Map<String, String> environment = HandlerRuns.environment("SWEEP_WRITES_PER_SECOND", "5");
        Function<RecordingKmsClients, Object> sweep = clients -> new SweepHandler(SweepHandler.Collaborators.of(environment, clients)
                .withContinuation((next, functionArn, payload) -> {
                    throw new AssertionError("a sweep of one key needs no continuation");
                }))
                .handleRequest(EventLoader.loadScheduledEvent("events/scheduled-sweep.json"), FakeContext.endingIn(Duration.ofMinutes(2)));
        Function<RecordingKmsClients, Object> creation = ConcurrentRuns.eventRuntime(environment, created);

        try (ConcurrentRuns runs = ConcurrentRuns.against(MOTO.endpoint())) {
            List<Object> results = runs.allReadBeforeWritesInOrder(
                    last.equals("the sweep") ? List.of(creation, sweep) : List.of(sweep, creation));

            assertEquals(HandlerRuns.POLICY_TAGS, MOTO.keys().tags(created.keyArn()), "alice's Owner and CreatedBy, never unknown");
            SweepResponse swept = (SweepResponse) results.get(last.equals("the sweep") ? 1 : 0);
            assertTrue(swept.complete(), swept::toString);
        }
    }

    @Test
    void theSameEventDeliveredTwiceAtOnceEndsAsOneRunAndLogsEveryValueItReplaced() throws Exception {
        CloudTrailEvents.Event event = MOTO.keys().createKey(Map.of("owner", "bob", "tmp:build", "42"));

        try (ConcurrentRuns runs = ConcurrentRuns.against(MOTO.endpoint())) {
            List<Response> responses = runs.allReadBeforeAnyWrites(HandlerRuns.environment(), List.of(event, event));

            Map<String, String> expected = new LinkedHashMap<>(HandlerRuns.POLICY_TAGS);
            expected.put("Owner", "bob");
            assertEquals(expected, MOTO.keys().tags(event.keyArn()), "bob's value carried by the rename, the forbidden tag gone");
            for (Response response : responses) {
                assertEquals("REMEDIATED", response.outcome(), response::toString);
                assertEquals(expected, response.stringMap("added"));
                assertTrue(response.strings("removed").containsAll(List.of("owner", "tmp:build")), response::toString);
            }
        }
    }
}
