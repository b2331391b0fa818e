package io.kmstagenforcer.enforce;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kmstagenforcer.Fixtures;
import io.kmstagenforcer.MovableClock;
import io.kmstagenforcer.event.EnforcerIdentity;
import io.kmstagenforcer.event.KeyArn;
import io.kmstagenforcer.kms.Deadline;
import io.kmstagenforcer.kms.KmsKeys;
import io.kmstagenforcer.kms.WriteGate;
import io.kmstagenforcer.policy.Policies;
import io.kmstagenforcer.policy.PolicySource;
import io.kmstagenforcer.policy.TagPolicy;
import io.kmstagenforcer.sweep.FakeKms;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * KMS has no conditional write: a person's edit that lands between the enforcer's read and its write
 * would be overwritten by a plan made from the tags before it. The enforcer reads again before a
 * write when time has passed since its read (the sweep's pacing), and a drift event says which of
 * the values its own record set are no longer on the key.
 */
class EditBeforeTheWriteTest {
    private static final String KEY_ID = "0f8c3a5e-7b21-4d9e-a6c4-2e51b9d07f13";
    private static final TagPolicy POLICY = Policies.parse("{'required':{'Environment':{'default':'dev','allowed':['prod','staging','dev']},"
            + "'Team':{'default':'platform'}},'forbidden':['tmp:*']}");

    private final MovableClock clock = new MovableClock(Instant.parse("2024-05-14T10:00:00Z"));
    private final FakeKms fake = new FakeKms(() -> 0L);
    private final ObservedKms kms = new ObservedKms(fake);
    private final KeyArn key = KeyArn.parse(fake.arn(KEY_ID));

    @Test
    void anEditDuringTheSweepsWaitForItsWriteSlotIsReadAndRespectedNotOverwritten() {
        fake.key(KEY_ID, Map.of("Environment", "production", "Team", "core"));
        WriteGate slowSlot = new PersonEditsWhileWaiting(Duration.ofSeconds(5), () -> fake.tagsOf(KEY_ID).put("Environment", "staging"));

        EnforcementResult result = enforcer(slowSlot).enforceListedKey(key, Deadline.NONE);

        assertEquals(Map.of("Environment", "staging", "Team", "core"), fake.tagsOf(KEY_ID), "the person's valid value stands");
        assertEquals(Outcome.COMPLIANT, result.outcome(), result::toString);
        assertEquals(List.of("ListResourceTags", "DescribeKey", "ListResourceTags"), kms.calls(), "one more read, no write");
    }

    @Test
    void anEditThePolicyStillRefusesIsReplacedWithTheValueItReplacedLogged() {
        fake.key(KEY_ID, Map.of("Environment", "production", "Team", "core"));
        WriteGate slowSlot = new PersonEditsWhileWaiting(Duration.ofSeconds(5), () -> fake.tagsOf(KEY_ID).put("Environment", "qa"));

        EnforcementResult result = enforcer(slowSlot).enforceListedKey(key, Deadline.NONE);

        assertEquals(Map.of("Environment", "dev"), result.added());
        assertEquals(Map.of("Environment", "qa"), result.previousValues(), "the value replaced is the one KMS held, the person's");
    }

    @Test
    void aWriteRightAfterItsReadCostsNoSecondRead() {
        fake.key(KEY_ID, Map.of("Environment", "production", "Team", "core", "tmp:x", "1"));

        enforcer(WriteGate.OPEN).enforceListedKey(key, Deadline.NONE);

        assertEquals(List.of("ListResourceTags", "DescribeKey", "TagResource", "UntagResource"), kms.calls());
    }

    @Test
    void aDriftEventWhoseValueIsNoLongerOnTheKeySaysSo() {
        fake.key(KEY_ID, Map.of("Environment", "dev", "Team", "core"));

        EnforcementResult result = enforcer(WriteGate.OPEN).enforce(tagResourceRecord());

        assertEquals(Outcome.COMPLIANT, result.outcome());
        assertEquals(Map.of("Environment", "production"), result.editedValuesGone(),
                "the record set Environment=production; the key holds dev: replaced after the edit, by someone or by a run that read before it");
    }

    @Test
    void aDriftEventWhoseValuesAreOnTheKeyReportsNoneGone() {
        fake.key(KEY_ID, Map.of("Environment", "production", "Team", "core"));

        EnforcementResult result = enforcer(WriteGate.OPEN).enforce(tagResourceRecord());

        assertEquals(Map.of("Environment", "dev"), result.added());
        assertEquals(Map.of(), result.editedValuesGone());
    }

    private TagEnforcer enforcer(WriteGate gate) {
        return new TagEnforcer(POLICY, PolicySource.fixed(POLICY), KmsKeys.paced(region -> kms, gate), NotFoundRetry.NONE, clock,
                EnforcerIdentity.NONE, ReplacementLog.NONE);
    }

    /** The sample TagResource record (bob sets Environment=production) for the fake's key in its region. */
    private static byte[] tagResourceRecord() {
        return new String(Fixtures.bytes("events/tag-resource.json"), StandardCharsets.UTF_8)
                .replace("us-east-1", FakeKms.REGION).getBytes(StandardCharsets.UTF_8);
    }

    /** A write slot that takes {@code wait} to come, during which a person edits the key's tags once. */
    private final class PersonEditsWhileWaiting implements WriteGate {
        private final Duration wait;
        private Runnable edit;

        PersonEditsWhileWaiting(Duration wait, Runnable edit) {
            this.wait = wait;
            this.edit = edit;
        }

        @Override
        public void awaitSlot() {
            if (edit != null) {
                clock.advance(wait);
                edit.run();
                edit = null;
            }
        }

        @Override
        public void beforeWrite() {
            awaitSlot();
        }
    }
}
