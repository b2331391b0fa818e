package io.kmstagenforcer.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kmstagenforcer.TagEnforcerHandler;
import io.kmstagenforcer.TagEnforcerHandler.Collaborators;
import io.kmstagenforcer.integration.HandlerRuns.Response;
import io.kmstagenforcer.kms.LambdaKmsClients;
import io.kmstagenforcer.kms.MemberRole;
import io.kmstagenforcer.kms.MemberRoleSessions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.model.CreateKeyRequest;
import software.amazon.awssdk.services.kms.model.KeyMetadata;
import software.amazon.awssdk.services.kms.model.NotFoundException;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.model.Credentials;

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
    private static final String ROLE_NAME = "kms-tag-enforcer-member";
    private static final String ROLE_ARN = "arn:aws:iam::" + MEMBER + ":role/" + ROLE_NAME;
    private static final String EXTERNAL_ID = "org-7f3a9c";
    private static final String FUNCTION = "kms-tag-enforcer-TagEnforcerFunction-IT";

    private StsProxy sts;
    private SdkHttpClient http;

    @BeforeEach
    void start() {
        sts = StsProxy.start(MOTO.endpoint());
        System.setProperty("aws.endpointUrlKms", MOTO.endpoint().toString());
        System.setProperty("aws.endpointUrlSts", sts.endpoint().toString());
        http = UrlConnectionHttpClient.builder().build();
    }

    @AfterEach
    void stop() {
        System.clearProperty("aws.endpointUrlKms");
        System.clearProperty("aws.endpointUrlSts");
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
        try (KmsClient kms = memberKms()) {
            CreateKeyRequest request = CreateKeyRequest.builder().build();
            KeyMetadata key = kms.createKey(request).keyMetadata();
            return CloudTrailEvents.createKey(request, key);
        }
    }

    private Map<String, String> tagsInMember(String keyArn) {
        try (KmsClient kms = memberKms()) {
            Map<String, String> tags = new java.util.LinkedHashMap<>();
            kms.listResourceTags(r -> r.keyId(keyArn)).tags().forEach(tag -> tags.put(tag.tagKey(), tag.tagValue()));
            return tags;
        }
    }

    private KmsClient memberKms() {
        Credentials session;
        try (StsClient direct = StsClient.builder().region(Region.of(MotoKeys.HOME_REGION)).endpointOverride(MOTO.endpoint())
                .credentialsProvider(RecordingKmsClients.TEST_CREDENTIALS).httpClient(http).build()) {
            session = direct.assumeRole(r -> r.roleArn("arn:aws:iam::" + MEMBER + ":role/KeyAdmins").roleSessionName("alice"))
                    .credentials();
        }
        return KmsClient.builder().region(Region.of(MotoKeys.HOME_REGION)).endpointOverride(MOTO.endpoint()).httpClient(http)
                .credentialsProvider(StaticCredentialsProvider.create(AwsSessionCredentials.create(session.accessKeyId(),
                        session.secretAccessKey(), session.sessionToken())))
                .build();
    }
}
