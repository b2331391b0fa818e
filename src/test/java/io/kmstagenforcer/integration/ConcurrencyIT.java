package io.kmstagenforcer.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kmstagenforcer.integration.HandlerRuns.Response;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

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
    void aReplicaSeenAsReplicateKeyAndAsCreateKeyAtOnceGetsTheSameTagsFromBoth() throws Exception {
        String primary = MOTO.keys().createMultiRegionKey(Map.of()).keyArn();
        List<CloudTrailEvents.Event> records = MOTO.keys().replicateRecordedTwice(primary, "eu-west-1");
        CloudTrailEvents.Event replicateKey = records.get(0);
        CloudTrailEvents.Event createKeyInReplicaRegion = records.get(1).eventTime(Instant.now().plusSeconds(3));
        assertEquals(replicateKey.keyArn(), createKeyInReplicaRegion.keyArn());

        try (ConcurrentRuns runs = ConcurrentRuns.against(MOTO.endpoint())) {
            List<Response> responses = runs.allReadBeforeAnyWrites(HandlerRuns.environment("TAG_POLICY", PER_RECORD_POLICY),
                    List.of(replicateKey, createKeyInReplicaRegion));

            Map<String, String> first = responses.get(0).stringMap("added");
            assertEquals(first, responses.get(1).stringMap("added"), "both records render the same values");
            assertEquals("ReplicateKey", first.get("CreatedVia"));
            assertEquals(first, MOTO.keys().tags(replicateKey.keyArn()), "the replica ends as one run alone leaves it");
            responses.forEach(response -> assertEquals("REMEDIATED", response.outcome(), response::toString));
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
