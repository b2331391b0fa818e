package io.kmstagenforcer.org;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kmstagenforcer.aws.JsonOperation;
import io.kmstagenforcer.aws.SignedCall;
import io.kmstagenforcer.kms.Deadline;
import io.kmstagenforcer.localrun.StubTaggingEndpoint;
import io.kmstagenforcer.localrun.StubTaggingEndpoint.Received;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;

/** ListRequiredTags as the function calls it, against a stand-in that answers as the API Reference documents. */
class ListRequiredTagsTest {
    private StubTaggingEndpoint tagging;
    private final List<Duration> slept = new ArrayList<>();

    @BeforeEach
    void startStub() {
        tagging = StubTaggingEndpoint.start();
    }

    @AfterEach
    void stopStub() {
        tagging.close();
    }

    /** The call as {@link OrganizationsTagPolicies} makes it: the account's session, the function's region. */
    private SignedCall session() {
        return new SignedCall("tagging", "eu-west-1", tagging.endpoint(), UrlConnectionHttpClient.create(),
                StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDEXAMPLE", "secret")));
    }

    private List<String> kmsKeyTagKeys() {
        return kmsKeyTagKeys(Deadline.NONE);
    }

    private List<String> kmsKeyTagKeys(Deadline deadline) {
        return new ListRequiredTags(slept::add).kmsKeyTagKeys(session(), deadline);
    }

    @Test
    void readsEveryPageAndKeepsOnlyTheKmsKeyTagKeysEachOnce() {
        assertEquals(List.of("CostCenter", "Owner"), kmsKeyTagKeys());

        List<Received> requests = tagging.received();
        assertEquals(2, requests.size());
        assertEquals("{\"MaxResults\":200}", requests.get(0).body());
        assertEquals("{\"MaxResults\":200,\"NextToken\":\"page-2\"}", requests.get(1).body());
    }

    @Test
    void sendsAJson11PostWithTheOperationsTarget() {
        kmsKeyTagKeys();

        Received request = tagging.received().get(0);
        assertEquals("POST", request.method());
        assertEquals("/", request.rawPath());
        assertEquals("ResourceGroupsTaggingAPI_20170126.ListRequiredTags", request.header("X-Amz-Target"));
        assertEquals("application/x-amz-json-1.1", request.header("Content-Type"));
    }

    @Test
    void signsWithSigV4ForTaggingInTheFunctionsRegion() {
        kmsKeyTagKeys();

        String authorization = tagging.received().get(0).header("Authorization");
        assertTrue(authorization.startsWith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/"), authorization);
        assertTrue(authorization.contains("/eu-west-1/tagging/aws4_request"), authorization);
        assertTrue(authorization.contains("x-amz-target"), "the target is signed: " + authorization);
    }

    @Test
    void accessDeniedIsUnavailableAtOnceWithoutARetry() {
        tagging.thenFail(400, "AccessDeniedException");

        JsonOperation.Failed error = assertThrows(JsonOperation.Failed.class, () -> kmsKeyTagKeys());

        assertEquals("ListRequiredTags answered AccessDeniedException: stub", error.getMessage(), "the service's own message is kept");
        assertEquals(1, tagging.received().size());
        assertEquals(List.of(), slept);
    }

    @Test
    void throttlingIsRetriedOnceAfterAShortBackoff() {
        tagging.thenFail(400, "ThrottledException");

        assertEquals(List.of("CostCenter", "Owner"), kmsKeyTagKeys());

        assertEquals(List.of(JsonOperation.RETRY_BACKOFF), slept);
        assertEquals(3, tagging.received().size(), "the throttled page again, then the second page");
    }

    @Test
    void aServerErrorTwiceIsUnavailable() {
        tagging.thenFail(500, "InternalServiceException").thenFail(503, "ServiceUnavailableException");

        JsonOperation.Failed error = assertThrows(JsonOperation.Failed.class, () -> kmsKeyTagKeys());

        assertEquals("ListRequiredTags answered ServiceUnavailableException: stub (2 tries)", error.getMessage());
        assertEquals(2, tagging.received().size());
    }

    @Test
    void aPageThatMayNotFitBeforeTheFunctionsTimeoutIsNotSent() {
        JsonOperation.Failed error = assertThrows(JsonOperation.Failed.class,
                () -> kmsKeyTagKeys(() -> JsonOperation.LONGEST_CALL.minusMillis(1)));

        assertTrue(error.getMessage().startsWith("ListRequiredTags not sent: 15999 ms were left"), error::getMessage);
        assertEquals(List.of(), tagging.received(), "the function ends classified, not by Lambda's timeout");
    }

    @Test
    void anUnreachableEndpointIsUnavailable() {
        tagging.close();

        JsonOperation.Failed error = assertThrows(JsonOperation.Failed.class, () -> kmsKeyTagKeys());

        assertTrue(error.getMessage().startsWith("ListRequiredTags could not be sent"), error::getMessage);
    }

    @Test
    void theEndpointFollowsTheSdksVariablesThenThePartition() {
        assertEquals(URI.create("http://127.0.0.1:9"), endpoint(
                Map.of("AWS_ENDPOINT_URL_RESOURCE_GROUPS_TAGGING_API", "http://127.0.0.1:9", "AWS_ENDPOINT_URL", "http://127.0.0.1:8")));
        assertEquals(URI.create("https://tagging.eu-west-1.amazonaws.com"), endpoint(Map.of()));
    }

    private static URI endpoint(Map<String, String> environment) {
        return SignedCall.endpoint(ListRequiredTags.ENDPOINT_VARIABLE, ListRequiredTags.SIGNING_NAME, "eu-west-1", environment);
    }
}
