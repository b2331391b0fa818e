package io.kmstagenforcer.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kmstagenforcer.TagEnforcerHandler;
import io.kmstagenforcer.TagEnforcerHandler.Collaborators;
import io.kmstagenforcer.aws.SignedCall;
import io.kmstagenforcer.integration.HandlerRuns.Captured;
import io.kmstagenforcer.integration.HandlerRuns.Response;
import io.kmstagenforcer.localrun.StubTaggingEndpoint;
import io.kmstagenforcer.org.ListRequiredTags;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.protocols.jsoncore.JsonNode;

/**
 * The function with {@code organizationRequiredTags}: KMS is moto, the Resource Groups Tagging API a
 * loopback stand-in whose ListRequiredTags requires CostCenter and Owner on kms:key (over two pages).
 */
class OrganizationRequiredTagsIT {
    @RegisterExtension
    static final MotoServerExtension MOTO = new MotoServerExtension();

    private static final String LOCAL_POLICY = "{\"organizationRequiredTags\":true,"
            + "\"required\":{\"CostCenter\":{\"default\":\"unassigned\"}}}";
    private static final String LOCAL_POLICY_WITH_OWNER = "{\"organizationRequiredTags\":true,"
            + "\"required\":{\"CostCenter\":{\"default\":\"unassigned\"},\"Owner\":{\"default\":\"platform-team\"}}}";

    private RecordingKmsClients clients;
    private StubTaggingEndpoint tagging;

    @BeforeEach
    void connect() {
        clients = new RecordingKmsClients(MOTO.endpoint());
        tagging = StubTaggingEndpoint.start();
    }

    @AfterEach
    void disconnect() {
        clients.close();
        tagging.close();
    }

    private TagEnforcerHandler handler(String policy) {
        ListRequiredTags listRequiredTags = new ListRequiredTags(new SignedCall("tagging", MotoKeys.HOME_REGION, tagging.endpoint(),
                UrlConnectionHttpClient.create(), StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDEXAMPLE", "secret"))),
                duration -> Thread.sleep(duration.toMillis()));
        return new TagEnforcerHandler(Collaborators.of(HandlerRuns.environment("TAG_POLICY", policy), clients).withOrganizationTags(listRequiredTags));
    }

    @Test
    void aKeyMissingAnOrganisationRequiredTagIsNoncompliantAndNothingIsMadeUp() {
        CloudTrailEvents.Event event = MOTO.keys().createKey(Map.of("CostCenter", "1234"));

        Response response = HandlerRuns.invoke(handler(LOCAL_POLICY), event);

        assertEquals("NONCOMPLIANT", response.outcome(), response::toString);
        assertEquals("read: CostCenter, Owner", response.text("organizationRequiredTags"));
        JsonNode violation = response.json().field("violations").orElseThrow().asArray().get(0);
        assertEquals("Owner", violation.field("key").orElseThrow().text());
        assertEquals("MISSING", violation.field("problem").orElseThrow().text());
        assertEquals("not fixed: the policy gives no default", violation.field("detail").orElseThrow().text());
        assertEquals(Map.of("CostCenter", "1234"), MOTO.keys().tags(event.keyArn()), "no value is made up for Owner");
        assertEquals(2, tagging.received().size(), "both pages");
        assertEquals("ResourceGroupsTaggingAPI_20170126.ListRequiredTags", tagging.received().get(0).header("X-Amz-Target"));
        assertTrue(tagging.received().get(0).header("Authorization").contains("/us-east-1/tagging/aws4_request"));
    }

    @Test
    void aLocalDefaultForAnOrganisationRequiredTagIsWritten() {
        CloudTrailEvents.Event event = MOTO.keys().createKey(Map.of("CostCenter", "1234"));

        Response response = HandlerRuns.invoke(handler(LOCAL_POLICY_WITH_OWNER), event);

        assertEquals("REMEDIATED", response.outcome(), response::toString);
        assertEquals(Map.of("Owner", "platform-team"), response.stringMap("added"));
        assertEquals(Map.of("CostCenter", "1234", "Owner", "platform-team"), MOTO.keys().tags(event.keyArn()));
    }

    @Test
    void theListIsReadOncePerContainer() {
        TagEnforcerHandler handler = handler(LOCAL_POLICY);

        HandlerRuns.invoke(handler, MOTO.keys().createKey(Map.of("CostCenter", "1234", "Owner", "alice")));
        Response second = HandlerRuns.invoke(handler, MOTO.keys().createKey(Map.of("CostCenter", "1234", "Owner", "bob")));

        assertEquals("COMPLIANT", second.outcome(), second::toString);
        assertEquals(2, tagging.received().size(), "two pages, once");
    }

    @Test
    void deniedLeavesTheLocalPolicyEnforcedSaysSoAndWarnsOnce() throws Exception {
        tagging.thenFail(400, "AccessDeniedException").thenFail(400, "AccessDeniedException");
        CloudTrailEvents.Event first = MOTO.keys().createKey(Map.of());
        CloudTrailEvents.Event second = MOTO.keys().createKey(Map.of());

        Captured<List<Response>> run = HandlerRuns.capturingStdout(() -> {
            TagEnforcerHandler handler = handler(LOCAL_POLICY);
            return List.of(HandlerRuns.invoke(handler, first), HandlerRuns.invoke(handler, second));
        });

        for (Response response : run.result()) {
            assertEquals("REMEDIATED", response.outcome(), response::toString);
            assertEquals(Map.of("CostCenter", "unassigned"), response.stringMap("added"), "the local policy, enforced");
            assertEquals("unavailable: ListRequiredTags answered AccessDeniedException", response.text("organizationRequiredTags"));
        }
        assertEquals(2, tagging.received().size(), "tried again on the next invocation");
        List<String> warnings = run.lines().stream()
                .filter(line -> line.contains("\"type\":\"organizationRequiredTags\""))
                .toList();
        assertEquals(1, warnings.size(), () -> "one warning per container: " + run.lines());
        assertTrue(warnings.get(0).contains("\"level\":\"WARN\"") && warnings.get(0).contains("AccessDeniedException"), warnings::toString);
        assertTrue(run.lines().stream().filter(line -> line.contains("\"type\":\"decision\""))
                .allMatch(line -> line.contains("\"organizationRequiredTags\":\"unavailable: ListRequiredTags answered AccessDeniedException\"")),
                "every decision line says so");
    }
}
