package io.kmstagenforcer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import io.kmstagenforcer.SweepHandler.Collaborators;
import io.kmstagenforcer.json.JsonField;
import io.kmstagenforcer.localrun.EmbeddedMetricExtraction;
import io.kmstagenforcer.localrun.LambdaLogLevelFilter;
import io.kmstagenforcer.aws.JsonOperation;
import io.kmstagenforcer.org.AccountTagPolicies;
import io.kmstagenforcer.policy.OrganizationTagPolicy;
import io.kmstagenforcer.sweep.FakeKms;
import io.kmstagenforcer.sweep.SweepFailure;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import io.kmstagenforcer.policy.PolicyOrigin;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The sweep handler as Lambda sees it: a ScheduledEvent in (from the schedule, or from itself), one
 * summary line and one metrics document out per invocation, and, when time runs short, an
 * asynchronous invocation of itself with the marker to go on from.
 */
class SweepHandlerTest {
    private static final long SECOND = 1_000_000_000L;
    private static final String POLICY = "{\"required\":{\"Team\":{\"default\":\"platform\"}},\"forbidden\":[\"tmp:*\"]}";

    @TempDir
    Path work;

    private long nanos = 100 * SECOND;
    private final FakeKms kms = new FakeKms(() -> nanos);
    private final Map<String, String> environment = new HashMap<>();
    private final ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
    private final List<byte[]> continuations = new ArrayList<>();
    private final List<String> continuedFunctions = new ArrayList<>();

    @BeforeEach
    void environment() {
        environment.put("TAG_POLICY", POLICY);
        environment.put("ENFORCEMENT_MODE", "enforce");
        environment.put("AWS_REGION", FakeKms.REGION);
        environment.put("AWS_LAMBDA_FUNCTION_NAME", "kms-tag-enforcer-SweepFunction-X");
        environment.put("SWEEP_WRITES_PER_SECOND", "1");
    }

    @Test
    void aScheduledRunSweepsTheRegionAndLogsOneSummaryAndOneMetricsDocument() {
        kms.key("k1", Map.of("Team", "core")).key("k2", Map.of("tmp:x", "1"));

        SweepResponse response = handler().handleRequest(scheduled(), context(900));

        assertTrue(response.complete());
        assertFalse(response.continues());
        assertEquals(2L, response.totals().get("keysSeen"));
        assertEquals(List.of(), continuations);
        assertEquals(2, logLines("decision").size(), "one decision line per key");
        JsonField summary = logLines("sweep-summary").get(0);
        assertEquals(1L, summary.get("totals").get("remediated").optionalLong().orElseThrow());
        assertEquals(2L, summary.get("totals").get("calls").get("ListResourceTags").optionalLong().orElseThrow());
        PolicyOrigin policy = PolicyOrigin.of("env:TAG_POLICY", POLICY.getBytes(StandardCharsets.UTF_8));
        for (JsonField line : List.of(summary, logLines("decision").get(0), logLines("decision").get(1))) {
            assertEquals(policy.source(), line.get("policy").get("source").requiredString(), "the summary and every decision name the policy");
            assertEquals(policy.sha256(), line.get("policy").get("sha256").requiredString());
        }
        JsonField metrics = logLines(null).get(0);
        assertEquals(2L, metrics.get("KeysSeen").optionalLong().orElseThrow());
        assertEquals(2L, metrics.get("WriteCalls").optionalLong().orElseThrow());
    }

    /**
     * Issue 16.9: each invocation's summary says the write rate it started at, the lowest it went down
     * to and where it ended; the next invocation in the same container starts at the configured rate
     * again, whatever throttling the one before met.
     */
    @Test
    void eachSummarySaysTheWriteRateItsInvocationStartedAtWentDownToAndEndedAt() {
        environment.put("SWEEP_WRITES_PER_SECOND", "2");
        kms.key("k1", Map.of("tmp:x", "1")).throttleNext("UntagResource", 1);
        SweepHandler container = handler();

        container.handleRequest(scheduled(), context(900));
        container.handleRequest(scheduled(), context(900));

        List<JsonField> summaries = logLines("sweep-summary");
        assertEquals(List.of(2.0, 1.0, 1.0), rates(summaries.get(0)), "start, lowest, end: halved by the throttled UntagResource");
        assertEquals(List.of(2.0, 2.0, 2.0), rates(summaries.get(1)), "the next invocation starts at the configured rate");
    }

    private static List<Double> rates(JsonField summary) {
        return List.of("writeRateAtStart", "writeRateLowest", "writeRateAtEnd").stream()
                .map(name -> Double.parseDouble(summary.asObject().get(name).asNumber())).toList();
    }

    /**
     * What reaches CloudWatch is what Lambda's log-level filter passes (LambdaLogLevelFilter, the
     * documented rule): the summary and its metrics document pass at every level the template offers.
     */
    @ParameterizedTest
    @ValueSource(strings = {"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"})
    void theSummaryAndItsMetricsPassLambdasLogLevelFilterAtEveryLevel(String level) {
        environment.put("AWS_LAMBDA_LOG_LEVEL", level);
        kms.key("k1", Map.of("Team", "core")).key("k2", Map.of("tmp:x", "1"));

        handler().handleRequest(scheduled(), context(900));

        List<String> passed = LambdaLogLevelFilter.passed(logBytes.toString(StandardCharsets.UTF_8), level);
        assertEquals(1, passed.stream().filter(line -> line.contains("\"type\":\"sweep-summary\"")).count(), passed::toString);
        Map<String, Double> metrics = EmbeddedMetricExtraction.metrics(passed);
        assertEquals(2.0, metrics.get("KmsTagEnforcer/KeysSeen"), metrics::toString);
        assertEquals(1.0, metrics.get("KmsTagEnforcer/Remediated"), metrics::toString);
    }

    @Test
    void aSweepShortOfTimeInvokesItselfAndTheNextInvocationFinishesFromTheMarker() throws IOException {
        IntStream.range(0, 12).forEach(i -> kms.key(String.format("k%02d", i), Map.of("tmp:x", "1")));
        SweepHandler handler = handler();

        SweepResponse first = handler.handleRequest(scheduled(), context(10));

        assertTrue(first.continues());
        assertEquals(List.of(FakeContext.FUNCTION_ARN), continuedFunctions, "it invokes the function it runs as");
        ScheduledEvent next = load(continuations.get(0));
        SweepResponse second = handler.handleRequest(next, context(900));

        assertTrue(second.complete());
        assertEquals(first.sweepId(), second.sweepId());
        assertEquals(2, second.invocationNumber());
        assertEquals(12L, second.totals().get("remediated"), "the last invocation's totals cover the whole sweep");
        assertEquals(12, kms.count("TagResource"), "no key written twice, none dropped");
    }

    @Test
    void anUnusableMarkerStartsOverAndTheSummarySaysWhy() throws IOException {
        kms.key("k1", Map.of("Team", "core"));
        Path file = work.resolve("bad.json");
        Files.writeString(file, "{\"version\":\"0\",\"id\":\"x\",\"detail-type\":\"Sweep Continuation\",\"source\":\"s\",\"account\":\"1\","
                + "\"time\":\"2026-12-03T10:00:00Z\",\"region\":\"eu-west-1\",\"resources\":[],\"detail\":{\"sweepId\":\"s\",\"invocation\":\"two\"}}");

        SweepResponse response = handler().handleRequest(EventLoader.loadScheduledEvent(file.toString()), context(900));

        assertTrue(response.complete());
        String note = logLines("sweep-summary").get(0).get("note").optionalString().orElseThrow();
        assertTrue(note.contains("detail.invocation") && note.contains("started from the first key"), note);
    }

    @Test
    void listingThatKeepsFailingLogsTheSummaryAndFailsTheInvocation() {
        kms.key("k1", Map.of()).alwaysFail("ListAliases", "KMSInternalException");

        assertThrows(SweepFailure.class, () -> handler().handleRequest(scheduled(), context(900)));

        JsonField summary = logLines("sweep-summary").get(0);
        assertEquals("WARN", summary.get("level").optionalString().orElseThrow(), "an invocation that fails is logged as a warning");
        assertTrue(summary.get("stoppedBecause").optionalString().orElseThrow().contains("KMSInternalException"));
    }

    @Test
    void aWriteRateOutsideKmsQuotaFailsInitialisationNamingTheVariable() {
        environment.put("SWEEP_WRITES_PER_SECOND", "50");

        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, this::handler);

        assertTrue(error.getMessage().startsWith("SWEEP_WRITES_PER_SECOND must be a number from 0.1 to 5"), error::getMessage);
    }

    /**
     * With production's time (the real sleeper and {@code System.nanoTime}), no one-second window
     * holds more writes than the rate, counted from the pacer's own send times (the summary's
     * peakWritesPerSecond). Not from when the fake KMS received them: a thread descheduled or a GC
     * pause between the pacer and the KMS client can bring two arrivals closer than the interval on
     * a loaded machine, which no client-side pacer can prevent. Deterministic proofs of the pacing
     * (a sleeper that wakes early or late) are in WritePacerTest; this one checks the wiring.
     */
    @Test
    void withProductionsSleeperAndClockNoSecondHoldsMoreWritesThanTheRateByThePacersOwnSendTimes() {
        FakeKms wallClockKms = new FakeKms(System::nanoTime);
        IntStream.range(0, 5).forEach(i -> wallClockKms.key("k" + i, Map.of("tmp:x", "1")));
        environment.put("SWEEP_WRITES_PER_SECOND", "5");

        new SweepHandler(Collaborators.of(environment, region -> wallClockKms)
                .withContinuation((next, functionArn, payload) -> { })
                .withLogOutput(new PrintStream(logBytes, true, StandardCharsets.UTF_8)))
                .handleRequest(scheduled(), FakeContext.endingIn(Duration.ofMinutes(10)));

        assertEquals(10, wallClockKms.timesOf("TagResource", "UntagResource").size(), "a TagResource and an UntagResource per key");
        JsonField summary = logLines("sweep-summary").get(0);
        long peak = summary.get("peakWritesPerSecond").optionalLong().orElseThrow();
        assertTrue(peak >= 1 && peak <= 5, () -> "peakWritesPerSecond " + peak + " at a limit of 5: " + summary);
    }

    @Test
    void withOrganizationRequiredTagsOneInvocationReadsTheListOnceForAllItsKeys() {
        environment.put("TAG_POLICY", "{\"organizationRequiredTags\":true,\"required\":{\"Team\":{\"default\":\"platform\"}}}");
        kms.key("k1", Map.of("Team", "core", "Owner", "alice")).key("k2", Map.of("Team", "core")).key("k3", Map.of());
        List<String> reads = new ArrayList<>();

        handler((account, deadline) -> {
            reads.add(account);
            return Optional.of(new OrganizationTagPolicy("of account " + account, List.of()).requiring(List.of("Owner")));
        }).handleRequest(scheduled(), context(900));

        assertEquals(1, reads.size(), reads::toString);
        List<JsonField> decisions = logLines("decision");
        assertEquals(3, decisions.size());
        decisions.forEach(line -> assertEquals("read: Owner", line.get("organizationTagPolicy").requiredString(), line::toString));
        assertEquals(List.of("COMPLIANT", "NONCOMPLIANT", "NONCOMPLIANT"),
                decisions.stream().map(line -> line.get("outcome").requiredString()).sorted().toList());
        assertEquals(Map.of("Team", "core"), kms.tagsOf("k2"), "no value is made up for Owner");
    }

    @Test
    void withOrganizationRequiredTagsUnavailableTheSweepEnforcesTheLocalPolicyAndWarnsOnce() {
        environment.put("TAG_POLICY", "{\"organizationRequiredTags\":true,\"required\":{\"Team\":{\"default\":\"platform\"}}}");
        kms.key("k1", Map.of()).key("k2", Map.of());
        List<String> reads = new ArrayList<>();
        SweepHandler handler = handler((account, deadline) -> {
            reads.add(account);
            throw new JsonOperation.Failed("ListRequiredTags answered AccessDeniedException", Optional.of("AccessDeniedException"), null);
        });

        handler.handleRequest(scheduled(), context(900));
        handler.handleRequest(scheduled(), context(900));

        assertEquals(2, reads.size(), "once per invocation, not per key");
        assertEquals(1, logLines("organizationTagPolicy").size(), "one warning per container");
        assertEquals(Map.of("Team", "platform"), kms.tagsOf("k1"));
        logLines("decision").forEach(line -> assertEquals("unavailable: ListRequiredTags answered AccessDeniedException",
                line.get("organizationTagPolicy").requiredString(), line::toString));
    }

    private SweepHandler handler(AccountTagPolicies organizationTags) {
        return new SweepHandler(collaborators().withOrganizationTags(organizationTags));
    }

    private SweepHandler handler() {
        return new SweepHandler(collaborators());
    }

    /** The fake KMS, a continuation the test records, the test's clock (1 ms a reading, and what the sleeper sleeps), the log buffer. */
    private Collaborators collaborators() {
        return Collaborators.of(environment, region -> kms)
                .withContinuation((next, functionArn, payload) -> {
                    continuedFunctions.add(functionArn);
                    continuations.add(payload);
                })
                .withTime(duration -> nanos += duration.toNanos(), () -> nanos += 1_000_000)
                .withLogOutput(new PrintStream(logBytes, true, StandardCharsets.UTF_8));
    }

    /** An invocation with {@code seconds} to run, on the test's clock. */
    private FakeContext context(long seconds) {
        long ends = nanos + seconds * SECOND;
        return new FakeContext(() -> Duration.ofNanos(ends - nanos).toMillis());
    }

    private static ScheduledEvent scheduled() {
        return EventLoader.loadScheduledEvent("events/scheduled-sweep.json");
    }

    private ScheduledEvent load(byte[] payload) throws IOException {
        Path file = work.resolve("continuation-" + System.nanoTime() + ".json");
        Files.write(file, payload);
        return EventLoader.loadScheduledEvent(file.toString());
    }

    /** The log lines of one {@code type} (null: the metrics documents, which have none). */
    private List<JsonField> logLines(String type) {
        return logBytes.toString(StandardCharsets.UTF_8).lines()
                .map(line -> JsonField.parse("log line", line))
                .filter(line -> line.get("type").optionalString().equals(java.util.Optional.ofNullable(type)))
                .toList();
    }
}
