package io.kmstagenforcer.integration;

import io.kmstagenforcer.kms.KmsClientFactory;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.AwsExecutionAttribute;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.KmsClientBuilder;

/**
 * KMS clients built the way production's {@code LambdaKmsClients} builds them (URLConnection HTTP
 * client with its timeouts, region from the key ARN, the SDK's default retry strategy) but sent to
 * a local endpoint with static test credentials, and recording every request that gets an answer.
 *
 * <p>The recording is per HTTP attempt ({@code afterTransmission}), so a request the SDK retried
 * appears once per attempt: these are the calls that reached KMS.
 */
final class RecordingKmsClients implements KmsClientFactory, AutoCloseable {
    static final StaticCredentialsProvider TEST_CREDENTIALS = StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test"));

    /**
     * One request that reached KMS.
     *
     * @param keyId the request's {@code KeyId} (the enforcer always sends the key's ARN); empty for a listing
     */
    record Call(String operation, String region, Optional<String> keyId) {
        @Override
        public String toString() {
            return operation + "@" + region;
        }
    }

    private final URI endpoint;
    private final SdkHttpClient httpClient = UrlConnectionHttpClient.builder()
            .connectionTimeout(Duration.ofSeconds(2))
            .socketTimeout(Duration.ofSeconds(5))
            .build();
    private final List<Call> calls = new CopyOnWriteArrayList<>();
    private final List<KmsClient> built = new CopyOnWriteArrayList<>();
    private volatile Runnable beforeEachWrite = () -> { };

    RecordingKmsClients(URI endpoint) {
        this.endpoint = endpoint;
    }

    @Override
    public KmsClient create(String region) {
        KmsClient client = builder(endpoint, region)
                .httpClient(httpClient)
                .overrideConfiguration(o -> o.apiCallTimeout(Duration.ofSeconds(15)).addExecutionInterceptor(new Recorder()))
                .build();
        built.add(client);
        return client;
    }

    /** Its clients sign with the test credentials, whatever the account: so do the function's calls to other services. */
    @Override
    public Optional<AwsCredentialsProvider> credentials(String account) {
        return Optional.of(TEST_CREDENTIALS);
    }

    /** Runs {@code hook} on the caller's thread before each TagResource and UntagResource is sent: it may block to order writes. */
    RecordingKmsClients beforeEachWrite(Runnable hook) {
        this.beforeEachWrite = hook;
        return this;
    }

    /** A client for setting up and inspecting keys; its calls are not recorded. */
    static KmsClient unrecorded(URI endpoint, String region) {
        return builder(endpoint, region).httpClientBuilder(UrlConnectionHttpClient.builder()).build();
    }

    /** The calls made since the last {@link #clear()}, as {@code Operation@region}. */
    List<String> callNames() {
        return calls.stream().map(Call::toString).toList();
    }

    /** The operations sent for one key ({@code KeyId} = its ARN), in order. */
    List<String> operationsOn(String keyArn) {
        return calls.stream().filter(call -> call.keyId().equals(Optional.of(keyArn))).map(Call::operation).toList();
    }

    /** The calls that name no key (ListKeys, ListAliases), as {@code Operation@region}. */
    List<String> callsOnNoKey() {
        return calls.stream().filter(call -> call.keyId().isEmpty()).map(Call::toString).toList();
    }

    void clear() {
        calls.clear();
    }

    @Override
    public void close() {
        built.forEach(KmsClient::close);
        httpClient.close();
    }

    private static KmsClientBuilder builder(URI endpoint, String region) {
        return KmsClient.builder()
                .region(Region.of(region))
                .endpointOverride(endpoint)
                .credentialsProvider(TEST_CREDENTIALS);
    }

    private final class Recorder implements ExecutionInterceptor {
        @Override
        public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
            String operation = attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME);
            if (operation.equals("TagResource") || operation.equals("UntagResource")) {
                beforeEachWrite.run();
            }
        }

        @Override
        public void afterTransmission(Context.AfterTransmission context, ExecutionAttributes attributes) {
            calls.add(new Call(attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME),
                    attributes.getAttribute(AwsExecutionAttribute.AWS_REGION).id(),
                    context.request().getValueForField("KeyId", String.class)));
        }
    }
}
