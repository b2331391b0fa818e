package io.kmstagenforcer.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import io.kmstagenforcer.FakeContext;
import io.kmstagenforcer.SweepHandler;
import io.kmstagenforcer.SweepResponse;
import io.kmstagenforcer.TagEnforcerHandler;
import io.kmstagenforcer.integration.HandlerRuns.Captured;
import io.kmstagenforcer.integration.HandlerRuns.Response;
import io.kmstagenforcer.kms.KmsClientFactory;
import io.kmstagenforcer.localrun.LocalRuntime;
import io.kmstagenforcer.localrun.StubTagPolicyEndpoint;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.protocols.jsoncore.JsonNode;

/**
 * {@code organizationTagPolicy: effective} end to end: KMS is moto behind {@link KmsProxy}, STS moto behind
 * {@link StsProxy} (the member sessions), and Organizations and the Resource Groups Tagging API are
 * {@link StubTagPolicyEndpoint}, which tells the calling account by the access key the request is signed with and
 * answers each account's own effective tag policy: the central account's requires CostCenter (100, 200, 300*,
 * enforced_for kms:key); the member's requires Owner (*@example.com) and Environment (Production, Development,
 * enforced_for kms:key); the other member has none.
 */
class OrganizationTagPolicyIT {
    @RegisterExtension
    static final MotoServerExtension MOTO = new MotoServerExtension();

    private static final String CENTRAL = MotoKeys.ACCOUNT;
    private static final String MEMBER = "444455556666";
    private static final String UNTAGGED_MEMBER = "777788889999";
    private static final String ROLE_NAME = "kms-tag-enforcer-member";
    private static final String EXTERNAL_ID = "org-7f3a9c";
    private static final String FUNCTION = "kms-tag-enforcer-SweepFunction-IT";
    private static final String CENTRAL_POLICY = HandlerRuns.resource("/org-policies/effective-costcenter.json");
    private static final String MEMBER_POLICY = HandlerRuns.resource("/org-policies/effective-member-owner.json");
    private static final String LOCAL_POLICY = "{\"organizationTagPolicy\":\"effective\","
            + "\"required\":{\"CostCenter\":{\"default\":\"100\"},\"Environment\":{\"default\":\"Development\"}}}";

    @TempDir
    Path work;

    private StsProxy sts;
    private KmsProxy kms;
    private StubTagPolicyEndpoint organizations;
    private SdkHttpClient http;
    private MemberAccounts members;

    @BeforeEach
    void start() {
        kms = KmsProxy.start(MOTO.endpoint());
        sts = StsProxy.startAsTheSdksEndpoints(MOTO.endpoint(), kms.endpoint());
        organizations = StubTagPolicyEndpoint.start(accessKey -> accessKey.equals("test") ? Optional.of(CENTRAL) : sts.accountOfIssued(accessKey))
                .policy(CENTRAL, CENTRAL_POLICY)
                .policy(MEMBER, MEMBER_POLICY);
        http = UrlConnectionHttpClient.builder().build();
        members = new MemberAccounts(MOTO.endpoint(), http);
    }

    @AfterEach
    void stop() {
        http.close();
        organizations.close();
        kms.close();
        sts.close();
    }

    @Test
    void oneSweepEnforcesEachAccountsOwnEffectiveTagPolicyReadAsThatAccount() throws Exception {
        String centralKey = MOTO.keys().createKey(Map.of()).keyArn();
        String memberUntagged = createKeyIn(MEMBER, Map.of());
        String memberOwned = createKeyIn(MEMBER, Map.of("Owner", "alice@example.com"));
        String memberOwnedElsewhere = createKeyIn(MEMBER, Map.of("Owner", "bob@elsewhere.org", "Environment", "Production"));
        String noPolicyKey = createKeyIn(UNTAGGED_MEMBER, Map.of());

        Map<String, JsonNode> decisions = sweep(LOCAL_POLICY);

        assertEquals(Map.of("CostCenter", "100", "Environment", "Development"), MOTO.keys().tags(centralKey));
        assertEquals("read: CostCenter", text(decisions.get(centralKey), "organizationTagPolicy"));

        assertEquals(Map.of("CostCenter", "100", "Environment", "Development"), tagsIn(MEMBER, memberUntagged),
                "the local defaults the member's policy allows are written; no Owner is made up");
        assertEquals("NONCOMPLIANT", text(decisions.get(memberUntagged), "outcome"));
        assertEquals(List.of("CostCenter MISSING set to the default",
                "Environment MISSING set to the default (required by the organisation's tag policy of account " + MEMBER + ")",
                "Owner MISSING not fixed: the policy gives no default (required by the organisation's tag policy of account " + MEMBER + ")"),
                violations(decisions.get(memberUntagged)));
        assertEquals("read: Owner, Environment", text(decisions.get(memberUntagged), "organizationTagPolicy"));

        assertEquals("REMEDIATED", text(decisions.get(memberOwned), "outcome"), "alice@example.com matches *@example.com");
        assertEquals("NONCOMPLIANT", text(decisions.get(memberOwnedElsewhere), "outcome"));
        assertTrue(violations(decisions.get(memberOwnedElsewhere)).get(1).contains("\"bob@elsewhere.org\" is not among the values the "
                + "organisation's tag policy of account " + MEMBER + " allows for \"Owner\" [*@example.com]"),
                violations(decisions.get(memberOwnedElsewhere))::toString);
        assertEquals("bob@elsewhere.org", tagsIn(MEMBER, memberOwnedElsewhere).get("Owner"), "a value is never replaced by nothing");

        assertEquals(Map.of("CostCenter", "100", "Environment", "Development"), tagsIn(UNTAGGED_MEMBER, noPolicyKey));
        assertEquals("none: no tag policy applies to account " + UNTAGGED_MEMBER, text(decisions.get(noPolicyKey), "organizationTagPolicy"));

        assertEquals(List.of(CENTRAL, MEMBER, UNTAGGED_MEMBER), organizations.callers(StubTagPolicyEndpoint.DESCRIBE_EFFECTIVE_POLICY),
                "each account read once, as itself");
        assertEquals(List.of(CENTRAL, MEMBER), organizations.callers(StubTagPolicyEndpoint.LIST_REQUIRED_TAGS),
                "an account with no tag policy requires nothing");
    }

    @Test
    void aSecondSweepWritesNothing() throws Exception {
        MOTO.keys().createKey(Map.of());
        createKeyIn(MEMBER, Map.of());
        createKeyIn(MEMBER, Map.of("Owner", "bob@elsewhere.org"));
        sweep(LOCAL_POLICY);
        int writesBefore = writes();

        Map<String, JsonNode> second = sweep(LOCAL_POLICY);

        assertEquals(writesBefore, writes(), "a redelivery writes nothing");
        assertTrue(second.values().stream().allMatch(line -> List.of("COMPLIANT", "NONCOMPLIANT").contains(text(line, "outcome"))),
                second::toString);
    }

    @Test
    void aLocalDefaultTheOrganisationDoesNotAllowIsNeverWritten() {
        CloudTrailEvents.Event event = MOTO.keys().createKey(Map.of());

        Response response = HandlerRuns.invoke(eventHandler("{\"organizationTagPolicy\":\"effective\","
                + "\"required\":{\"CostCenter\":{\"default\":\"999\"}}}"), event);

        assertEquals("NONCOMPLIANT", response.outcome(), response::toString);
        assertEquals(Map.of(), MOTO.keys().tags(event.keyArn()));
        String detail = response.json().field("violations").orElseThrow().asArray().get(0).field("detail").orElseThrow().text();
        assertTrue(detail.contains("\"999\"") && detail.contains("of account " + CENTRAL) && detail.contains("[100, 200, 300*]"), detail);
    }

    @Test
    void deniedForOneAccountLeavesItTheLocalPolicySaidInEachOfItsResultsAndWarnedOnce() throws Exception {
        organizations.thenFail(MEMBER, 400, "AccessDeniedException");
        String centralKey = MOTO.keys().createKey(Map.of()).keyArn();
        String first = createKeyIn(MEMBER, Map.of());
        String second = createKeyIn(MEMBER, Map.of());

        Captured<Map<String, JsonNode>> run = HandlerRuns.capturingStdout(() -> sweep(LOCAL_POLICY));

        for (String key : List.of(first, second)) {
            assertEquals("unavailable: DescribeEffectivePolicy answered AccessDeniedException: stub", text(run.result().get(key), "organizationTagPolicy"));
            assertEquals(Map.of("CostCenter", "100", "Environment", "Development"), tagsIn(MEMBER, key), "the local policy, enforced");
        }
        assertEquals("read: CostCenter", text(run.result().get(centralKey), "organizationTagPolicy"), "another account is not affected");
        List<String> warnings = run.lines().stream().filter(line -> line.contains("\"type\":\"organizationTagPolicy\"")
                && line.contains("\"level\":\"WARN\"")).toList();
        assertEquals(1, warnings.size(), run.lines()::toString);
        assertTrue(warnings.get(0).contains(MEMBER) && warnings.get(0).contains("AccessDeniedException"), warnings.get(0));
    }

    /**
     * KMS holding a newer copy of the policy than the one read: it refuses the value with an error no document
     * names. Whatever it answers (a 400 here), the key fails for good, naming the tag and the policy, not RETRYING.
     */
    @Test
    void aValueKmsRefusesUnderEnforcedForFailsTerminallyNamingTheTagAndThePolicy() {
        CloudTrailEvents.Event event = MOTO.keys().createKey(Map.of());
        kms.failAlways("TagResource", 400, "ValidationException", "Tag value is not compliant with the tag policy");

        Response response = HandlerRuns.invoke(eventHandler(LOCAL_POLICY), event);

        assertEquals("FAILED", response.outcome(), response::toString);
        String reason = response.text("reason");
        assertTrue(reason.startsWith("TagResource answered ValidationException: KMS refused \"CostCenter\"=\"100\" (enforced on kms:key by "
                + "the organisation's tag policy of account " + CENTRAL), reason);
        assertEquals(Map.of(), MOTO.keys().tags(event.keyArn()));
    }

    /** Under the real runtime client, the SDK's endpoint variables reach the calls: the package as Lambda runs it. */
    @Test
    void underTheLambdaRuntimeTheEndpointVariablesReachTheTagPolicyCalls() {
        CloudTrailEvents.Event event = MOTO.keys().createKey(Map.of());

        LocalRuntime.Result result = LocalRuntime.invoke(HandlerRuns.environment(
                "TAG_POLICY", LOCAL_POLICY, "AWS_ENDPOINT_URL_KMS", kms.endpoint().toString(),
                "AWS_ENDPOINT_URL_ORGANIZATIONS", organizations.endpoint().toString(),
                "AWS_ENDPOINT_URL_RESOURCE_GROUPS_TAGGING_API", organizations.endpoint().toString(),
                "AWS_ACCESS_KEY_ID", "test", "AWS_SECRET_ACCESS_KEY", "test", "ENFORCEMENT_MODE", "enforce"),
                event.writeTo(work, "create-key"));

        assertEquals(0, result.exitCode(), result::stderr);
        assertTrue(result.responses().get(0).contains("\"organizationTagPolicy\":\"read: CostCenter\""), result.responses()::toString);
        assertEquals(List.of(CENTRAL), organizations.callers(StubTagPolicyEndpoint.DESCRIBE_EFFECTIVE_POLICY));
        assertTrue(organizations.received().get(0).accessKey().equals("test"));
    }

    /** One scheduled sweep of the three accounts; each key's decision line by its ARN. */
    private Map<String, JsonNode> sweep(String policy) throws Exception {
        Captured<SweepResponse> run = HandlerRuns.capturingStdout(() -> new SweepHandler(SweepHandler.Collaborators.of(
                        HandlerRuns.environment("TAG_POLICY", policy, "ENFORCER_ACCOUNT_ID", CENTRAL, "MEMBER_ROLE_NAME", ROLE_NAME,
                                "MEMBER_ACCOUNT_IDS", MEMBER + "," + UNTAGGED_MEMBER, "ENFORCEMENT_MODE", "enforce",
                                "AWS_ENDPOINT_URL_ORGANIZATIONS", organizations.endpoint().toString(),
                                "AWS_ENDPOINT_URL_RESOURCE_GROUPS_TAGGING_API", organizations.endpoint().toString()),
                        clients())
                .withContinuation((next, functionArn, payload) -> {
                    throw new AssertionError("a sweep this small needs no continuation");
                }))
                .handleRequest(EventLoader.loadScheduledEvent("events/scheduled-sweep.json"), FakeContext.endingIn(Duration.ofMinutes(2))));
        assertTrue(run.result().complete(), run::toString);
        Map<String, JsonNode> decisions = new LinkedHashMap<>();
        run.lines().stream().filter(line -> line.contains("\"type\":\"decision\"")).map(line -> JsonNode.parser().parse(line))
                .forEach(line -> decisions.put(text(line, "keyArn"), line));
        return decisions;
    }

    private TagEnforcerHandler eventHandler(String policy) {
        return new TagEnforcerHandler(TagEnforcerHandler.Collaborators.of(HandlerRuns.environment("TAG_POLICY", policy,
                "ENFORCER_ACCOUNT_ID", CENTRAL, "MEMBER_ROLE_NAME", ROLE_NAME, "ENFORCEMENT_MODE", "enforce",
                "AWS_ENDPOINT_URL_ORGANIZATIONS", organizations.endpoint().toString(),
                "AWS_ENDPOINT_URL_RESOURCE_GROUPS_TAGGING_API", organizations.endpoint().toString()), clients()));
    }

    /** The function's own clients: its credentials for the central account, the member role's session for the others. */
    private KmsClientFactory clients() {
        return MemberAccounts.centralClients(http, ROLE_NAME, EXTERNAL_ID, FUNCTION);
    }

    private int writes() {
        return (int) kms.received().stream().filter(operation -> operation.equals("TagResource") || operation.equals("UntagResource")).count();
    }

    private static String text(JsonNode line, String field) {
        return line.field(field).map(JsonNode::asString).orElse(null);
    }

    private static List<String> violations(JsonNode line) {
        return line.field("violations").map(JsonNode::asArray).orElse(List.of()).stream()
                .map(v -> text(v, "key") + " " + text(v, "problem") + " " + text(v, "detail")).toList();
    }

    private String createKeyIn(String account, Map<String, String> tags) {
        return members.createKey(account, tags).keyArn();
    }

    private Map<String, String> tagsIn(String account, String keyArn) {
        return members.tags(account, keyArn);
    }
}
