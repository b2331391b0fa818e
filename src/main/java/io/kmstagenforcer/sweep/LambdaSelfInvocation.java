package io.kmstagenforcer.sweep;

import io.kmstagenforcer.kms.LambdaKmsClients;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.RegionMetadata;
import software.amazon.awssdk.utils.http.SdkHttpUtils;

/**
 * Continues a sweep by invoking the same function asynchronously (Lambda's Invoke with
 * {@code X-Amz-Invocation-Type: Event}): Lambda queues the invocation, retries it on a function
 * error and sends it to the on-failure destination when it keeps failing, as for a scheduled run.
 *
 * <p>Why not the SDK's Lambda client: that module weighs 3.4 MB, more than all the function's other
 * jars, for this one call. This is the same call made with the SDK's own parts: its SigV4 signer,
 * the function's URLConnection client and runtime credentials. The endpoint follows the SDK's
 * convention: {@code AWS_ENDPOINT_URL_LAMBDA}, else {@code AWS_ENDPOINT_URL}, else
 * {@code https://lambda.<region>.<partition domain>}.
 */
public final class LambdaSelfInvocation implements SweepContinuation {
    private static final String SIGNING_NAME = "lambda";
    private static final String API_VERSION = "2015-03-31";

    private final String region;
    private final URI endpoint;
    private final SdkHttpClient httpClient;
    private final AwsCredentialsProvider credentials;
    private final AwsV4HttpSigner signer = AwsV4HttpSigner.create();

    LambdaSelfInvocation(String region, URI endpoint, SdkHttpClient httpClient, AwsCredentialsProvider credentials) {
        this.region = region;
        this.endpoint = endpoint;
        this.httpClient = httpClient;
        this.credentials = credentials;
    }

    /** As the function builds its KMS clients: URLConnection, the runtime's credentials, its own region. */
    public static LambdaSelfInvocation inRegion(String region, Map<String, String> environment) {
        return new LambdaSelfInvocation(region, endpoint(region, environment), LambdaKmsClients.httpClient(), LambdaKmsClients.credentials());
    }

    static URI endpoint(String region, Map<String, String> environment) {
        String override = environment.getOrDefault("AWS_ENDPOINT_URL_LAMBDA", environment.get("AWS_ENDPOINT_URL"));
        if (override != null && !override.isBlank()) {
            return URI.create(override.trim());
        }
        RegionMetadata metadata = Region.of(region).metadata();
        return URI.create("https://lambda." + region + "." + (metadata == null ? "amazonaws.com" : metadata.partition().dnsSuffix()));
    }

    @Override
    public void continueWith(SweepMarker next, String functionArn, byte[] payload) {
        SdkHttpRequest request = SdkHttpRequest.builder()
                .method(SdkHttpMethod.POST)
                .uri(endpoint)
                .encodedPath(SdkHttpUtils.appendUri(endpoint.getRawPath(),
                        "/" + API_VERSION + "/functions/" + SdkHttpUtils.urlEncode(functionArn) + "/invocations"))
                .putHeader("X-Amz-Invocation-Type", "Event")
                .putHeader("Content-Type", "application/json")
                .putHeader("Content-Length", Integer.toString(payload.length))
                .build();
        SignedRequest signed = signer.sign(sign -> sign
                .identity(credentials.resolveCredentials())
                .request(request)
                .payload(ContentStreamProvider.fromByteArray(payload))
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, SIGNING_NAME)
                .putProperty(AwsV4HttpSigner.REGION_NAME, region));
        try {
            HttpExecuteResponse response = httpClient.prepareRequest(HttpExecuteRequest.builder()
                    .request(signed.request())
                    .contentStreamProvider(signed.payload().orElse(null))
                    .build()).call();
            int status = response.httpResponse().statusCode();
            if (status != 202) {
                throw new IllegalStateException("Lambda answered HTTP " + status + " to the sweep's continuation ("
                        + response.httpResponse().firstMatchingHeader("x-amzn-ErrorType").orElse("no error type") + ": "
                        + body(response) + "), not 202");
            }
            body(response);
        } catch (IOException e) {
            throw new UncheckedIOException("the sweep's continuation could not reach Lambda", e);
        }
    }

    private static String body(HttpExecuteResponse response) throws IOException {
        if (response.responseBody().isEmpty()) {
            return "";
        }
        try (InputStream in = response.responseBody().get()) {
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return text.length() <= 300 ? text : text.substring(0, 300) + "...";
        }
    }
}
