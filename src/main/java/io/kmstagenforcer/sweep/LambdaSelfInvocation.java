package io.kmstagenforcer.sweep;

import io.kmstagenforcer.aws.SignedCall;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.utils.http.SdkHttpUtils;

/**
 * Continues a sweep by invoking the same function asynchronously (Lambda's Invoke with
 * {@code X-Amz-Invocation-Type: Event}): Lambda queues the invocation, retries it on a function
 * error and sends it to the on-failure destination when it keeps failing, as for a scheduled run.
 *
 * <p>Why not the SDK's Lambda client: that module weighs 3.4 MB, more than all the function's other
 * jars, for this one call. This is the same call made with the SDK's own parts: its SigV4 signer,
 * the function's URLConnection client and runtime credentials ({@link SignedCall}). The endpoint
 * follows the SDK's convention: {@code AWS_ENDPOINT_URL_LAMBDA}, else {@code AWS_ENDPOINT_URL}, else
 * {@code https://lambda.<region>.<partition domain>}.
 */
public final class LambdaSelfInvocation implements SweepContinuation {
    private static final String SIGNING_NAME = "lambda";
    private static final String API_VERSION = "2015-03-31";

    private final SignedCall call;

    LambdaSelfInvocation(String region, URI endpoint, SdkHttpClient httpClient, AwsCredentialsProvider credentials) {
        this.call = new SignedCall(SIGNING_NAME, region, endpoint, httpClient, credentials);
    }

    private LambdaSelfInvocation(SignedCall call) {
        this.call = call;
    }

    /** As the function builds its KMS clients: URLConnection, the runtime's credentials, its own region. */
    public static LambdaSelfInvocation inRegion(String region, Map<String, String> environment) {
        return new LambdaSelfInvocation(SignedCall.inRegion(SIGNING_NAME, region, endpoint(region, environment)));
    }

    static URI endpoint(String region, Map<String, String> environment) {
        return SignedCall.endpoint("LAMBDA", "lambda", region, environment);
    }

    @Override
    public void continueWith(SweepMarker next, String functionArn, byte[] payload) {
        SignedCall.Answer answer;
        try {
            answer = call.post("/" + API_VERSION + "/functions/" + SdkHttpUtils.urlEncode(functionArn) + "/invocations",
                    Map.of("X-Amz-Invocation-Type", "Event", "Content-Type", "application/json"), payload);
        } catch (IOException e) {
            throw new UncheckedIOException("the sweep's continuation could not reach Lambda", e);
        }
        if (answer.status() != 202) {
            throw new IllegalStateException("Lambda answered HTTP " + answer.status() + " to the sweep's continuation ("
                    + answer.errorType().orElse("no error type") + ": " + answer.shortBody() + "), not 202");
        }
    }
}
