package io.kmstagenforcer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import io.kmstagenforcer.SweepHandler.Collaborators;
import io.kmstagenforcer.json.JsonField;
import io.kmstagenforcer.kms.KmsClientFactory;
import io.kmstagenforcer.org.AccountDiscovery;
import io.kmstagenforcer.localrun.EmbeddedMetricExtraction;
import io.kmstagenforcer.sweep.FakeKms;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.sts.model.StsException;

/**
 * A scheduled run over many accounts (SWEEP_CONCURRENCY 2 or more): the coordinator sweeps each
 * account in an invocation of its own (here a handler in this process, given the payload Lambda
 * would give it and answering the response the runtime would serialise), each with its own pacer,
 * and writes one roll-up when the last account has ended. Time is the test's: the pacer's sleeps
 * move one clock that the contexts, the coordinator's stop-by times and the pacers read.
 */
class SweepRunTest {
    private static final String POLICY = "{\"required\":{\"Team\":{\"default\":\"platform\"}}}";
    private static final String OWN = "111122223333";
    private static final List<String> MEMBERS = List.of("222233334444", "333344445555", "444455556666", "555566667777");
    private static final long SECOND = 1_000_000_000L;

    @TempDir
    Path work;

    private final AtomicLong nanos = new AtomicLong(1_000 * SECOND);
    private final Map<String, FakeKms> kms = new LinkedHashMap<>();
    private final Set<String> denied = ConcurrentHashMap.newKeySet();
    private final Map<String, String> environment = new HashMap<>();
    private final ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
    private final PrintStream log = new PrintStream(logBytes, true, StandardCharsets.UTF_8);
    private final List<byte[]> runContinuations = new CopyOnWriteArrayList<>();
    private InProcessAccountSweeps accountSweeps;
    private AccountDiscovery.Discovered discovered = new AccountDiscovery.Discovered(List.of(), Map.of(), Map.of());
    private RuntimeException continuationRefusal;

    @BeforeEach
    void organisation() {
        kms.put(OWN, new FakeKms(nanos::get, OWN));
        MEMBERS.forEach(account -> kms.put(account, new FakeKms(nanos::get, account)));
        environment.put("TAG_POLICY", POLICY);
        environment.put("ENFORCEMENT_MODE", "enforce");
        environment.put("AWS_REGION", FakeKms.REGION);
        environment.put("AWS_LAMBDA_FUNCTION_NAME", "kms-tag-enforcer-SweepFunction-X");
        environment.put("SWEEP_WRITES_PER_SECOND", "2");
        environment.put("MEMBER_ROLE_NAME", "member-role");
        environment.put("ENFORCER_ACCOUNT_ID", OWN);
        environment.put("MEMBER_ACCOUNT_IDS", String.join(",", MEMBERS));
        environment.put("SWEEP_CONCURRENCY", "3");
    }

    @Test
    void aRunSweepsEveryAccountInAnInvocationOfItsOwnNoMoreAtOnceThanItsConcurrencyAndRollsUpOnce() {
        kms.forEach((account, keys) -> IntStream.range(0, 4).forEach(i -> keys.key("k" + i, i == 0 ? Map.of() : Map.of("Team", "core"))));

        SweepResponse response = handler().handleRequest(scheduled(), context(900));

        assertTrue(response.complete(), response::toString);
        assertFalse(response.continues());
        assertEquals(List.of(), runContinuations);
        assertEquals(Set.copyOf(kms.keySet()), Set.copyOf(accountSweeps.accounts()), "one invocation per account");
        assertEquals(5, accountSweeps.accounts().size());
        assertTrue(accountSweeps.mostInFlight() <= 2, () -> "SWEEP_CONCURRENCY 3: the coordinator and 2 accounts at once, saw " + accountSweeps.mostInFlight());
        kms.values().forEach(keys -> assertEquals(Map.of("Team", "platform"), keys.tagsOf("k0"), "each account through its own client"));

        List<JsonField> rollUps = lines("sweep-run");
        assertEquals(1, rollUps.size(), "one roll-up");
        JsonField rollUp = rollUps.get(0);
        String runId = rollUp.get("runId").requiredString();
        assertEquals(response.sweepId(), runId);
        assertEquals(5, count(rollUp.get("accounts"), "total"));
        assertEquals(5, count(rollUp.get("accounts"), "done"));
        assertEquals(20, count(rollUp.get("totals"), "keysSeen"));
        assertEquals(5, count(rollUp.get("totals"), "remediated"));
        for (String account : kms.keySet()) {
            JsonField byAccount = rollUp.get("byAccount").get(account);
            assertEquals("done", byAccount.get("status").requiredString());
            assertEquals(4, count(byAccount, "keysSeen"));
            assertEquals(1, count(byAccount, "remediated"));
            assertEquals(3, count(byAccount, "compliant"));
        }
        lines("decision").forEach(line -> assertEquals(runId, line.get("runId").requiredString(), line::toString));
        assertEquals(20, lines("decision").size());
        List<JsonField> summaries = lines("sweep-summary");
        assertEquals(5, summaries.size());
        summaries.forEach(line -> assertEquals(runId, line.get("runId").requiredString()));
        assertEquals(Set.copyOf(kms.keySet()), Set.copyOf(summaries.stream().map(line -> line.get("account").requiredString()).toList()));
        Map<String, Double> metrics = EmbeddedMetricExtraction.metrics(logBytes.toString(StandardCharsets.UTF_8).lines().toList());
        assertEquals(5.0, metrics.get("KmsTagEnforcer/RunAccountsDone"), metrics::toString);
        assertEquals(20.0, metrics.get("KmsTagEnforcer/RunKeysSeen"), metrics::toString);
        assertEquals(20.0, metrics.get("KmsTagEnforcer/KeysSeen"), "the accounts' own metrics add up to the run's, not twice it");
    }

    /**
     * Each account's invocation has a pacer of its own, at the full rate: the pacer's own send times
     * (the summaries' peakWritesPerSecond) are the measure, since the accounts share this test's one
     * clock, which another account's sleep moves between a write's slot and its arrival at the fake KMS.
     */
    @Test
    void eachAccountsInvocationPacesItsOwnWritesAtTheFullRate() {
        kms.values().forEach(keys -> IntStream.range(0, 10).forEach(i -> keys.key("k" + i, Map.of())));

        handler().handleRequest(scheduled(), context(900));

        kms.values().forEach(keys -> assertEquals(10, keys.count("TagResource")));
        List<JsonField> summaries = lines("sweep-summary");
        assertEquals(5, summaries.size());
        for (JsonField summary : summaries) {
            assertEquals(2.0, summary.get("writeRateLimit").plain());
            assertEquals(2, count(summary, "peakWritesPerSecond"), summary::toString);
        }
    }

    @Test
    void anAccountWhoseMemberRoleCannotBeAssumedIsNamedFailedInTheRollUpAndTheOthersAreSwept() {
        kms.values().forEach(keys -> keys.key("k0", Map.of()));
        denied.add(MEMBERS.get(1));

        handler().handleRequest(scheduled(), context(900));

        JsonField rollUp = lines("sweep-run").get(0);
        assertEquals("WARN", rollUp.get("level").requiredString());
        JsonField failed = rollUp.get("byAccount").get(MEMBERS.get(1));
        assertEquals("failed", failed.get("status").requiredString());
        String reason = failed.get("reason").requiredString();
        assertTrue(reason.contains("AssumeRole") && reason.contains("AccessDenied") && reason.contains(MEMBERS.get(1)), reason);
        assertEquals(1, count(rollUp.get("accounts"), "failed"));
        assertEquals(4, count(rollUp.get("accounts"), "done"));
        kms.forEach((account, keys) -> {
            if (!denied.contains(account)) {
                assertEquals(Map.of("Team", "platform"), keys.tagsOf("k0"), account);
            }
        });
    }

    @Test
    void anAccountShortOfTimeHandsBackItsMarkerAndTheCoordinatorContinuesItFromThere() {
        environment.put("SWEEP_CONCURRENCY", "2");  // one account at a time: the order below is certain
        environment.put("MEMBER_ACCOUNT_IDS", MEMBERS.get(0));
        // 700 writes at 2/s: 350 s, more than an account invocation's 5 minutes.
        IntStream.range(0, 700).forEach(i -> kms.get(MEMBERS.get(0)).key(String.format("k%03d", i), Map.of()));

        SweepResponse response = handler().handleRequest(scheduled(), context(900));

        assertTrue(response.complete(), response::toString);
        assertEquals(List.of(OWN, MEMBERS.get(0), MEMBERS.get(0)), accountSweeps.accounts(), "the member account twice: from its marker the second time");
        assertEquals(700, kms.get(MEMBERS.get(0)).count("TagResource"), "no key written twice, none dropped");
        JsonField member = lines("sweep-run").get(0).get("byAccount").get(MEMBERS.get(0));
        assertEquals("done", member.get("status").requiredString());
        assertEquals(2, count(member, "invocations"));
        assertEquals(700, count(member, "remediated"));
    }

    @Test
    void aRunOutOfTimeHandsItsStateToItsNextInvocationWhichRollsUpTheWholeRun() throws IOException {
        environment.put("SWEEP_CONCURRENCY", "2");
        IntStream.range(0, 100).forEach(i -> kms.get(OWN).key(String.format("k%03d", i), Map.of()));
        kms.values().forEach(keys -> keys.key("z", Map.of()));

        // 100 s: room for one account invocation (60 s and 30 s for its answer); the own account's 101 writes take 50 s.
        SweepResponse first = handler().handleRequest(scheduled(), context(100));

        assertTrue(first.continues(), first::toString);
        assertEquals(List.of(), lines("sweep-run"), "no roll-up while accounts are pending");
        JsonField progress = lines("sweep-run-progress").get(0);
        assertEquals(first.sweepId(), progress.get("runId").requiredString());
        assertEquals(1, count(progress, "accountsEnded"));
        assertEquals(4, count(progress, "accountsPending"));
        SweepResponse second = handler().handleRequest(load(runContinuations.get(0)), context(900));

        assertTrue(second.complete(), second::toString);
        assertEquals(first.sweepId(), second.sweepId());
        JsonField rollUp = lines("sweep-run").get(0);
        assertEquals(2, count(rollUp, "invocations"));
        assertEquals(5, count(rollUp.get("accounts"), "done"));
        assertEquals(105, count(rollUp.get("totals"), "remediated"), "the first invocation's counts travelled with the run");
    }

    @Test
    void aRunWhoseNextInvocationCannotBeStartedNamesEveryAccountLeftAsNeverFinished() {
        environment.put("SWEEP_CONCURRENCY", "2");
        IntStream.range(0, 100).forEach(i -> kms.get(OWN).key(String.format("k%03d", i), Map.of()));
        continuationRefusal = new IllegalStateException("Lambda answered HTTP 500 to the sweep's continuation");

        SweepResponse response = handler().handleRequest(scheduled(), context(100));

        assertFalse(response.continues());
        JsonField rollUp = lines("sweep-run").get(0);
        assertEquals("done", rollUp.get("byAccount").get(OWN).get("status").requiredString());
        assertEquals(4, count(rollUp.get("accounts"), "neverFinished"));
        for (String member : MEMBERS) {
            String reason = rollUp.get("byAccount").get(member).get("reason").requiredString();
            assertTrue(reason.contains("could not be started") && reason.contains("HTTP 500"), reason);
        }
        Map<String, Double> metrics = EmbeddedMetricExtraction.metrics(logBytes.toString(StandardCharsets.UTF_8).lines().toList());
        assertEquals(1.0, metrics.get("KmsTagEnforcer/RunAccountsDone"));
        assertEquals(4.0, metrics.get("KmsTagEnforcer/RunAccountsNotDone"), "what SweepRunAccountsAlarm fires on");
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "1001", "two", "2.5"})
    void aConcurrencyOutsideOneToAThousandFailsInitialisationNamingTheVariable(String value) {
        environment.put("SWEEP_CONCURRENCY", value);

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, this::handler);

        assertTrue(e.getMessage().contains("SWEEP_CONCURRENCY") && e.getMessage().contains(value), e::getMessage);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "ORGANIZATION_UNIT_IDS | ou-abcd             | OU ids",
        "ORGANIZATION_UNIT_IDS | 444455556666        | OU ids",
        "EXCLUDED_ACCOUNT_IDS  | 4444-5555-6666      | account IDs",
        "ORGANIZATION_ROLE_ARN | org-reader          | IAM role ARN"})
    void anOrganizationSettingThatIsNotWhatItNamesFailsInitialisationNamingTheVariable(String variable, String value, String expected) {
        environment.put(variable, value);

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, this::handler);

        assertTrue(e.getMessage().startsWith(variable) && e.getMessage().contains(expected) && e.getMessage().contains(value), e::getMessage);
    }

    @Test
    void organizationUnitsNeedARunToBeFoundAt() {
        environment.put("ORGANIZATION_UNIT_IDS", "ou-abcd-12345678");
        environment.put("SWEEP_CONCURRENCY", "1");

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, this::handler);

        assertTrue(e.getMessage().contains("SWEEP_CONCURRENCY of 2 or more"), e::getMessage);
    }

    @Test
    void aRunSweepsTheAccountsFoundUnderItsOusOnceEachButNeverAnExcludedOne() {
        environment.put("ORGANIZATION_UNIT_IDS", "ou-abcd-12345678");
        environment.put("MEMBER_ACCOUNT_IDS", MEMBERS.get(0));
        environment.put("EXCLUDED_ACCOUNT_IDS", MEMBERS.get(2));
        kms.values().forEach(keys -> keys.key("k0", Map.of()));
        discovered = new AccountDiscovery.Discovered(List.of(MEMBERS.get(0), MEMBERS.get(1), MEMBERS.get(2)),
                Map.of(MEMBERS.get(3), "SUSPENDED"), Map.of());

        handler().handleRequest(scheduled(), context(900));

        assertEquals(List.of(OWN, MEMBERS.get(0), MEMBERS.get(1)), accountSweeps.accounts().stream().sorted().toList());
        assertEquals(Map.of(), kms.get(MEMBERS.get(2)).tagsOf("k0"), "excluded");
        assertEquals(Map.of(), kms.get(MEMBERS.get(3)).tagsOf("k0"), "suspended");
        assertEquals(3, count(lines("sweep-run").get(0).get("accounts"), "total"));
    }

    @Test
    void withoutMemberAccountsAConcurrencyAboveOneSweepsTheOwnAccountInOneChainAsBefore() {
        environment.remove("MEMBER_ROLE_NAME");
        environment.remove("MEMBER_ACCOUNT_IDS");
        kms.get(OWN).key("k0", Map.of());

        SweepResponse response = handler().handleRequest(scheduled(), context(900));

        assertTrue(response.complete());
        assertEquals(List.of(), accountSweeps.accounts(), "no account invocation, no coordinator");
        assertEquals(List.of(), lines("sweep-run"));
        assertEquals(1, lines("sweep-summary").size());
    }

    private SweepHandler handler() {
        if (accountSweeps == null) {
            accountSweeps = new InProcessAccountSweeps(this::handler, () -> context(900), work);
        }
        return new SweepHandler(collaborators());
    }

    private Collaborators collaborators() {
        return Collaborators.of(environment, new AccountClients())
                .withContinuation((next, functionArn, payload) -> {
                    if (continuationRefusal != null) {
                        throw continuationRefusal;
                    }
                    runContinuations.add(payload);
                })
                .withAccountSweeps(accountSweeps)
                .withAccountDiscovery(parents -> discovered)
                .withTime(duration -> nanos.addAndGet(Math.max(0, duration.toNanos())), () -> nanos.addAndGet(1_000))
                .withClock(new Clock() {
                    @Override
                    public ZoneOffset getZone() {
                        return ZoneOffset.UTC;
                    }

                    @Override
                    public Clock withZone(java.time.ZoneId zone) {
                        return this;
                    }

                    @Override
                    public Instant instant() {
                        return Instant.EPOCH.plusNanos(nanos.get());
                    }
                })
                .withLogOutput(log);
    }

    private FakeContext context(long seconds) {
        long ends = nanos.get() + seconds * SECOND;
        return new FakeContext(() -> Duration.ofNanos(ends - nanos.get()).toMillis());
    }

    private static ScheduledEvent scheduled() {
        return EventLoader.loadScheduledEvent("events/scheduled-sweep.json");
    }

    private ScheduledEvent load(byte[] payload) {
        return accountSweeps.load(payload);
    }

    private List<JsonField> lines(String type) {
        List<JsonField> found = new ArrayList<>();
        for (String line : logBytes.toString(StandardCharsets.UTF_8).lines().toList()) {
            JsonField json = JsonField.parse("log line", line);
            if (json.get("type").optionalString().equals(Optional.of(type))) {
                found.add(json);
            }
        }
        return found;
    }

    private static long count(JsonField object, String name) {
        return object.get(name).optionalLong().orElseThrow(() -> new AssertionError(name + " missing in " + object.path()));
    }

    /** Each account's own KMS, and STS refusing the member role of the denied accounts. */
    private final class AccountClients implements KmsClientFactory {
        @Override
        public KmsClient create(String region) {
            return kms.get(OWN);
        }

        @Override
        public KmsClient create(String account, String region) {
            return kms.get(account);
        }

        @Override
        public Optional<String> memberRole(String account) {
            return account.equals(OWN) ? Optional.empty() : Optional.of("arn:aws:iam::" + account + ":role/member-role");
        }

        @Override
        public void openSession(String account, Supplier<Duration> timeout) {
            if (denied.contains(account)) {
                throw StsException.builder().statusCode(403).message("not authorized to perform: sts:AssumeRole")
                        .awsErrorDetails(AwsErrorDetails.builder().errorCode("AccessDenied").build()).build();
            }
        }
    }
}
