package io.kmstagenforcer.enforce;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.kmstagenforcer.event.EnforcerIdentity;
import io.kmstagenforcer.event.KeyArn;
import io.kmstagenforcer.kms.Deadline;
import io.kmstagenforcer.kms.KmsKeys;
import io.kmstagenforcer.output.DecisionLog;
import io.kmstagenforcer.output.EmbeddedMetrics;
import io.kmstagenforcer.output.LogLevel;
import io.kmstagenforcer.policy.Policies;
import io.kmstagenforcer.policy.PolicyOrigin;
import io.kmstagenforcer.policy.PolicySource;
import io.kmstagenforcer.policy.TagPolicy;
import io.kmstagenforcer.sweep.FakeKms;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.protocols.jsoncore.JsonNode;

/**
 * What a key's writes replace is in the log before the first of them is sent: a function stopped
 * between TagResource and UntagResource, or before its decision line, loses no value.
 */
class ReplacedValuesLogTest {
    private static final String POLICY = "{'required':{'Owner':{'default':'nobody'},"
            + "'Environment':{'default':'dev','allowed':['prod','dev']}},'forbidden':['tmp:*'],'normalizeKeyCase':true}";
    private static final Instant NOW = Instant.parse("2024-05-14T10:00:00Z");

    private final FakeKms fake = new FakeKms(() -> 0L);
    private final ObservedKms kms = new ObservedKms(fake);
    private final ByteArrayOutputStream log = new ByteArrayOutputStream();

    @Test
    void theValuesAboutToBeReplacedOrRemovedAreLoggedBeforeTheFirstWrite() {
        fake.key("k1", Map.of("Owner", "alice", "Environment", "production", "tmp:build", "7"));
        List<List<JsonNode>> logAtEachWrite = new ArrayList<>();
        kms.onCall(operation -> {
            if (operation.endsWith("Resource") && !operation.startsWith("List")) {
                logAtEachWrite.add(lines());
            }
        });

        enforcer().enforceListedKey(KeyArn.parse(fake.arn("k1")), Deadline.NONE);

        List<JsonNode> before = logAtEachWrite.get(0);
        assertEquals(1, before.size(), "one line, before TagResource: " + before);
        JsonNode line = before.get(0);
        assertEquals("replacing", line.field("type").get().text());
        assertEquals(fake.arn("k1"), line.field("keyArn").get().text());
        assertEquals("Sweep", line.field("trigger").get().text());
        assertEquals(Map.of("Environment", "production", "tmp:build", "7"), stringMap(line.field("previousValues").get()));
    }

    @Test
    void aFunctionStoppedAfterTagResourceHasAlreadyLoggedTheValueItsRemovalWouldLose() {
        fake.key("k1", Map.of("Owner", "alice", "Environment", "dev", "tmp:build", "7", "owner", "bob"));
        kms.onCall(operation -> {
            if (operation.equals("UntagResource")) {
                throw new Error("the function is stopped here");
            }
        });

        assertThrows(Error.class, () -> enforcer().enforceListedKey(KeyArn.parse(fake.arn("k1")), Deadline.NONE));

        List<JsonNode> lines = lines();
        assertEquals(1, lines.size(), "no decision line, only what was about to be replaced: " + lines);
        assertEquals(Map.of("tmp:build", "7", "owner", "bob"), stringMap(lines.get(0).field("previousValues").get()));
    }

    @Test
    void aKeyWithNothingToReplaceWritesNoSuchLine() {
        fake.key("k1", Map.of("Environment", "dev"));

        enforcer().enforceListedKey(KeyArn.parse(fake.arn("k1")), Deadline.NONE);

        assertEquals(Map.of("Owner", "nobody", "Environment", "dev"), fake.tagsOf("k1"));
        assertEquals(List.of(), lines(), "an added tag replaces nothing");
    }

    private TagEnforcer enforcer() {
        TagPolicy policy = Policies.parse(POLICY);
        Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
        DecisionLog decisions = new DecisionLog(log, LogLevel.INFO, new EmbeddedMetrics("Test", "test"), clock,
                PolicyOrigin.of("env:TAG_POLICY", POLICY.getBytes(StandardCharsets.UTF_8)));
        return new TagEnforcer(policy, PolicySource.fixed(policy), new KmsKeys(region -> kms), NotFoundRetry.NONE, clock,
                EnforcerIdentity.NONE, decisions);
    }

    private List<JsonNode> lines() {
        return log.toString(StandardCharsets.UTF_8).lines().map(line -> JsonNode.parser().parse(line)).toList();
    }

    private static Map<String, String> stringMap(JsonNode object) {
        Map<String, String> map = new java.util.LinkedHashMap<>();
        object.asObject().forEach((key, value) -> map.put(key, value.text()));
        return map;
    }
}
