package io.kmstagenforcer.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import io.kmstagenforcer.FakeContext;
import io.kmstagenforcer.SweepHandler;
import io.kmstagenforcer.SweepResponse;
import io.kmstagenforcer.TagEnforcerHandler;
import io.kmstagenforcer.TagEnforcerHandler.Collaborators;
import io.kmstagenforcer.enforce.RetryableFailure;
import io.kmstagenforcer.integration.HandlerRuns.Response;
import io.kmstagenforcer.kms.LambdaKmsClients;
import io.kmstagenforcer.localrun.LocalRuntime;
import io.kmstagenforcer.kms.MemberRole;
import io.kmstagenforcer.kms.MemberRoleSessions;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kms.model.NotFoundException;

/**
 * A central deployment enforcing a key in a member account, in-process, with the function's own KMS
 * client factory and member sessions: KMS is moto (multi-account: credentials from moto's AssumeRole
 * act in the role's account), STS is moto behind {@link StsProxy}, which records each AssumeRole and
 * can refuse it or shorten the session. The SDK finds both through {@code aws.endpointUrlKms} and
 * {@code aws.endpointUrlSts}, the system-property forms of {@code AWS_ENDPOINT_URL_KMS}/{@code _STS}.
 */
class CrossAccountIT {
    @RegisterExtension
    static final MotoServerExtension MOTO = new MotoServerExtension();

    private static final String MEMBER = "444455556666";
    private static final String OTHER_MEMBER = "777788889999";
    private static final String ROLE_NAME = "kms-tag-enforcer-member";
    private static final String ROLE_ARN = "arn:aws:iam::" + MEMBER + ":role/" + ROLE_NAME;
    private static final String EXTERNAL_ID = "org-7f3a9c";
    private static final String FUNCTION = "kms-tag-enforcer-TagEnforcerFunction-IT";

    @TempDir
    Path work;

    private StsProxy sts;
    private SdkHttpClient http;

    @BeforeEach
    void start() {
        sts = StsProxy.startAsTheSdksEndpoints(MOTO.endpoint(), MOTO.endpoint());
        http = UrlConnectionHttpClient.builder().build();
    }

    @AfterEach
    void stop() {
        http.close();
        sts.close();
    }

    @Test
    void aKeyInAMemberAccountIsReadAndTaggedWithTheSessionOfItsMemberRole() {
        CloudTrailEvents.Event event = createMemberKey();

        Response response = HandlerRuns.invoke(handler(MemberRoleSessions.STALE_TIME, MemberRoleSessions.PREFETCH_TIME), event);

        assertEquals("REMEDIATED", response.outcome(), response::toString);
        assertEquals(List.of(Map.of("Action", "AssumeRole", "Version", "2011-06-15", "RoleArn", ROLE_ARN,
                "RoleSessionName", FUNCTION, "ExternalId", EXTERNAL_ID)), sts.requests());
        Map<String, String> tags = tagsInMember(event.keyArn());
        assertEquals("dev", tags.get("Environment"), tags::toString);
        assertEquals("unassigned", tags.get("CostCenter"), tags::toString);
        assertThrows(NotFoundException.class, () -> MOTO.keys().tags(event.keyArn()),
                "the key is invisible to the function's own credentials: the member session did the work");
    }

    @Test
    void aKeyOfTheFunctionsOwnAccountAssumesNoRole() {
        CloudTrailEvents.Event event = MOTO.keys().createKey(Map.of());

        Response response = HandlerRuns.invoke(handler(MemberRoleSessions.STALE_TIME, MemberRoleSessions.PREFETCH_TIME), event);

        assertEquals("REMEDIATED", response.outcome(), response::toString);
        assertEquals(List.of(), sts.requests());
    }

    /**
     * A session near its expiry is never used: once it is within the provider's stale time, the
     * next call assumes the role again, before the old credentials expire (blocking, on the caller's
     * thread, which is deterministic; the prefetch window before it only may refresh early, and the
     * SDK backs off from refreshing on every call there, so it is not asserted). A first session of
     * 9 s (up to 10), a stale time of 3 s and a prefetch time of 3.5 s: the first event has at least
     * 5.5 s before either window, however slow the machine, and the second is sent once the session
     * is in its stale time by the Expiration STS gave, which the SDK compares with the same wall clock.
     */
    @Test
    void aSessionWithinItsStaleTimeIsAssumedAgainBeforeItExpires() throws InterruptedException {
        Duration staleTime = Duration.ofSeconds(3);
        sts.expireNextSessionIn(Duration.ofSeconds(9));
        TagEnforcerHandler handler = handler(staleTime, Duration.ofMillis(3_500));
        CloudTrailEvents.Event firstKey = createMemberKey();
        CloudTrailEvents.Event secondKey = createMemberKey();

        Response first = HandlerRuns.invoke(handler, firstKey);
        Instant stale = sts.shortenedSessionExpiration().minus(staleTime).plusMillis(100);
        assertEquals(1, sts.requests().size(), () -> "the first event used one session, before its prefetch time: " + sts.requests());
        Thread.sleep(Math.max(0, Duration.between(Instant.now(), stale).toMillis()));
        Response second = HandlerRuns.invoke(handler, secondKey);

        assertEquals(List.of("REMEDIATED", "REMEDIATED"), List.of(first.outcome(), second.outcome()), second::toString);
        assertEquals(2, sts.requests().size(), sts.requests()::toString);
    }

    @Test
    void twoEventsForOneAccountWithAnHourLongSessionAssumeTheRoleOnce() {
        TagEnforcerHandler handler = handler(MemberRoleSessions.STALE_TIME, MemberRoleSessions.PREFETCH_TIME);

        HandlerRuns.invoke(handler, createMemberKey());
        HandlerRuns.invoke(handler, createMemberKey());

        assertEquals(1, sts.requests().size(), sts.requests()::toString);
    }

    @Test
    void aRefusedAssumeRoleIsFailedNamingTheAccountAndTheRoleAndIsNotRetried() {
        CloudTrailEvents.Event event = createMemberKey();
        sts.denyAssumeRole();

        Response response = HandlerRuns.invoke(handler(MemberRoleSessions.STALE_TIME, MemberRoleSessions.PREFETCH_TIME), event);

        assertEquals("FAILED", response.outcome(), response::toString);
        String reason = response.text("reason");
        assertTrue(reason.startsWith("AssumeRole of " + ROLE_ARN + " (account " + MEMBER + ") answered AccessDenied"), reason);
        assertEquals(1, sts.requests().size(), "a 403 is not retried, by the SDK or by us");
        assertEquals(Map.of(), tagsInMember(event.keyArn()), "nothing written");
    }

    /**
     * Issue 16.3, against moto through the KMS fault proxy: the sweep's first member account answers
     * ListAliases with AccessDenied (as a service control policy denying KMS in this Region would),
     * signed with that account's session only. The account is one {@code failed} with a decision line
     * naming it and why; the own account before it and the member account after it are swept, and the
     * invocation succeeds (Lambda would otherwise retry it into the same refusal).
     */
    @Test
    void aSweepPassesOverAMemberAccountWhoseKeysKmsRefusesToListAndSweepsTheAccountAfterIt() throws Exception {
        String ownKey = MOTO.keys().createKey(Map.of()).keyArn();
        String refusedKey = createKeyIn(MEMBER).keyArn();
        String laterKey = createKeyIn(OTHER_MEMBER).keyArn();
        try (KmsProxy kms = KmsProxy.start(MOTO.endpoint())) {
            System.setProperty(StsProxy.KMS_ENDPOINT, kms.endpoint().toString());
            kms.failAlwaysWhenSignedBy(accessKey -> accessKey.equals(sts.accessKeyIssuedFor(ROLE_ARN)), "ListAliases", 400,
                    "AccessDeniedException", "User: arn:aws:sts::" + MEMBER + ":assumed-role/" + ROLE_NAME + "/" + FUNCTION
                            + " is not authorized to perform: kms:ListAliases with an explicit deny in a service control policy");

            HandlerRuns.Captured<SweepResponse> run = HandlerRuns.capturingStdout(() -> sweepHandler().handleRequest(
                    EventLoader.loadScheduledEvent("events/scheduled-sweep.json"), FakeContext.endingIn(Duration.ofMinutes(2))));

            assertTrue(run.result().complete(), run::toString);
            assertEquals(1L, run.result().totals().get("failed"));
            List<String> failures = run.lines().stream().filter(line -> line.contains("\"type\":\"decision\"")
                    && line.contains("\"outcome\":\"FAILED\"")).toList();
            assertEquals(1, failures.size(), run.lines()::toString);
            assertTrue(failures.get(0).contains("ListAliases answered AccessDeniedException: account " + MEMBER + " was not swept"),
                    failures.get(0));
            assertEquals("unassigned", MOTO.keys().tags(ownKey).get("CostCenter"), "the own account, before it, was swept");
            assertEquals(Map.of(), tagsIn(MEMBER, refusedKey), "nothing written in the refused account");
            assertEquals("unassigned", tagsIn(OTHER_MEMBER, laterKey).get("CostCenter"), "the account after it was swept");
        }
    }

    private SweepHandler sweepHandler() {
        return new SweepHandler(SweepHandler.Collaborators.of(
                        HandlerRuns.environment("ENFORCER_ACCOUNT_ID", MotoKeys.ACCOUNT, "MEMBER_ROLE_NAME", ROLE_NAME,
                                "MEMBER_ACCOUNT_IDS", MEMBER + "," + OTHER_MEMBER, "ENFORCEMENT_MODE", "enforce", "SWEEP_WRITES_PER_SECOND", "5"),
                        MemberAccounts.centralClients(http, ROLE_NAME, EXTERNAL_ID, FUNCTION))
                .withContinuation((next, functionArn, payload) -> {
                    throw new AssertionError("a sweep this small needs no continuation");
                }));
    }

    /**
     * AssumeRole is bounded by the invocation's deadline as a KMS call is: with 2.5 s left (a fixed
     * remaining time, so no clock decides the outcome) it may take 1.5 s, one second being kept to
     * answer. STS holding its answer for 6 s, less than the STS client's own 8 s, so that only the
     * deadline's bound can end it: the call ends as ApiCallTimeout, at that bound, and the event is
     * RETRYING (Lambda retries it), not left to run past the deadline into Lambda's timeout.
     */
    @Test
    void anAssumeRoleSlowerThanTheTimeLeftIsCutAtTheDeadlineAndTheEventIsRetrying() {
        CloudTrailEvents.Event event = createMemberKey();
        sts.delay(Duration.ofSeconds(6));
        FakeContext context = new FakeContext(() -> 2_500);

        RetryableFailure failure = assertThrows(RetryableFailure.class,
                () -> HandlerRuns.invoke(handler(MemberRoleSessions.STALE_TIME, MemberRoleSessions.PREFETCH_TIME), event, context));

        assertEquals("RETRYING", failure.result().outcome().name());
        assertTrue(failure.getMessage().startsWith("AssumeRole of " + ROLE_ARN + " (account " + MEMBER + ") answered ApiCallTimeout"),
                failure::getMessage);
        ApiCallTimeoutException timeout = rootCause(failure, ApiCallTimeoutException.class);
        assertTrue(timeout.getMessage().contains(" 1500 millis"), "bounded by the time left less one second: " + timeout.getMessage());
        assertEquals(Map.of(), tagsInMember(event.keyArn()), "nothing written");
    }

    /**
     * Under the real runtime, with the template's handler, its member-role variables and a 6 s
     * timeout, STS holding its answer for longer than that: a function error Lambda retries, with its
     * RETRYING decision line, not Sandbox.Timedout (the STS client's own 8 s would run past 6 s).
     * A 3 s reserve, as in DeadlineIT: the function's setting decides, not the test machine's load.
     */
    @Test
    void underTheLambdaRuntimeASlowStsIsAFunctionErrorNotATimeout() {
        CloudTrailEvents.Event event = createMemberKey();
        sts.delay(Duration.ofSeconds(30));

        LocalRuntime.Result result = LocalRuntime.invoke(HandlerRuns.environment(
                        "AWS_ENDPOINT_URL_KMS", MOTO.endpoint().toString(), "AWS_ENDPOINT_URL_STS", sts.endpoint().toString(),
                        "AWS_ACCESS_KEY_ID", "test", "AWS_SECRET_ACCESS_KEY", "test", "ENFORCEMENT_MODE", "enforce",
                        "ENFORCER_ACCOUNT_ID", MotoKeys.ACCOUNT, "MEMBER_ROLE_NAME", ROLE_NAME, "MEMBER_EXTERNAL_ID", EXTERNAL_ID,
                        "DEADLINE_RESERVE_MS", "3000"),
                List.of("--timeout", "6"), LocalRuntime.DEFAULT_TIMEOUT, event.writeTo(work, "create-key"));

        HandlerRuns.assertRetryableFunctionErrorNotATimeout(result);
        assertTrue(result.stderr().contains("answered ApiCallTimeout"), result::stderr);
        assertEquals(1, sts.requests().size(), sts.requests()::toString);
    }

    private static <T extends Throwable> T rootCause(Throwable thrown, Class<T> type) {
        for (Throwable cause = thrown; cause != null; cause = cause.getCause()) {
            if (type.isInstance(cause)) {
                return type.cast(cause);
            }
        }
        throw new AssertionError("no " + type.getSimpleName() + " in the causes of " + thrown, thrown);
    }

    private TagEnforcerHandler handler(Duration staleTime, Duration prefetchTime) {
        MemberRoleSessions sessions = new MemberRoleSessions(new MemberRole(MotoKeys.ACCOUNT, ROLE_NAME, Optional.of(EXTERNAL_ID)),
                "aws", FUNCTION, () -> LambdaKmsClients.stsClient(MotoKeys.HOME_REGION, http, RecordingKmsClients.TEST_CREDENTIALS),
                staleTime, prefetchTime);
        return new TagEnforcerHandler(Collaborators.of(
                HandlerRuns.environment("ENFORCER_ACCOUNT_ID", MotoKeys.ACCOUNT, "MEMBER_ROLE_NAME", ROLE_NAME),
                LambdaKmsClients.factory(http, RecordingKmsClients.TEST_CREDENTIALS, sessions)));
    }

    /** A key made in the member account by someone there (moto's own STS for the credentials, not the proxy). */
    private CloudTrailEvents.Event createMemberKey() {
        return createKeyIn(MEMBER);
    }

    private CloudTrailEvents.Event createKeyIn(String account) {
        return new MemberAccounts(MOTO.endpoint(), http).createKey(account, Map.of());
    }

    private Map<String, String> tagsInMember(String keyArn) {
        return tagsIn(MEMBER, keyArn);
    }

    private Map<String, String> tagsIn(String account, String keyArn) {
        return new MemberAccounts(MOTO.endpoint(), http).tags(account, keyArn);
    }
}
