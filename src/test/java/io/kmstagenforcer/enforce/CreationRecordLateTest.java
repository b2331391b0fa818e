package io.kmstagenforcer.enforce;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kmstagenforcer.Fixtures;
import io.kmstagenforcer.event.EnforcerIdentity;
import io.kmstagenforcer.event.KeyArn;
import io.kmstagenforcer.kms.Deadline;
import io.kmstagenforcer.kms.KmsKeys;
import io.kmstagenforcer.plan.Problem;
import io.kmstagenforcer.policy.Policies;
import io.kmstagenforcer.policy.PolicySource;
import io.kmstagenforcer.policy.TagPolicy;
import io.kmstagenforcer.sweep.FakeKms;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A key reached before its CreateKey record is processed (a second call tags it, the sweep lists
 * it): the creator the record names is never lost to the {@code unknown} an existing-key run
 * would write. ({@link FakeKms} says every key was created at {@link #CREATED}.)
 */
class CreationRecordLateTest {
    private static final Instant CREATED = Instant.parse("2023-02-03T04:05:06Z");
    private static final String KEY_ID = "0f8c3a5e-7b21-4d9e-a6c4-2e51b9d07f13";
    private static final TagPolicy POLICY = Policies.parse("{'required':{'Owner':{'default':'${principal}'},'Team':{'default':'platform'}}}");

    private final FakeKms fake = new FakeKms(() -> 0L);
    private final ObservedKms kms = new ObservedKms(fake);
    private final KeyArn key = KeyArn.parse(fake.arn(KEY_ID));

    @Test
    void theSweepMinutesAfterCreationLeavesTheCreatorForTheCreationRecord() {
        fake.key(KEY_ID, Map.of());

        EnforcementResult swept = enforcerAt(CREATED.plus(Duration.ofMinutes(5))).enforceListedKey(key, Deadline.NONE);
        EnforcementResult created = enforcerAt(CREATED.plus(Duration.ofMinutes(6))).enforce(createKeyRecord());

        assertEquals(Map.of("Team", "platform"), swept.added(), "no Owner=unknown in the creation record's way");
        assertTrue(swept.violations().stream().anyMatch(violation -> violation.key().equals("Owner")
                && violation.problem() == Problem.AWAITING_CREATION_RECORD), swept::toString);
        assertEquals(Map.of("Owner", "alice"), created.added());
        assertEquals(Map.of("Owner", "alice", "Team", "platform"), fake.tagsOf(KEY_ID));
    }

    @Test
    void aKeyMissingOnlyWhatItsCreationRecordWillGiveIsReportedAsWaitingForIt() {
        fake.key(KEY_ID, Map.of("Team", "core"));

        EnforcementResult swept = enforcerAt(CREATED.plus(Duration.ofMinutes(5))).enforceListedKey(key, Deadline.NONE);

        assertEquals(Outcome.NONCOMPLIANT, swept.outcome());
        assertEquals("waiting for the key's creation record, which alone can give these values", swept.reason().orElseThrow());
        assertEquals(List.of("ListResourceTags", "DescribeKey"), kms.calls());
    }

    @Test
    void aCreationRecordProcessedAfterAnOldKeyGotUnknownReplacesItAndLogsIt() {
        fake.key(KEY_ID, Map.of());
        enforcerAt(CREATED.plus(Duration.ofDays(2))).enforceListedKey(key, Deadline.NONE);
        assertEquals(Map.of("Owner", "unknown", "Team", "platform"), fake.tagsOf(KEY_ID), "no record was to come any more");

        EnforcementResult late = enforcerAt(CREATED.plus(Duration.ofDays(2))).enforce(createKeyRecord());
        EnforcementResult redelivered = enforcerAt(CREATED.plus(Duration.ofDays(2))).enforce(createKeyRecord());

        assertEquals(Map.of("Owner", "alice"), late.added());
        assertEquals(Map.of("Owner", "unknown"), late.previousValues());
        assertEquals(Outcome.COMPLIANT, redelivered.outcome(), "a redelivered record writes nothing once the creator is there");
        assertEquals(Map.of("Owner", "alice", "Team", "platform"), fake.tagsOf(KEY_ID));
    }

    private TagEnforcer enforcerAt(Instant now) {
        Clock clock = Clock.fixed(now, ZoneOffset.UTC);
        return new TagEnforcer(POLICY, PolicySource.fixed(POLICY), new KmsKeys(region -> kms), NotFoundRetry.NONE, clock,
                EnforcerIdentity.NONE, ReplacementLog.NONE);
    }

    /** The sample CreateKey record (by KeyAdmins/alice), for the fake's key in its region. */
    private static byte[] createKeyRecord() {
        return new String(Fixtures.bytes("events/create-key.json"), StandardCharsets.UTF_8)
                .replace("us-east-1", FakeKms.REGION).getBytes(StandardCharsets.UTF_8);
    }
}
