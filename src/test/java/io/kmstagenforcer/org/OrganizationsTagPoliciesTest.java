package io.kmstagenforcer.org;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kmstagenforcer.aws.JsonOperation;
import io.kmstagenforcer.kms.Deadline;
import io.kmstagenforcer.kms.KmsClientFactory;
import io.kmstagenforcer.kms.LambdaKmsClients;
import io.kmstagenforcer.localrun.StubTagPolicyEndpoint;
import io.kmstagenforcer.policy.OrganizationTagPolicy;
import io.kmstagenforcer.policy.OrganizationTagRule;
import io.kmstagenforcer.policy.OrganizationTagSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.kms.KmsClient;

/** An account's tag policy as the function reads it from AWS: the calls, as whom, where, and what a refusal or an absence means. */
class OrganizationsTagPoliciesTest {
    private static final String ACCOUNT = "111122223333";
    private static final String POLICY = "{\"tags\":{\"costcenter\":{\"tag_key\":\"CostCenter\",\"tag_value\":[\"100\",\"300*\"],"
            + "\"enforced_for\":[\"kms:key\"]},\"owner\":{\"tag_key\":\"Owner\",\"report_required_tag_for\":[\"kms:key\"]}}}";

    private StubTagPolicyEndpoint aws;
    private SdkHttpClient http;
    private final List<Duration> slept = new ArrayList<>();

    @BeforeEach
    void start() {
        aws = StubTagPolicyEndpoint.start(accessKey -> accessKey.equals("AKIDCENTRAL") ? Optional.of(ACCOUNT) : Optional.empty());
        http = UrlConnectionHttpClient.create();
    }

    @AfterEach
    void stop() {
        aws.close();
        http.close();
    }

    private OrganizationsTagPolicies reader(OrganizationTagSource mode) {
        KmsClientFactory clients = LambdaKmsClients.factory(http, StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDCENTRAL", "s")));
        return new OrganizationsTagPolicies(mode, clients, "eu-west-1", Map.of("AWS_ENDPOINT_URL_ORGANIZATIONS", aws.endpoint().toString(),
                "AWS_ENDPOINT_URL_RESOURCE_GROUPS_TAGGING_API", aws.endpoint().toString()), () -> http, slept::add);
    }

    @Test
    void effectiveReadsTheCallersOwnPolicyThenItsRequiredKeysSignedAsTheAccount() {
        aws.policy(ACCOUNT, POLICY);

        OrganizationTagPolicy policy = reader(OrganizationTagSource.EFFECTIVE).read(ACCOUNT, Deadline.NONE).orElseThrow();

        assertEquals(List.of(
                new OrganizationTagRule("of account " + ACCOUNT, "costcenter", "CostCenter", Optional.of(List.of("100", "300*")), false, true),
                new OrganizationTagRule("of account " + ACCOUNT, "owner", "Owner", Optional.empty(), true, false)), policy.rules());
        List<StubTagPolicyEndpoint.Received> requests = aws.received();
        assertEquals(List.of(StubTagPolicyEndpoint.DESCRIBE_EFFECTIVE_POLICY, StubTagPolicyEndpoint.LIST_REQUIRED_TAGS),
                requests.stream().map(StubTagPolicyEndpoint.Received::target).toList());
        assertEquals("{\"PolicyType\":\"TAG_POLICY\"}", requests.get(0).body(), "no TargetId: the caller's own account");
        assertTrue(requests.get(0).authorization().contains("/us-east-1/organizations/aws4_request"), requests.get(0).authorization());
        assertTrue(requests.get(1).authorization().contains("/eu-west-1/tagging/aws4_request"), requests.get(1).authorization());
    }

    @Test
    void aKeyListRequiredTagsNamesMakesItsRuleRequired() {
        aws.policy(ACCOUNT, POLICY.replace(",\"enforced_for\":[\"kms:key\"]", ",\"report_required_tag_for\":[\"kms:key\"]"));

        OrganizationTagPolicy policy = reader(OrganizationTagSource.EFFECTIVE).read(ACCOUNT, Deadline.NONE).orElseThrow();

        assertEquals(List.of("CostCenter", "Owner"), policy.requiredRules().stream().map(OrganizationTagRule::tagKey).toList());
    }

    @Test
    void anAccountWithoutATagPolicyHasNoneAndIsNotAskedForItsRequiredKeys() {
        assertEquals(Optional.empty(), reader(OrganizationTagSource.EFFECTIVE).read(ACCOUNT, Deadline.NONE));

        assertEquals(List.of(ACCOUNT), aws.callers(StubTagPolicyEndpoint.DESCRIBE_EFFECTIVE_POLICY));
        assertEquals(List.of(), aws.callers(StubTagPolicyEndpoint.LIST_REQUIRED_TAGS));
    }

    @Test
    void requiredKeysReadsOnlyTheKeysWithNoValues() {
        aws.policy(ACCOUNT, POLICY);

        OrganizationTagPolicy policy = reader(OrganizationTagSource.REQUIRED_KEYS).read(ACCOUNT, Deadline.NONE).orElseThrow();

        assertEquals(List.of(OrganizationTagRule.listedAsRequired("of account " + ACCOUNT, "Owner")), policy.rules());
        assertEquals(List.of(), aws.callers(StubTagPolicyEndpoint.DESCRIBE_EFFECTIVE_POLICY));
    }

    /** A member session is opened only for calls that will be made: with too little time left, neither is. */
    @Test
    void withTooLittleTimeLeftNoSessionIsOpenedAndNothingSent() {
        List<String> opened = new ArrayList<>();
        KmsClientFactory clients = new KmsClientFactory() {
            @Override
            public KmsClient create(String region) {
                throw new AssertionError("no KMS client");
            }

            @Override
            public void openSession(String account, Supplier<Duration> timeout) {
                opened.add(account);
            }
        };
        OrganizationsTagPolicies reader = new OrganizationsTagPolicies(OrganizationTagSource.EFFECTIVE, clients, "eu-west-1",
                Map.of("AWS_ENDPOINT_URL_ORGANIZATIONS", aws.endpoint().toString()), () -> http, slept::add);

        JsonOperation.Failed error = assertThrows(JsonOperation.Failed.class,
                () -> reader.read(ACCOUNT, () -> JsonOperation.LONGEST_CALL.minusMillis(1)));

        assertTrue(error.getMessage().startsWith("DescribeEffectivePolicy not sent: 15999 ms were left"), error::getMessage);
        assertEquals(List.of(), opened, "no AssumeRole for a call that is not made");
        assertEquals(List.of(), aws.received());
    }

    @Test
    void organizationsNotInUseIsUnavailableNamingTheError() {
        aws.thenFail(ACCOUNT, 400, "AWSOrganizationsNotInUseException");

        JsonOperation.Failed error = assertThrows(JsonOperation.Failed.class,
                () -> reader(OrganizationTagSource.EFFECTIVE).read(ACCOUNT, Deadline.NONE));

        assertEquals("DescribeEffectivePolicy answered AWSOrganizationsNotInUseException: stub", error.getMessage());
        assertEquals(List.of(), slept, "not retried: it would answer the same");
    }

    @Test
    void tooManyRequestsIsRetriedOnce() {
        aws.policy(ACCOUNT, POLICY).thenFail(ACCOUNT, 400, "TooManyRequestsException");

        assertTrue(reader(OrganizationTagSource.EFFECTIVE).read(ACCOUNT, Deadline.NONE).isPresent());

        assertEquals(List.of(JsonOperation.RETRY_BACKOFF), slept);
    }

    @Test
    void aPolicyTheFunctionCannotReadIsUnavailableNamingTheField() {
        aws.policy(ACCOUNT, "{\"tags\":{\"costcenter\":{\"tag_key\":\"CostCenter\",\"tag_colour\":[\"red\"]}}}");

        JsonOperation.Failed error = assertThrows(JsonOperation.Failed.class,
                () -> reader(OrganizationTagSource.EFFECTIVE).read(ACCOUNT, Deadline.NONE));

        assertTrue(error.getMessage().startsWith("DescribeEffectivePolicy answered a tag policy this function cannot read: ")
                && error.getMessage().contains("tag_colour"), error::getMessage);
    }

}
