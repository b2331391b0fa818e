package io.kmstagenforcer.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kmstagenforcer.FakeContext;
import io.kmstagenforcer.SweepHandler;
import io.kmstagenforcer.TagEnforcerHandler;
import io.kmstagenforcer.json.JsonField;
import io.kmstagenforcer.kms.KmsClientFactory;
import io.kmstagenforcer.kms.LambdaKmsClients;
import io.kmstagenforcer.kms.MemberRole;
import io.kmstagenforcer.kms.MemberRoleSessions;
import io.kmstagenforcer.output.SecurityHubFindings;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.model.CreateKeyRequest;
import software.amazon.awssdk.services.kms.model.KeyMetadata;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.model.Credentials;

/**
 * Security Hub findings (SECURITY_HUB_FINDINGS), in process, imported into moto's Security Hub
 * through a {@link KmsProxy} (which counts the BatchImportFindings calls and injects their faults)
 * and read back with GetFindings as each account sees its own: per key, FAILED then PASSED under the
 * same Id, batched by 100 in the sweep, and in a member account through its member role's session.
 */
class SecurityHubFindingsIT {
    @RegisterExtension
    static final MotoServerExtension MOTO = new MotoServerExtension();

    private static final String IMPORT = "POST /findings/import";
    private static final String MEMBER = "444455556666";
    private static final String ROLE_NAME = "kms-tag-enforcer-member";
    private static final String EXTERNAL_ID = "org-7f3a9c";

    private KmsProxy proxy;
    private RecordingKmsClients clients;
    private MotoServices services;
    private StsProxy sts;
    private SdkHttpClient http;

    @BeforeEach
    void connect() {
        proxy = KmsProxy.start(MOTO.endpoint());
        clients = new RecordingKmsClients(MOTO.endpoint());
        services = new MotoServices(MOTO.endpoint());
        sts = StsProxy.startAsTheSdksEndpoints(MOTO.endpoint(), MOTO.endpoint());
        http = UrlConnectionHttpClient.builder().build();
    }

    @AfterEach
    void disconnect() {
        http.close();
        sts.close();
        services.close();
        clients.close();
        proxy.close();
    }

    @Test
    void aReportedKeyIsAFailedFindingWhichTheRunThatFixesItTurnsPassed() {
        CloudTrailEvents.Event event = MOTO.keys().createKey(Map.of("Scratch", "x"));

        Logged reported = invoke(clients, event, "report");

        assertEquals("REPORTED", reported.outcome());
        List<JsonField> findings = services.findings(RecordingKmsClients.TEST_CREDENTIALS, MotoKeys.HOME_REGION);
        assertEquals(1, findings.size(), findings::toString);
        JsonField finding = findings.get(0);
        assertEquals(SecurityHubFindings.findingId(event.keyArn()), finding.get("Id").requiredString());
        assertEquals("FAILED", finding.get("Compliance").get("Status").requiredString());
        assertEquals(MotoKeys.ACCOUNT, finding.get("AwsAccountId").requiredString());
        assertEquals("arn:aws:securityhub:us-east-1:" + MotoKeys.ACCOUNT + ":product/" + MotoKeys.ACCOUNT + "/default",
                finding.get("ProductArn").requiredString());
        assertEquals(event.keyArn(), finding.get("Resources").elements().get(0).get("Id").requiredString());
        assertEquals("AwsKmsKey", finding.get("Resources").elements().get(0).get("Type").requiredString());
        assertFalse(finding.get("Workflow").isPresent(), "a provider never sets the workflow");

        Logged enforced = invoke(clients, event, "enforce");

        assertEquals("REMEDIATED", enforced.outcome());
        List<JsonField> after = services.findings(RecordingKmsClients.TEST_CREDENTIALS, MotoKeys.HOME_REGION);
        assertEquals(1, after.size(), "the same finding, updated: " + after);
        assertEquals("PASSED", after.get(0).get("Compliance").get("Status").requiredString(), enforced::toString);
        assertEquals("INFORMATIONAL", after.get(0).get("FindingProviderFields").get("Severity").get("Label").requiredString());
        assertEquals(List.of(IMPORT, IMPORT), proxy.received());
        assertEquals(Map.of("FindingsImported", 1L, "FindingsFailed", 0L), enforced.deliveryMetrics());
        assertFalse(MOTO.keys().tags(event.keyArn()).keySet().stream().anyMatch(tag -> tag.contains("finding")),
                "nothing of the finding is kept on the key");
    }

    /** A key someone exempts is not fixed by anyone: its FAILED finding is archived, not left open. */
    @Test
    void anExemptedKeysFailedFindingIsArchived() {
        CloudTrailEvents.Event event = MOTO.keys().createKey(Map.of("Scratch", "x"));
        invoke(clients, event, "report");
        MOTO.keys().setTags(event.keyArn(), Map.of("tag-enforcer:exempt", "legacy HSM key"));

        Logged exempt = invoke(clients, event, "report");

        assertEquals("IGNORED", exempt.outcome());
        List<JsonField> after = services.findings(RecordingKmsClients.TEST_CREDENTIALS, MotoKeys.HOME_REGION);
        assertEquals(1, after.size(), "the same finding, updated: " + after);
        assertEquals("NOT_AVAILABLE", after.get(0).get("Compliance").get("Status").requiredString());
        assertEquals("ARCHIVED", after.get(0).get("RecordState").requiredString());
        assertEquals("KMS key not held to the tagging policy (exempt)", after.get(0).get("Title").requiredString());
    }

    @Test
    void theSweepImportsAHundredFindingsToACall() {
        List<Map<String, String>> fleet = new ArrayList<>(Collections.nCopies(130, Map.of("Scratch", "x")));
        fleet.addAll(Collections.nCopies(20, HandlerRuns.POLICY_TAGS));
        List<String> keys = MOTO.keys().createKeys(fleet);

        Logged run = sweep(clients);

        assertEquals(List.of(IMPORT, IMPORT), proxy.received(), "100 + the 50 left before the summary");
        assertEquals(Map.of("FindingsImported", 150L, "FindingsFailed", 0L), run.deliveryMetrics());
        Map<String, String> statusByKey = allFindings(RecordingKmsClients.TEST_CREDENTIALS).stream().collect(Collectors.toMap(
                finding -> finding.get("Resources").elements().get(0).get("Id").requiredString(),
                finding -> finding.get("Compliance").get("Status").requiredString()));
        assertEquals(150, statusByKey.size());
        assertEquals("FAILED", statusByKey.get(keys.get(0)), "reported: the sweep runs in report mode here");
        assertEquals("PASSED", statusByKey.get(keys.get(149)));
    }

    @Test
    void aMemberAccountsKeyIsImportedInThatAccountWithItsMemberSession() {
        CloudTrailEvents.Event event = createMemberKey();

        Logged run = invoke(memberClients(), event, "enforce", "ENFORCER_ACCOUNT_ID", MotoKeys.ACCOUNT, "MEMBER_ROLE_NAME", ROLE_NAME);

        assertEquals("REMEDIATED", run.outcome(), run::toString);
        assertEquals(1, sts.requests().size(), "one session, for the KMS calls and the import alike: " + sts.requests());
        List<JsonField> inMember = services.findings(memberCredentials(), MotoKeys.HOME_REGION);
        assertEquals(1, inMember.size(), inMember::toString);
        assertEquals(MEMBER, inMember.get(0).get("AwsAccountId").requiredString());
        assertEquals("PASSED", inMember.get(0).get("Compliance").get("Status").requiredString());
        assertEquals(List.of(), services.findings(RecordingKmsClients.TEST_CREDENTIALS, MotoKeys.HOME_REGION),
                "nothing in the function's own account");
    }

    @Test
    void aRefusedImportIsCountedAndChangesNothingOfTheEnforcement() {
        proxy.failAlways(IMPORT, 403, "AccessDeniedException", "not authorized to perform securityhub:BatchImportFindings");
        CloudTrailEvents.Event event = MOTO.keys().createKey(Map.of());

        Logged run = invoke(clients, event, "enforce");

        assertEquals("REMEDIATED", run.outcome());
        assertEquals(HandlerRuns.POLICY_TAGS.keySet(), MOTO.keys().tags(event.keyArn()).keySet());
        assertEquals(List.of(IMPORT), proxy.received(), "a refusal is not sent again");
        assertEquals(Map.of("FindingsImported", 0L, "FindingsFailed", 1L), run.deliveryMetrics());
        assertTrue(run.warning().contains("AccessDeniedException"), run::toString);
    }

    @Test
    void aThrottledImportIsSentAgain() {
        proxy.failNext(IMPORT, 1, 429, "TooManyRequestsException", "Rate exceeded");
        CloudTrailEvents.Event event = MOTO.keys().createKey(Map.of());

        Logged run = invoke(clients, event, "enforce");

        assertEquals(List.of(IMPORT, IMPORT), proxy.received());
        assertEquals(Map.of("FindingsImported", 1L, "FindingsFailed", 0L), run.deliveryMetrics());
        assertEquals(1, services.findings(RecordingKmsClients.TEST_CREDENTIALS, MotoKeys.HOME_REGION).size());
    }

    @Test
    void aFindingSecurityHubRefusesIsCountedByItsId() {
        CloudTrailEvents.Event event = MOTO.keys().createKey(Map.of());
        proxy.answer(IMPORT, "{\"FailedCount\":1,\"SuccessCount\":0,\"FailedFindings\":[{\"Id\":\""
                + SecurityHubFindings.findingId(event.keyArn()) + "\",\"ErrorCode\":\"InvalidInput\",\"ErrorMessage\":\"Finding too large\"}]}");

        Logged run = invoke(clients, event, "enforce");

        assertEquals(List.of(IMPORT), proxy.received(), "an invalid finding is not sent again");
        assertEquals(Map.of("FindingsImported", 0L, "FindingsFailed", 1L), run.deliveryMetrics());
        assertTrue(run.warning().contains("InvalidInput: Finding too large"), run::toString);
    }

    // ---- running the functions -------------------------------------------------------------------

    private Logged invoke(KmsClientFactory factory, CloudTrailEvents.Event event, String mode, String... more) {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        TagEnforcerHandler handler = new TagEnforcerHandler(TagEnforcerHandler.Collaborators.of(environment(mode, more), factory)
                .withLogOutput(new PrintStream(log, true, StandardCharsets.UTF_8)));
        HandlerRuns.Response response = HandlerRuns.invoke(handler, event, FakeContext.endingIn(Duration.ofMinutes(1)));
        return new Logged(response.outcome(), log.toString(StandardCharsets.UTF_8).lines().toList());
    }

    private Logged sweep(KmsClientFactory factory) {
        return new Logged(null, HandlerRuns.sweepInOneInvocation(SweepHandler.Collaborators.of(environment("report"), factory)));
    }

    private Map<String, String> environment(String mode, String... more) {
        List<String> pairs = new ArrayList<>(List.of("ENFORCEMENT_MODE", mode, "SECURITY_HUB_FINDINGS", "true",
                "AWS_ENDPOINT_URL_SECURITYHUB", proxy.endpoint().toString(), "AWS_LAMBDA_FUNCTION_NAME", "kms-tag-enforcer-IT"));
        pairs.addAll(List.of(more));
        return HandlerRuns.environment(pairs.toArray(String[]::new));
    }

    /** GetFindings answers 100 at most here: enough for one account's findings in these tests, read page by page by NextToken. */
    private List<JsonField> allFindings(AwsCredentialsProvider credentials) {
        return services.allFindings(credentials, MotoKeys.HOME_REGION);
    }

    /** The function's own KMS client factory with member sessions, as CrossAccountIT builds it. */
    private KmsClientFactory memberClients() {
        MemberRoleSessions sessions = new MemberRoleSessions(new MemberRole(MotoKeys.ACCOUNT, ROLE_NAME, Optional.of(EXTERNAL_ID)),
                "aws", "kms-tag-enforcer-IT", () -> LambdaKmsClients.stsClient(MotoKeys.HOME_REGION, http, RecordingKmsClients.TEST_CREDENTIALS),
                MemberRoleSessions.STALE_TIME, MemberRoleSessions.PREFETCH_TIME);
        return LambdaKmsClients.factory(http, RecordingKmsClients.TEST_CREDENTIALS, sessions);
    }

    private CloudTrailEvents.Event createMemberKey() {
        try (KmsClient kms = KmsClient.builder().region(Region.of(MotoKeys.HOME_REGION)).endpointOverride(MOTO.endpoint()).httpClient(http)
                .credentialsProvider(memberCredentials()).build()) {
            CreateKeyRequest request = CreateKeyRequest.builder().build();
            KeyMetadata key = kms.createKey(request).keyMetadata();
            return CloudTrailEvents.createKey(request, key);
        }
    }

    /** Someone's session in the member account, from moto's own STS (not the proxy: not counted). */
    private AwsCredentialsProvider memberCredentials() {
        Credentials session;
        try (StsClient direct = StsClient.builder().region(Region.of(MotoKeys.HOME_REGION)).endpointOverride(MOTO.endpoint())
                .credentialsProvider(RecordingKmsClients.TEST_CREDENTIALS).httpClient(http).build()) {
            session = direct.assumeRole(r -> r.roleArn("arn:aws:iam::" + MEMBER + ":role/KeyAdmins").roleSessionName("alice")).credentials();
        }
        return StaticCredentialsProvider.create(AwsSessionCredentials.create(session.accessKeyId(), session.secretAccessKey(),
                session.sessionToken()));
    }

    /** What one invocation answered (null for the sweep) and logged. */
    record Logged(String outcome, List<String> lines) {
        String warning() {
            return lines.stream().filter(line -> line.contains("\"type\":\"securityHubFindings\"")).findFirst()
                    .map(line -> JsonField.parse("warning", line).get("message").requiredString()).orElse("(no warning)");
        }

        Map<String, Long> deliveryMetrics() {
            return lines.stream().filter(line -> line.contains("\"FindingsImported\""))
                    .map(line -> JsonField.parse("metrics", line))
                    .flatMap(json -> List.of("FindingsImported", "FindingsFailed").stream()
                            .map(name -> Map.entry(name, json.get(name).optionalLong().orElseThrow())))
                    .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, Long::sum));
        }

        @Override
        public String toString() {
            return String.join("\n", lines);
        }
    }
}
