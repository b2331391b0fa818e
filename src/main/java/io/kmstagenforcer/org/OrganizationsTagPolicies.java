package io.kmstagenforcer.org;

import io.kmstagenforcer.aws.JsonOperation;
import io.kmstagenforcer.aws.OrganizationsEndpoint;
import io.kmstagenforcer.aws.SignedCall;
import io.kmstagenforcer.aws.Sleeper;
import io.kmstagenforcer.kms.Deadline;
import io.kmstagenforcer.kms.KmsClientFactory;
import io.kmstagenforcer.kms.LambdaKmsClients;
import io.kmstagenforcer.policy.OrganizationTagPolicy;
import io.kmstagenforcer.policy.OrganizationTagSource;
import io.kmstagenforcer.policy.PolicyException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.http.SdkHttpClient;

/**
 * Each account's tag policy read from AWS as that account: with the session the function's KMS clients for the
 * account sign with (its own credentials for its own account, the member role session for a member account), because
 * both calls answer for the calling account only. {@link OrganizationTagSource#EFFECTIVE}: {@link DescribeEffectivePolicy}
 * then {@link ListRequiredTags}; {@link OrganizationTagSource#REQUIRED_KEYS}: {@link ListRequiredTags} alone.
 *
 * <p>Endpoints follow the SDK's variables ({@code AWS_ENDPOINT_URL_ORGANIZATIONS},
 * {@code AWS_ENDPOINT_URL_RESOURCE_GROUPS_TAGGING_API}, else {@code AWS_ENDPOINT_URL}), so the function can be
 * pointed at a stand-in. Organizations has one endpoint per partition, in us-east-1 for {@code aws}; the Resource
 * Groups Tagging API is called in the function's region.
 */
public final class OrganizationsTagPolicies implements AccountTagPolicies {
    /** The AssumeRole that opens a member account's session must leave time for the calls after it. */
    private static final Duration ASSUME_ROLE_RESERVE = JsonOperation.LONGEST_CALL;

    private final OrganizationTagSource mode;
    private final KmsClientFactory clients;
    private final String region;
    private final Map<String, String> environment;
    private final Supplier<SdkHttpClient> httpClient;
    private final DescribeEffectivePolicy describeEffectivePolicy;
    private final ListRequiredTags listRequiredTags;
    private AwsCredentialsProvider ownCredentials;
    private SdkHttpClient http;

    /**
     * @param clients     whose sessions the calls are made with ({@link KmsClientFactory#credentials(String)})
     * @param region      the function's region
     * @param environment where the endpoint variables are read
     * @param httpClient  builds the one HTTP client, on the first read (never while the container initialises)
     */
    public OrganizationsTagPolicies(OrganizationTagSource mode, KmsClientFactory clients, String region, Map<String, String> environment,
            Supplier<SdkHttpClient> httpClient, Sleeper sleeper) {
        this.mode = mode;
        this.clients = clients;
        this.region = region;
        this.environment = Map.copyOf(environment);
        this.httpClient = httpClient;
        this.describeEffectivePolicy = new DescribeEffectivePolicy(sleeper);
        this.listRequiredTags = new ListRequiredTags(sleeper);
    }

    /** As the function reads them in Lambda: its URLConnection client, and {@code Thread::sleep} between a try and its retry. */
    public static OrganizationsTagPolicies inLambda(OrganizationTagSource mode, KmsClientFactory clients, String region,
            Map<String, String> environment) {
        return new OrganizationsTagPolicies(mode, clients, region, environment, LambdaKmsClients::httpClient, Sleeper.THREAD);
    }

    @Override
    public Optional<OrganizationTagPolicy> read(String account, Deadline deadline) {
        AwsCredentialsProvider session = session(account, deadline);
        String name = "of account " + account;
        if (mode == OrganizationTagSource.EFFECTIVE) {
            Optional<String> content = describeEffectivePolicy.tagPolicy(call(session, OrganizationsEndpoint.SIGNING_NAME,
                    OrganizationsEndpoint.region(region), OrganizationsEndpoint.uri(region, environment)), deadline);
            if (content.isEmpty()) {
                return Optional.empty();
            }
            OrganizationTagPolicy policy;
            try {
                policy = OrganizationTagPolicy.parse(name, content.get());
            } catch (PolicyException e) {
                throw new JsonOperation.Failed(DescribeEffectivePolicy.OPERATION + " answered a tag policy this function cannot read: "
                        + e.getMessage(), Optional.empty(), e);
            }
            return Optional.of(policy.requiring(requiredKeys(session, deadline)));
        }
        return Optional.of(new OrganizationTagPolicy(name, List.of()).requiring(requiredKeys(session, deadline)));
    }

    private List<String> requiredKeys(AwsCredentialsProvider session, Deadline deadline) {
        return listRequiredTags.kmsKeyTagKeys(call(session, ListRequiredTags.SIGNING_NAME, region,
                SignedCall.endpoint(ListRequiredTags.ENDPOINT_VARIABLE, ListRequiredTags.SIGNING_NAME, region, environment)), deadline);
    }

    /** The account's session: its member role assumed if it must be, as before a KMS call to its keys. */
    private AwsCredentialsProvider session(String account, Deadline deadline) {
        // No AssumeRole for calls that would not be started.
        JsonOperation.requireTime(mode == OrganizationTagSource.EFFECTIVE ? DescribeEffectivePolicy.OPERATION : ListRequiredTags.OPERATION,
                deadline);
        try {
            clients.openSession(account, () -> deadline.remaining().minus(ASSUME_ROLE_RESERVE));
        } catch (RuntimeException e) {
            String role = clients.memberRole(account).orElse("the member role");
            throw new JsonOperation.Failed("AssumeRole of " + role + " (account " + account + ") failed: " + e.getMessage(), Optional.empty(), e);
        }
        return clients.credentials(account).orElseGet(this::ownCredentials);
    }

    private synchronized AwsCredentialsProvider ownCredentials() {
        if (ownCredentials == null) {
            ownCredentials = LambdaKmsClients.credentials();
        }
        return ownCredentials;
    }

    private synchronized SignedCall call(AwsCredentialsProvider session, String signingName, String signingRegion, URI endpoint) {
        if (http == null) {
            http = httpClient.get();
        }
        return new SignedCall(signingName, signingRegion, endpoint, http, session);
    }
}
