package io.kmstagenforcer.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kmstagenforcer.enforce.EnforcementResult;
import io.kmstagenforcer.enforce.NotFoundRetry;
import io.kmstagenforcer.enforce.Outcome;
import io.kmstagenforcer.enforce.TagEnforcer;
import io.kmstagenforcer.kms.Deadline;
import io.kmstagenforcer.kms.KmsKeys;
import io.kmstagenforcer.policy.Mode;
import io.kmstagenforcer.policy.Policies;
import io.kmstagenforcer.policy.TagPolicy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The sweep over one region's keys against an in-memory KMS on a fake clock: which calls each kind of
 * key costs, how writes are paced and throttling is met, and how an invocation that runs short of
 * time stops and hands on a marker from which the next one finishes the job, every key once.
 */
class SweepTest {
    private static final String POLICY = "{'required':{'Owner':{'default':'${principal}'},'Team':{'default':'platform'}},"
            + "'forbidden':['tmp:*'],'exemptTag':'tag-enforcer:exempt'}";
    /** CostCenter has one right value, written over any other. */
    private static final String REPLACES_COST_CENTER = "{'required':{'CostCenter':{'value':'0042'}},'forbidden':['tmp:*']}";
    private static final Map<String, String> COMPLIANT = Map.of("Owner", "alice", "Team", "core");
    private static final long SECOND = 1_000_000_000L;

    private final FakeTime time = new FakeTime();
    private final FakeKms kms = new FakeKms(time::nanos);
    private final List<EnforcementResult> decisions = new ArrayList<>();

    @Test
    void aCompliantKeyCostsOneListResourceTagsAndNoDescribeKey() {
        kms.key("k1", COMPLIANT);

        SweepSummary summary = sweep(1).run(SweepMarker.start("s"), Deadline.NONE, decisions::add);

        assertEquals(List.of("ListResourceTags"), kms.callsFor("k1"));
        assertEquals(1, summary.totals().get("compliant"));
        assertTrue(summary.complete());
    }

    @Test
    void aKeyThatNeedsChangesIsDescribedThenTaggedBeforeItsForbiddenTagIsRemoved() {
        kms.key("k1", Map.of("Owner", "alice", "tmp:build", "7"));

        SweepSummary summary = sweep(1).run(SweepMarker.start("s"), Deadline.NONE, decisions::add);

        assertEquals(List.of("ListResourceTags", "DescribeKey", "TagResource", "UntagResource"), kms.callsFor("k1"));
        assertEquals(Map.of("Owner", "alice", "Team", "platform"), kms.tagsOf("k1"));
        assertEquals(Map.of("tmp:build", "7"), decisions.get(0).previousValues());
        assertEquals(1, summary.totals().get("remediated"));
    }

    @Test
    void awsManagedKeysAreKnownByTheirAliasesAndCostNoCallEach() {
        kms.awsManagedKey("aws1", "alias/aws/ebs").key("k1", COMPLIANT).alias("alias/mine", "k1").alias("alias/aws/s3", "aws2")
                .awsManagedKey("aws2", "alias/aws/s3");

        SweepSummary summary = sweep(1).run(SweepMarker.start("s"), Deadline.NONE, decisions::add);

        assertEquals(List.of(), kms.callsFor("aws1"));
        assertEquals(List.of(), kms.callsFor("aws2"));
        assertEquals(2, summary.totals().get("skipped.awsManaged"));
        assertEquals(2, kms.count("ListAliases"), "every alias page (two per page here) is read");
    }

    @Test
    void aKeyPendingDeletionIsSkippedAfterDescribeKeyWithoutAWrite() {
        kms.key("k1", Map.of()).state("k1", "PendingDeletion");

        SweepSummary summary = sweep(1).run(SweepMarker.start("s"), Deadline.NONE, decisions::add);

        assertEquals(List.of("ListResourceTags", "DescribeKey"), kms.callsFor("k1"));
        assertEquals(1, summary.totals().get("skipped.pendingDeletion"));
    }

    @Test
    void anExemptKeyIsSkippedAfterOneRead() {
        kms.key("k1", Map.of("tag-enforcer:exempt", "yes", "tmp:x", "1"));

        SweepSummary summary = sweep(1).run(SweepMarker.start("s"), Deadline.NONE, decisions::add);

        assertEquals(List.of("ListResourceTags"), kms.callsFor("k1"));
        assertEquals(1, summary.totals().get("skipped.exempt"));
    }

    /** The enforcer's clock says 2027-04-01: k1's exemption ended yesterday, k2's ends today, k3's end date is no date. */
    @Test
    void anExpiredExemptionIsEnforcedAndCountedNotSkipped() {
        kms.key("k1", Map.of("tag-enforcer:exempt", "until 2027-03-31", "Owner", "alice", "tmp:x", "1"))
                .key("k2", Map.of("tag-enforcer:exempt", "until 2027-04-01", "tmp:x", "1"))
                .key("k3", Map.of("tag-enforcer:exempt", "until 2027-04-31", "Owner", "alice", "Team", "core"));

        SweepSummary summary = sweep(Policies.parse(POLICY), 1, Clock.fixed(Instant.parse("2027-04-01T12:00:00Z"), ZoneOffset.UTC))
                .run(SweepMarker.start("s"), Deadline.NONE, decisions::add);

        assertEquals(List.of("ListResourceTags", "DescribeKey", "TagResource", "UntagResource"), kms.callsFor("k1"));
        assertEquals(Map.of("tag-enforcer:exempt", "until 2027-03-31", "Owner", "alice", "Team", "platform"), kms.tagsOf("k1"));
        assertEquals(List.of("ListResourceTags"), kms.callsFor("k2"));
        assertEquals(List.of("ListResourceTags"), kms.callsFor("k3"), "compliant, though its exemption names no date");
        assertEquals(1, summary.totals().get("remediated"));
        assertEquals(1, summary.totals().get("compliant"));
        assertEquals(1, summary.totals().get("skipped.exempt"));
        assertEquals(1, summary.totals().get("exemptions.expired"));
        assertEquals(1, summary.totals().get("exemptions.notHonoured"));
    }

    @Test
    void everyPageOfListKeysIsSweptAndEachKeyOnce() {
        IntStream.range(0, 25).forEach(i -> kms.key("k" + i, COMPLIANT));
        kms.pageSize(10);

        SweepSummary summary = sweep(1).run(SweepMarker.start("s"), Deadline.NONE, decisions::add);

        assertEquals(3, kms.count("ListKeys"));
        assertEquals(25, summary.totals().get("keysSeen"));
        assertEquals(25, kms.count("ListResourceTags"));
        assertEquals(25, decisions.stream().map(EnforcementResult::keyArn).distinct().count());
    }

    @Test
    void reportModeWritesNothingAndSaysWhatItWouldChange() {
        kms.key("k1", Map.of("tmp:build", "7"));

        SweepSummary summary = sweep(Policies.parse(POLICY).withMode(Mode.REPORT), 1)
                .run(SweepMarker.start("s"), Deadline.NONE, decisions::add);

        assertEquals(0, kms.count("TagResource") + kms.count("UntagResource"));
        assertEquals(Outcome.REPORTED, decisions.get(0).outcome());
        assertEquals(Map.of("Owner", "unknown", "Team", "platform"), decisions.get(0).wouldAdd());
        assertEquals(List.of("tmp:build"), decisions.get(0).wouldRemove());
        assertEquals(1, summary.totals().get("reported"));
    }

    @Test
    void writesAreSpacedAtLeastOneIntervalApartAtTheConfiguredRate() {
        IntStream.range(0, 10).forEach(i -> kms.key("k" + i, Map.of("tmp:x", "1")));

        SweepSummary summary = sweep(2).run(SweepMarker.start("s"), Deadline.NONE, decisions::add);

        List<Long> writes = kms.timesOf("TagResource", "UntagResource");
        assertEquals(20, writes.size());
        for (int i = 1; i < writes.size(); i++) {
            assertTrue(writes.get(i) - writes.get(i - 1) >= SECOND / 2, "write " + i + " came too soon after the one before");
        }
        assertTrue(summary.peakWritesPerSecond() <= 2, () -> "peak " + summary.peakWritesPerSecond());
    }

    @Test
    void throttlingHalvesTheWriteRateAndTheKeyIsRetriedAfterABackoff() {
        kms.key("k1", Map.of("tmp:x", "1")).throttleNext("TagResource", 2);

        SweepSummary summary = sweep(4).run(SweepMarker.start("s"), Deadline.NONE, decisions::add);

        assertEquals(1, summary.totals().get("remediated"));
        assertEquals(3, kms.count("TagResource"), "two throttled attempts, then the one that worked");
        assertEquals(1.0, summary.writeRateAtEnd(), "4/s halved twice");
        assertEquals(List.of(Duration.ofSeconds(1), Duration.ofSeconds(2)), time.backoffs(), "exponential backoff between attempts");
    }

    /** Throttling is known as the SDK knows it, whatever the code says: not by "Throttl" in its name. */
    @ParameterizedTest(name = "HTTP {0} {1}")
    @CsvSource({"400, RequestLimitExceeded", "400, TooManyRequestsException", "429, SlowDownPlease"})
    void throttlingUnderAnotherCodeHalvesTheWriteRateToo(int status, String errorCode) {
        kms.key("k1", Map.of("tmp:x", "1")).throttleAs(status, errorCode).throttleNext("TagResource", 1);

        SweepSummary summary = sweep(4).run(SweepMarker.start("s"), Deadline.NONE, decisions::add);

        assertEquals(1, summary.totals().get("remediated"), "retried, as throttling is");
        assertEquals(2.0, summary.writeRateAtEnd(), "4/s halved once");
    }

    /**
     * Issue 16.1: the first attempt replaced CostCenter=12ab, then its UntagResource was throttled;
     * the retry only had tmp:x left to remove. The key's one decision line says what both attempts
     * wrote and the value each write replaced or removed, and the counts include both.
     */
    @Test
    void aKeyRetriedAfterAPartialAttemptReportsEveryWriteOfEveryAttemptInItsOneDecision() {
        kms.key("k1", Map.of("CostCenter", "12ab", "tmp:x", "1")).throttleNext("UntagResource", 1);

        SweepSummary summary = sweep(Policies.parse(REPLACES_COST_CENTER), 4).run(SweepMarker.start("s"), Deadline.NONE, decisions::add);

        assertEquals(List.of("ListResourceTags", "DescribeKey", "TagResource", "UntagResource",
                "ListResourceTags", "DescribeKey", "UntagResource"), kms.callsFor("k1"));
        assertEquals(1, decisions.size(), "one decision line per key");
        EnforcementResult decision = decisions.get(0);
        assertEquals(Outcome.REMEDIATED, decision.outcome());
        assertEquals(Map.of("CostCenter", "0042"), decision.added());
        assertEquals(List.of("tmp:x"), decision.removed());
        assertEquals(Map.of("CostCenter", "12ab", "tmp:x", "1"), decision.previousValues());
        assertEquals(1, summary.totals().get("tagsAdded"));
        assertEquals(1, summary.totals().get("tagsRemoved"));
        assertEquals(1, summary.totals().get("remediated"));
        assertEquals(1, summary.totals().get("keysSeen"));
    }

    /**
     * The same partial first attempt, with no time left to back off: the key is left for the next
     * invocation (it is not counted as seen), but what was written is logged and counted now.
     */
    @Test
    void aKeyLeftForTheNextInvocationAfterAPartialAttemptStillLogsAndCountsWhatItWrote() {
        kms.key("k1", Map.of("CostCenter", "12ab", "tmp:x", "1")).throttleNext("UntagResource", 1);
        long invocationEnds = time.nanos() + 1_900_000_000L;

        SweepSummary summary = sweep(Policies.parse(REPLACES_COST_CENTER), 4)
                .run(SweepMarker.start("s"), () -> Duration.ofNanos(invocationEnds - time.nanos()), decisions::add);

        assertTrue(summary.continuation().isPresent(), summary::toString);
        assertEquals(1, decisions.size());
        EnforcementResult decision = decisions.get(0);
        assertEquals(Outcome.RETRYING, decision.outcome());
        assertEquals(Map.of("CostCenter", "0042"), decision.added());
        assertEquals(Map.of("CostCenter", "12ab"), decision.previousValues());
        assertEquals(1, summary.invocation().get("tagsAdded"));
        assertEquals(0, summary.invocation().get("keysSeen"), "the next invocation reads the key again and counts it");
        assertEquals(0, summary.invocation().get("unfinished"));
    }

    /** Issue 16.9: reads cost no write quota, so a throttled read is retried but leaves the write rate alone. */
    @Test
    void aThrottledReadDoesNotSlowTheWrites() {
        kms.key("k1", Map.of("tmp:x", "1")).throttleNext("ListResourceTags", 1);

        SweepSummary summary = sweep(4).run(SweepMarker.start("s"), Deadline.NONE, decisions::add);

        assertEquals(1, summary.totals().get("remediated"));
        assertEquals(2, kms.count("ListResourceTags"), "retried after the backoff");
        assertEquals(4.0, summary.writeRateAtEnd());
    }

    /**
     * Issue 16.9: after a throttled write the rate is halved, then won back a step at a time by writes
     * KMS takes without throttling, and never goes above the configured rate.
     */
    @Test
    void theWriteRateIsWonBackByUnthrottledWritesUpToTheConfiguredRateAndNoHigher() {
        IntStream.range(0, 60).forEach(i -> kms.key(String.format("k%02d", i), Map.of("Owner", "alice", "Team", "core", "tmp:x", "1")));
        kms.throttleNext("UntagResource", 1);

        SweepSummary summary = sweep(4).run(SweepMarker.start("s"), Deadline.NONE, decisions::add);

        assertEquals(60, summary.totals().get("remediated"));
        assertEquals(4.0, summary.writeRateAtEnd(), "back at the configured rate");
        assertEquals(2.0, summary.writeRateLowest());
        List<Long> writes = kms.timesOf("UntagResource");
        long shortestGap = IntStream.range(1, writes.size()).mapToLong(i -> writes.get(i) - writes.get(i - 1)).min().orElseThrow();
        assertTrue(shortestGap >= SECOND / 4, "never faster than 4/s: " + shortestGap + " ns");
        long gapAfterThrottling = writes.get(2) - writes.get(1);
        assertTrue(gapAfterThrottling >= SECOND / 2, "halved to 2/s at first: " + gapAfterThrottling + " ns");
    }

    /** Issue 16.9: throttling in one invocation does not slow the next, which starts at the configured rate. */
    @Test
    void everyInvocationStartsAtTheConfiguredRate() {
        kms.key("k1", Map.of("tmp:x", "1")).throttleNext("UntagResource", 3);
        Sweep sweep = sweep(4);
        SweepSummary throttled = sweep.run(SweepMarker.start("s"), Deadline.NONE, decisions::add);
        kms.key("k2", Map.of("tmp:y", "1"));

        SweepSummary next = sweep.run(SweepMarker.start("s2"), Deadline.NONE, decisions::add);

        assertEquals(0.5, throttled.writeRateAtEnd(), "4/s halved three times");
        assertEquals(4.0, next.writeRateAtEnd());
    }

    @Test
    void aTerminalErrorIsCountedAndNeverRetried() {
        kms.key("k1", Map.of("tmp:x", "1")).key("k2", COMPLIANT).alwaysFail("TagResource", "AccessDeniedException");

        SweepSummary summary = sweep(1).run(SweepMarker.start("s"), Deadline.NONE, decisions::add);

        assertEquals(1, kms.count("TagResource"));
        assertEquals(1, summary.totals().get("failed"));
        assertEquals(1, summary.totals().get("compliant"), "the sweep goes on to the next key");
        assertTrue(decisions.get(0).reason().orElseThrow().contains("AccessDeniedException"));
    }

    @Test
    void aKeyStillFailingAfterEveryAttemptIsCountedUnfinishedAndTheSweepGoesOn() {
        kms.key("k1", Map.of("tmp:x", "1")).key("k2", COMPLIANT).alwaysFail("TagResource", "KMSInternalException");

        SweepSummary summary = sweep(1).run(SweepMarker.start("s"), Deadline.NONE, decisions::add);

        assertEquals(Sweep.ATTEMPTS_PER_KEY, kms.count("TagResource"));
        assertEquals(1, summary.totals().get("unfinished"));
        assertEquals(1, summary.totals().get("compliant"));
        assertEquals(Outcome.RETRYING, decisions.get(0).outcome());
    }

    @Test
    void listingThatKeepsFailingFailsTheInvocationSoLambdaRetriesIt() {
        kms.key("k1", COMPLIANT).alwaysFail("ListKeys", "KMSInternalException");

        SweepFailure failure = assertThrows(SweepFailure.class,
                () -> sweep(1).run(SweepMarker.start("s"), Deadline.NONE, decisions::add));

        assertEquals(Sweep.ATTEMPTS_PER_KEY, kms.count("ListKeys"));
        assertTrue(failure.getMessage().contains("KMSInternalException"), failure::getMessage);
        assertFalse(failure.summary().complete());
    }

    @Test
    void anInvocationShortOfTimeStopsAndItsMarkerLetsTheNextFinishEveryKeyExactlyOnce() {
        IntStream.range(0, 40).forEach(i -> kms.key(String.format("k%02d", i), Map.of("tmp:x", "1")));
        kms.pageSize(15);
        Sweep sweep = sweep(1);

        List<SweepSummary> invocations = new ArrayList<>();
        SweepMarker marker = SweepMarker.start("s");
        while (true) {
            long invocationEnds = time.nanos() + 30 * SECOND;
            SweepSummary summary = sweep.run(marker, () -> Duration.ofNanos(invocationEnds - time.nanos()), decisions::add);
            invocations.add(summary);
            if (summary.continuation().isEmpty()) {
                break;
            }
            marker = summary.continuation().get();
        }

        assertTrue(invocations.size() > 2, "each 30 s invocation fits about 12 keys at 2 writes a key and 1 write/s");
        assertTrue(invocations.get(invocations.size() - 1).complete());
        assertEquals(40, invocations.get(invocations.size() - 1).totals().get("remediated"), "the last summary totals the sweep");
        Set<String> seen = new HashSet<>();
        decisions.forEach(result -> assertTrue(seen.add(result.keyArn().orElseThrow()), "swept twice: " + result.keyArn()));
        assertEquals(40, seen.size());
        assertEquals(40, kms.count("TagResource"), "one TagResource per key, none repeated");
        for (int i = 1; i < invocations.size(); i++) {
            assertEquals(i + 1, invocations.get(i).invocationNumber());
        }
    }

    /**
     * The reserve is kept before each key, but not for the pacer's wait inside it: at 0.5 writes/s
     * the slots are 2 s apart, more than a 6 s invocation's 1.2 s reserve, so a key begun with 1.9 s
     * left writes at its slot 2 s later, after the deadline (in Lambda: killed, no summary, no
     * continuation). SweepIT has the same on the wall clock through SweepHandler.
     */
    @Test
    void anInvocationNeverOutrunsItsDeadlineWaitingForAWriteSlot() {
        IntStream.range(0, 5).forEach(i -> kms.key("k" + i, Map.of("Owner", "alice", "Team", "core", "tmp:x", "1")));
        long invocationEnds = time.nanos() + 6 * SECOND;
        Deadline deadline = () -> Duration.ofNanos(invocationEnds - time.nanos());

        SweepSummary summary = sweep(0.5).run(SweepMarker.start("s"), deadline, decisions::add);

        assertTrue(summary.continuation().isPresent());
        assertTrue(deadline.remaining().compareTo(Duration.ZERO) > 0, () -> "returned " + deadline.remaining().negated().toMillis()
                + " ms after the deadline, having written " + kms.count("UntagResource") + " keys");
    }

    @Test
    void aSweepThatHasTakenTheMostInvocationsStopsWithoutAContinuation() {
        IntStream.range(0, 5).forEach(i -> kms.key("k" + i, Map.of("tmp:x", "1")));
        SweepMarker last = new SweepMarker("s", Sweep.MAX_INVOCATIONS, SweepPosition.START, Map.of());
        long invocationEnds = time.nanos() + 3 * SECOND;

        SweepSummary summary = sweep(1).run(last, () -> Duration.ofNanos(invocationEnds - time.nanos()), decisions::add);

        assertFalse(summary.complete());
        assertTrue(summary.continuation().isEmpty());
        assertTrue(summary.stoppedBecause().orElseThrow().contains("invocations"), summary::toString);
    }

    @Test
    void theReserveIsAFifthOfTheTimeLeftWithinBounds() {
        assertEquals(Duration.ofSeconds(40), Sweep.reserveFor(Duration.ofSeconds(900)));
        assertEquals(Duration.ofSeconds(2), Sweep.reserveFor(Duration.ofSeconds(10)));
        assertEquals(Duration.ofSeconds(1), Sweep.reserveFor(Duration.ofMillis(500)));
    }

    private Sweep sweep(double writesPerSecond) {
        return sweep(Policies.parse(POLICY), writesPerSecond);
    }

    private Sweep sweep(TagPolicy policy, double writesPerSecond) {
        return sweep(policy, writesPerSecond, Clock.systemUTC());
    }

    private Sweep sweep(TagPolicy policy, double writesPerSecond, Clock clock) {
        WritePacer pacer = new WritePacer(writesPerSecond, time::nanos, time::sleep);
        KmsKeys keys = KmsKeys.paced(region -> kms, pacer);
        TagEnforcer enforcer = new TagEnforcer(policy, keys, NotFoundRetry.NONE, clock);
        return new Sweep(enforcer, keys, FakeKms.REGION, pacer, time::backoff, time::nanos);
    }

    /** A clock that only moves when something sleeps (pacing) or backs off, and a little per call. */
    static final class FakeTime {
        private long nanos = 1_000 * SECOND;
        private final List<Duration> backoffs = new ArrayList<>();

        long nanos() {
            nanos += 1_000_000; // every look at the clock costs 1 ms: calls take time
            return nanos;
        }

        void sleep(Duration duration) {
            nanos += duration.toNanos();
        }

        void backoff(Duration duration) {
            backoffs.add(duration);
            sleep(duration);
        }

        List<Duration> backoffs() {
            return List.copyOf(backoffs);
        }
    }
}
