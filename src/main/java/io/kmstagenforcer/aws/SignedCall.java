package io.kmstagenforcer.aws;

import io.kmstagenforcer.json.JsonField;
import io.kmstagenforcer.kms.LambdaKmsClients;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
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
 * One AWS API call made without the service's SDK module (those weigh megabytes for a call or two):
 * the SDK's own SigV4 signer, the function's URLConnection client and the runtime's credentials.
 * Used for Lambda's Invoke (the sweep's continuation, and a run's account sweeps) and for the Resource Groups Tagging API's
 * ListRequiredTags.
 *
 * <p>The endpoint follows the SDK's convention: {@code AWS_ENDPOINT_URL_<SERVICE>}, else
 * {@code AWS_ENDPOINT_URL}, else {@code https://<host prefix>.<region>.<partition domain>}.
 */
public final class SignedCall {
    private final String signingName;
    private final String region;
    private final URI endpoint;
    private final SdkHttpClient httpClient;
    private final AwsCredentialsProvider credentials;
    private final AwsV4HttpSigner signer = AwsV4HttpSigner.create();

    /** What the service answered: its status, its error type (the {@code x-amzn-ErrorType} header, namespace and details cut off) and its body. */
    public record Answer(int status, Optional<String> errorType, String body, Map<String, List<String>> headers) {
        public Answer(int status, Optional<String> errorType, String body) {
            this(status, errorType, body, Map.of());
        }

        /** The first value of a response header, its name in any case. */
        public Optional<String> header(String name) {
            return headers.entrySet().stream().filter(entry -> entry.getKey().equalsIgnoreCase(name))
                    .flatMap(entry -> entry.getValue().stream()).findFirst();
        }

        /** The body, cut to a length fit for a message. */
        public String shortBody() {
            return body.length() <= 300 ? body : body.substring(0, 300) + "...";
        }

        /**
         * The error's name: the {@code x-amzn-ErrorType} header, else the body's {@code __type} (JSON 1.1)
         * or {@code code}/{@code Code} (REST-JSON), else the HTTP status.
         */
        public String errorName() {
            return errorType.or(() -> bodyError()).orElse("HTTP " + status);
        }

        private Optional<String> bodyError() {
            try {
                JsonField json = JsonField.parse("error", body);
                return json.get("__type").stringIfPresent().or(() -> json.get("code").stringIfPresent())
                        .or(() -> json.get("Code").stringIfPresent()).map(SignedCall::errorName);
            } catch (RuntimeException e) {
                return Optional.empty();
            }
        }

        /** The error's message, as the body gives it ({@code Message} or {@code message}); empty when it gives none. */
        public Optional<String> message() {
            try {
                JsonField json = JsonField.parse("error", body);
                return json.get("Message").stringIfPresent().or(() -> json.get("message").stringIfPresent()).filter(text -> !text.isBlank());
            } catch (RuntimeException e) {
                return Optional.empty();
            }
        }

        /**
         * Whether another attempt may succeed: a 5xx, or an error named for throttling or the service's own fault
         * (Organizations' ServiceException, the Tagging API's InternalServiceException).
         */
        public boolean retryable() {
            String name = errorName();
            return status >= 500 || status == 429 || name.contains("Throttl") || name.contains("TooManyRequests")
                    || name.equals("LimitExceededException") || name.equals("InternalFailure") || name.equals("ServiceUnavailable")
                    || name.equals("ServiceUnavailableException") || name.equals("ServiceException") || name.equals("InternalServiceException");
        }
    }

    public SignedCall(String signingName, String region, URI endpoint, SdkHttpClient httpClient, AwsCredentialsProvider credentials) {
        this.signingName = signingName;
        this.region = region;
        this.endpoint = endpoint;
        this.httpClient = httpClient;
        this.credentials = credentials;
    }

    /** As the function builds its KMS clients: URLConnection, the runtime's credentials, its own region. */
    public static SignedCall inRegion(String signingName, String region, URI endpoint) {
        return new SignedCall(signingName, region, endpoint, LambdaKmsClients.httpClient(), LambdaKmsClients.credentials());
    }

    /**
     * The service's endpoint.
     *
     * @param serviceVariable the suffix of the service's own variable, e.g. {@code LAMBDA} for {@code AWS_ENDPOINT_URL_LAMBDA}
     * @param hostPrefix      the first label of its AWS host name, e.g. {@code lambda}
     */
    public static URI endpoint(String serviceVariable, String hostPrefix, String region, Map<String, String> environment) {
        String override = environment.getOrDefault("AWS_ENDPOINT_URL_" + serviceVariable.toUpperCase(Locale.ROOT),
                environment.get("AWS_ENDPOINT_URL"));
        if (override != null && !override.isBlank()) {
            return URI.create(override.trim());
        }
        RegionMetadata metadata = Region.of(region).metadata();
        return URI.create("https://" + hostPrefix + "." + region + "." + (metadata == null ? "amazonaws.com" : metadata.partition().dnsSuffix()));
    }

    /**
     * POSTs {@code payload}, signed, to {@code path} under the endpoint with {@code headers}.
     *
     * @throws IOException when the service could not be reached or its answer not read
     */
    public Answer post(String path, Map<String, String> headers, byte[] payload) throws IOException {
        SdkHttpRequest.Builder builder = SdkHttpRequest.builder()
                .method(SdkHttpMethod.POST)
                .uri(endpoint)
                .encodedPath(SdkHttpUtils.appendUri(endpoint.getRawPath(), path))
                .putHeader("Content-Length", Integer.toString(payload.length));
        headers.forEach(builder::putHeader);
        SignedRequest signed = signer.sign(sign -> sign
                .identity(credentials.resolveCredentials())
                .request(builder.build())
                .payload(ContentStreamProvider.fromByteArray(payload))
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, signingName)
                .putProperty(AwsV4HttpSigner.REGION_NAME, region));
        HttpExecuteResponse response = httpClient.prepareRequest(HttpExecuteRequest.builder()
                .request(signed.request())
                .contentStreamProvider(signed.payload().orElse(null))
                .build()).call();
        String body = body(response);
        return new Answer(response.httpResponse().statusCode(),
                response.httpResponse().firstMatchingHeader("x-amzn-ErrorType").map(SignedCall::errorName), body,
                response.httpResponse().headers());
    }

    /** {@code x-amzn-ErrorType} may carry a namespace before {@code #} and details after {@code :}. */
    private static String errorName(String header) {
        String name = header.contains(":") ? header.substring(0, header.indexOf(':')) : header;
        return name.contains("#") ? name.substring(name.lastIndexOf('#') + 1) : name;
    }

    private static String body(HttpExecuteResponse response) throws IOException {
        if (response.responseBody().isEmpty()) {
            return "";
        }
        try (InputStream in = response.responseBody().get()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
