package io.kmstagenforcer.kms;

import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProviderChain;
import software.amazon.awssdk.auth.credentials.ContainerCredentialsProvider;
import software.amazon.awssdk.auth.credentials.EnvironmentVariableCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.KmsClientBuilder;
import software.amazon.awssdk.services.sts.StsClient;

/**
 * KMS clients as the function builds them inside Lambda: lean, and right under SnapStart.
 *
 * <ul>
 *   <li>The JDK's URLConnection HTTP client, shared by every region's client: no Netty or Apache
 *       to load at cold start.</li>
 *   <li>The region comes from the key's ARN, so the SDK never probes for one.</li>
 *   <li>Credentials: the runtime's environment variables, else the container endpoint that
 *       Lambda uses under SnapStart (where the variables are not set). Nothing else is probed, and
 *       nothing is resolved until the first call, so no credentials are baked into a snapshot.</li>
 *   <li>The SDK's standard {@code AWS_ENDPOINT_URL}/{@code AWS_ENDPOINT_URL_KMS} variables still
 *       apply, which is how local runs reach a local KMS.</li>
 * </ul>
 */
public final class LambdaKmsClients {
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration SOCKET_TIMEOUT = Duration.ofSeconds(5);
    /** Three calls at most must fit in the function's 30 s timeout, retries included. */
    private static final Duration API_CALL_TIMEOUT = Duration.ofSeconds(8);

    private LambdaKmsClients() {
    }

    public static KmsClientFactory factory() {
        return factory(httpClient(), credentials());
    }

    /**
     * As {@link #factory()}, and with a member role also keys of other accounts, through their member
     * session: what the function builds from its environment.
     *
     * @param region      the function's region, where STS is called
     * @param sessionName the member role session's name (the function's name)
     */
    public static KmsClientFactory factory(Optional<MemberRole> member, String region, String sessionName) {
        SdkHttpClient httpClient = httpClient();
        AwsCredentialsProvider credentials = credentials();
        if (member.isEmpty()) {
            return factory(httpClient, credentials);
        }
        return factory(httpClient, credentials,
                new MemberRoleSessions(member.get(), region, sessionName, () -> stsClient(region, httpClient, credentials)));
    }

    /** Clients for the function's own account with {@code credentials}, and for every other account with its member session. */
    public static KmsClientFactory factory(SdkHttpClient httpClient, AwsCredentialsProvider credentials, MemberRoleSessions sessions) {
        KmsClientFactory own = factory(httpClient, credentials);
        return new KmsClientFactory() {
            @Override
            public KmsClient create(String region) {
                return own.create(region);
            }

            @Override
            public KmsClient create(String account, String region) {
                return sessions.roleFor(account).isEmpty() ? create(region)
                        : builder(region, httpClient).credentialsProvider(sessions.credentials(account)).build();
            }

            @Override
            public Optional<String> memberRole(String account) {
                return sessions.roleFor(account);
            }

            @Override
            public void openSession(String account, Supplier<Duration> timeout) {
                sessions.open(account, timeout);
            }

            @Override
            public Optional<AwsCredentialsProvider> credentials(String account) {
                return Optional.of(sessions.roleFor(account).isEmpty() ? credentials : sessions.credentials(account));
            }
        };
    }

    /**
     * The STS client the member sessions are assumed with: the function's region (its regional STS
     * endpoint; {@code AWS_ENDPOINT_URL_STS} still applies), the same HTTP client and credentials as
     * the KMS clients, and the same call timeout.
     */
    public static StsClient stsClient(String region, SdkHttpClient httpClient, AwsCredentialsProvider credentials) {
        return StsClient.builder()
                .region(Region.of(region))
                .httpClient(httpClient)
                .credentialsProvider(credentials)
                .overrideConfiguration(o -> o.apiCallTimeout(API_CALL_TIMEOUT))
                .build();
    }

    /**
     * Clients built as the function builds them, but with other credentials: what a tool run outside
     * Lambda (the report, from a laptop) uses with the SDK's default chain. The caller owns
     * {@code httpClient} and closes it.
     */
    public static KmsClientFactory factory(SdkHttpClient httpClient, AwsCredentialsProvider credentials) {
        return new KmsClientFactory() {
            @Override
            public KmsClient create(String region) {
                return builder(region, httpClient).credentialsProvider(credentials).build();
            }

            @Override
            public Optional<AwsCredentialsProvider> credentials(String account) {
                return Optional.of(credentials);
            }
        };
    }

    /**
     * The runtime's environment variables, else the container endpoint (SnapStart), each asked on
     * every resolution: a credential never outlives the provider that gave it.
     */
    public static AwsCredentialsProvider credentials() {
        return AwsCredentialsProviderChain.builder()
                .reuseLastProviderEnabled(false)
                .credentialsProviders(EnvironmentVariableCredentialsProvider.create(), ContainerCredentialsProvider.builder().build())
                .build();
    }

    /**
     * Runs each of the enforcer's KMS operations through a throwaway client up to the point of
     * sending, so that marshallers, signers and the request pipeline are loaded before a SnapStart
     * snapshot. Signs with dummy credentials and sends nothing.
     */
    public static void prime(String region) {
        try (SdkHttpClient httpClient = httpClient();
             KmsClient client = builder(region, httpClient)
                     .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("priming", "priming")))
                     .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry())
                             .addExecutionInterceptor(new StopBeforeSending()))
                     .build()) {
            String key = "arn:aws:kms:" + region + ":000000000000:key/00000000-0000-0000-0000-000000000000";
            ignoreStop(() -> client.describeKey(r -> r.keyId(key)));
            ignoreStop(() -> client.listResourceTags(r -> r.keyId(key)));
            ignoreStop(() -> client.tagResource(r -> r.keyId(key).tags(t -> t.tagKey("k").tagValue("v"))));
            ignoreStop(() -> client.untagResource(r -> r.keyId(key).tagKeys("k")));
        }
    }

    private static KmsClientBuilder builder(String region, SdkHttpClient httpClient) {
        return KmsClient.builder()
                .region(Region.of(region))
                .httpClient(httpClient)
                .overrideConfiguration(o -> o.apiCallTimeout(API_CALL_TIMEOUT));
    }

    /** The URLConnection client with the function's timeouts, for any AWS client the function builds. */
    public static SdkHttpClient httpClient() {
        return UrlConnectionHttpClient.builder()
                .connectionTimeout(CONNECT_TIMEOUT)
                .socketTimeout(SOCKET_TIMEOUT)
                .build();
    }

    private static void ignoreStop(Runnable call) {
        try {
            call.run();
        } catch (NotSent | SdkException expected) {
            // StopBeforeSending ended the call, as intended (the SDK may or may not wrap it).
        }
    }

    /** Ends every request after it is marshalled and signed, before any byte leaves the process. */
    private static final class StopBeforeSending implements ExecutionInterceptor {
        @Override
        public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes executionAttributes) {
            throw new NotSent();
        }
    }

    private static final class NotSent extends RuntimeException {
        private static final long serialVersionUID = 1L;

        NotSent() {
            super("priming request, deliberately not sent", null, false, false);
        }
    }
}
