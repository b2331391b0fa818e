package io.kmstagenforcer.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import io.kmstagenforcer.FakeContext;
import io.kmstagenforcer.InProcessAccountSweeps;
import io.kmstagenforcer.SweepHandler;
import io.kmstagenforcer.SweepResponse;
import io.kmstagenforcer.aws.SignedCall;
import io.kmstagenforcer.org.AccountDiscovery;
import io.kmstagenforcer.org.OrganizationAccounts;
import io.kmstagenforcer.localrun.LocalRuntime;
import io.kmstagenforcer.sweep.AccountRun;
import io.kmstagenforcer.sweep.AccountSweeps;
import io.kmstagenforcer.sweep.FanOut;
import io.kmstagenforcer.sweep.RunState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import io.kmstagenforcer.json.JsonField;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;

/**
 * A run over an organisation's accounts on moto (multi-account: a session from moto's AssumeRole
 * acts in the role's account), with the function's own KMS clients and member sessions, STS behind
 * {@link StsProxy}. The coordinator's account invocations are handlers in this process
 * ({@link InProcessAccountSweeps}), each built as a new container would be.
 */
class OrganizationSweepIT {
    @RegisterExtension
    static final MotoServerExtension MOTO = new MotoServerExtension();

    private static final String ROLE_NAME = "kms-tag-enforcer-member";
    private static final String EXTERNAL_ID = "org-7f3a9c";
    private static final String FUNCTION = "kms-tag-enforcer-SweepFunction-IT";
    private static final List<String> MEMBERS = List.of("210987654321", "310987654321", "410987654321");

    @TempDir
    Path work;

    private StsProxy sts;
    private SdkHttpClient http;
    private final ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
    private final PrintStream log = new PrintStream(logBytes, true, StandardCharsets.UTF_8);
    private final Map<String, String> environment = new LinkedHashMap<>();
    private InProcessAccountSweeps accountSweeps;
    private AccountDiscovery discovery;

    @BeforeEach
    void start() {
        sts = StsProxy.startAsTheSdksEndpoints(MOTO.endpoint(), MOTO.endpoint());
        http = UrlConnectionHttpClient.builder().build();
        environment.putAll(HandlerRuns.environment("ENFORCER_ACCOUNT_ID", MotoKeys.ACCOUNT, "MEMBER_ROLE_NAME", ROLE_NAME,
                "MEMBER_EXTERNAL_ID", EXTERNAL_ID, "MEMBER_ACCOUNT_IDS", String.join(",", MEMBERS), "ENFORCEMENT_MODE", "enforce",
                "SWEEP_WRITES_PER_SECOND", "5", "SWEEP_CONCURRENCY", "3", "AWS_LAMBDA_FUNCTION_NAME", FUNCTION));
        accountSweeps = new InProcessAccountSweeps(this::handler, () -> FakeContext.endingIn(Duration.ofMinutes(2)), work);
    }

    @AfterEach
    void stop() {
        http.close();
        sts.close();
    }

    @Test
    void aRunSweepsEachAccountWithItsOwnSessionNamesTheOneWhoseRoleCannotBeAssumedAndRollsUpTheRest() {
        String ownKey = MOTO.keys().createKey(Map.of()).keyArn();
        Map<String, String> memberKeys = new LinkedHashMap<>();
        MEMBERS.forEach(account -> memberKeys.put(account, createKeyIn(account)));
        String refused = MEMBERS.get(1);
        sts.denyAssumeRoleOf("arn:aws:iam::" + refused + ":role/" + ROLE_NAME);

        SweepResponse response = handler().handleRequest(EventLoader.loadScheduledEvent("events/scheduled-sweep.json"),
                FakeContext.endingIn(Duration.ofMinutes(5)));

        assertTrue(response.complete(), response::toString);
        assertEquals(4, accountSweeps.accounts().size());
        assertTrue(accountSweeps.mostInFlight() <= 2);
        assertEquals("unassigned", MOTO.keys().tags(ownKey).get("CostCenter"), "the own account, with the function's credentials");
        for (String account : MEMBERS) {
            Map<String, String> tags = tagsIn(account, memberKeys.get(account));
            assertEquals(account.equals(refused) ? null : "unassigned", tags.get("CostCenter"), account + ": " + tags);
        }
        JsonField rollUp = lines("sweep-run").get(0);
        assertEquals(response.sweepId(), rollUp.get("runId").requiredString());
        assertEquals(3L, rollUp.get("accounts").get("done").optionalLong().orElseThrow());
        JsonField failed = rollUp.get("byAccount").get(refused);
        assertEquals("failed", failed.get("status").requiredString());
        String reason = failed.get("reason").requiredString();
        assertTrue(reason.contains("AssumeRole of arn:aws:iam::" + refused + ":role/" + ROLE_NAME) && reason.contains("AccessDenied"),
                reason);
        assertEquals(3L, rollUp.get("totals").get("remediated").optionalLong().orElseThrow());
        assertEquals(Set.of(MotoKeys.ACCOUNT, MEMBERS.get(0), MEMBERS.get(2)), Set.copyOf(rollUp.get("byAccount").members().stream()
                .filter(member -> member.getValue().get("status").requiredString().equals("done")).map(Map.Entry::getKey).toList()));
    }

    @Test
    void theActiveAccountsUnderAnOuAndTheOusUnderItAreFoundTheSuspendedApartAndAnOuThatDoesNotExistIsNamed() {
        MotoOrganization org = MotoOrganization.create(MOTO.endpoint());
        String prod = org.organizationalUnit(org.root(), "prod");
        String team = org.organizationalUnit(prod, "team");
        String dev = org.organizationalUnit(org.root(), "dev");
        String inProd = org.account(prod, "prod-app");
        String inTeam = org.account(team, "team-app");
        String closed = org.account(prod, "prod-old");
        org.close(closed);
        org.account(dev, "dev-app");
        String missing = "ou-zzzz-zzzzzzzz";

        AccountDiscovery.Discovered found = directDiscovery().accountsUnder(List.of(prod, missing));

        assertEquals(Set.of(inProd, inTeam), Set.copyOf(found.active()), "the OU's accounts and its child OU's, not dev's");
        assertEquals(Map.of(closed, "SUSPENDED"), found.notActive());
        assertEquals(Set.of(missing), found.failed().keySet());
        assertTrue(found.failed().get(missing).contains("ListAccountsForParent of " + missing + " answered ParentNotFoundException"),
                found.failed()::toString);
    }

    @Test
    void throughARoleInTheManagementAccountTheAccountsAreListedWithItsSessionAndARoleThatCannotBeAssumedNamesEachOu() {
        MotoOrganization org = MotoOrganization.create(MOTO.endpoint());
        String prod = org.organizationalUnit(org.root(), "prod");
        String account = org.account(prod, "prod-app");
        String roleArn = "arn:aws:iam::" + MotoKeys.ACCOUNT + ":role/kms-tag-enforcer-org-reader";
        Map<String, String> endpoints = Map.of("AWS_ENDPOINT_URL_ORGANIZATIONS", MOTO.endpoint().toString());

        AccountDiscovery.Discovered withRole = OrganizationAccounts.inPartitionOf(MotoKeys.HOME_REGION, endpoints, Optional.of(roleArn),
                FUNCTION, http, RecordingKmsClients.TEST_CREDENTIALS).accountsUnder(List.of(prod));
        sts.denyAssumeRoleOf(roleArn);
        AccountDiscovery.Discovered refused = OrganizationAccounts.inPartitionOf(MotoKeys.HOME_REGION, endpoints, Optional.of(roleArn),
                FUNCTION, http, RecordingKmsClients.TEST_CREDENTIALS).accountsUnder(List.of(prod, org.root()));

        assertEquals(List.of(account), withRole.active());
        assertEquals(roleArn, sts.requests().get(0).get("RoleArn"));
        assertEquals(List.of(), refused.active());
        assertEquals(Set.of(prod, org.root()), refused.failed().keySet(), "every OU named, none dropped");
        refused.failed().values().forEach(reason -> assertTrue(reason.contains("AssumeRole of " + roleArn + " answered AccessDenied"), reason));
    }

    @Test
    void aRunSweepsTheAccountsFoundUnderItsOusLeavesOutTheExcludedAndNamesTheOuItCouldNotList() {
        MotoOrganization org = MotoOrganization.create(MOTO.endpoint());
        String prod = org.organizationalUnit(org.root(), "prod");
        String swept = org.account(prod, "prod-app");
        String excluded = org.account(prod, "prod-secret");
        String closed = org.account(prod, "prod-old");
        org.close(closed);
        String sweptKey = createKeyIn(swept);
        String excludedKey = createKeyIn(excluded);
        String missing = "ou-zzzz-zzzzzzzz";
        environment.remove("MEMBER_ACCOUNT_IDS");
        environment.put("ORGANIZATION_UNIT_IDS", prod + "," + missing);
        environment.put("EXCLUDED_ACCOUNT_IDS", excluded);
        discovery = directDiscovery();

        SweepResponse response = handler().handleRequest(EventLoader.loadScheduledEvent("events/scheduled-sweep.json"),
                FakeContext.endingIn(Duration.ofMinutes(5)));

        assertTrue(response.complete(), response::toString);
        assertEquals(Set.of(MotoKeys.ACCOUNT, swept), Set.copyOf(accountSweeps.accounts()));
        assertEquals("unassigned", tagsIn(swept, sweptKey).get("CostCenter"));
        assertEquals(Map.of(), tagsIn(excluded, excludedKey), "an excluded account is never touched");
        JsonField start = lines("sweep-run-start").get(0);
        assertEquals(List.of(MotoKeys.ACCOUNT, swept), start.get("accounts").elements().stream().map(JsonField::requiredString).toList());
        assertEquals(List.of(excluded), start.get("excluded").elements().stream().map(JsonField::requiredString).toList());
        assertEquals("SUSPENDED", start.get("notActive").get(closed).requiredString());
        JsonField rollUp = lines("sweep-run").get(0);
        assertEquals("failed", rollUp.get("byAccount").get(missing).get("status").requiredString());
        assertTrue(rollUp.get("byAccount").get(missing).get("reason").requiredString().contains("ParentNotFoundException"));
        assertEquals(2L, rollUp.get("accounts").get("done").optionalLong().orElseThrow());
        assertEquals(1L, rollUp.get("accounts").get("failed").optionalLong().orElseThrow());
    }

    private OrganizationAccounts directDiscovery() {
        return new OrganizationAccounts(new SignedCall("organizations", "us-east-1", MOTO.endpoint(), http,
                RecordingKmsClients.TEST_CREDENTIALS), duration -> { });
    }

    /**
     * An account's invocation as Lambda runs it: the packaged function under the real runtime
     * ({@link LocalRuntime}, the template's SweepFunction) given the payload the coordinator builds,
     * its response read back by the coordinator as the runtime serialised it.
     */
    @Test
    void underTheLambdaRuntimeAnAccountInvocationAnswersWhatTheCoordinatorReads() {
        String member = MEMBERS.get(0);
        List<String> keys = List.of(createKeyIn(member), createKeyIn(member), createKeyIn(member));
        Map<String, String> runtime = HandlerRuns.environment("AWS_ENDPOINT_URL_KMS", MOTO.endpoint().toString(),
                "AWS_ENDPOINT_URL_STS", sts.endpoint().toString(), "AWS_ACCESS_KEY_ID", "test", "AWS_SECRET_ACCESS_KEY", "test",
                "ENFORCEMENT_MODE", "enforce", "ENFORCER_ACCOUNT_ID", MotoKeys.ACCOUNT, "MEMBER_ROLE_NAME", ROLE_NAME,
                "MEMBER_EXTERNAL_ID", EXTERNAL_ID, "SWEEP_WRITES_PER_SECOND", "5");
        List<String> stderr = new ArrayList<>();
        FanOut coordinator = new FanOut((functionArn, payload) -> {
            try {
                LocalRuntime.Result result = LocalRuntime.invoke(runtime, List.of("--function", "SweepFunction", "--timeout", "60"),
                        LocalRuntime.DEFAULT_TIMEOUT, Files.write(work.resolve("account-invocation.json"), payload));
                stderr.add(result.stderr());
                @SuppressWarnings("unchecked")
                Map<String, Object> response = (Map<String, Object>) JsonField.parse("the response", result.response()).plain();
                return AccountSweeps.Answer.responded(response);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, 1, Clock.systemUTC(), duration -> { }, MotoKeys.HOME_REGION);

        RunState after = coordinator.coordinate(RunState.start("run-under-runtime", Instant.now(), MotoKeys.ACCOUNT, List.of(member),
                List.of()), () -> Duration.ofMinutes(5), "arn:aws:lambda:us-east-1:" + MotoKeys.ACCOUNT + ":function:SweepFunction",
                account -> { });

        AccountRun run = after.finished().get(member);
        assertEquals(AccountRun.Status.DONE, run.status(), () -> run + "\n" + stderr);
        assertEquals(3L, run.counts().get("keysSeen"));
        assertEquals(3L, run.counts().get("remediated"));
        assertEquals(3L, after.totals().get("calls.TagResource"), "the invocation's own counts, read back as the run's");
        keys.forEach(key -> assertEquals("unassigned", tagsIn(member, key).get("CostCenter"), key));
        assertTrue(stderr.get(0).contains("\"runId\":\"run-under-runtime\"") && stderr.get(0).contains("\"account\":\"" + member + "\""),
                "the account's summary line names the run and the account");
    }

    /** A handler as a new container builds it: its own member sessions, its own pacer. */
    private SweepHandler handler() {
        return new SweepHandler(SweepHandler.Collaborators.of(environment,
                        MemberAccounts.centralClients(http, ROLE_NAME, EXTERNAL_ID, FUNCTION))
                .withAccountSweeps(accountSweeps)
                .withAccountDiscovery(discovery)
                .withContinuation((next, functionArn, payload) -> {
                    throw new AssertionError("a run this small needs no continuation");
                })
                .withLogOutput(log));
    }

    private List<JsonField> lines(String type) {
        return logBytes.toString(StandardCharsets.UTF_8).lines().map(line -> JsonField.parse("log line", line))
                .filter(line -> line.get("type").optionalString().equals(Optional.of(type))).toList();
    }

    private String createKeyIn(String account) {
        return new MemberAccounts(MOTO.endpoint(), http).createKey(account, Map.of()).keyArn();
    }

    private Map<String, String> tagsIn(String account, String keyArn) {
        return new MemberAccounts(MOTO.endpoint(), http).tags(account, keyArn);
    }
}
