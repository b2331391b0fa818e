package io.kmstagenforcer.sweep;

import io.kmstagenforcer.aws.SignedCall;
import io.kmstagenforcer.json.JsonField;
import io.kmstagenforcer.json.JsonShapeException;
import io.kmstagenforcer.kms.LambdaKmsClients;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.utils.http.SdkHttpUtils;

/**
 * An account's sweep in an invocation of its own: Lambda's Invoke, synchronous
 * ({@code X-Amz-Invocation-Type: RequestResponse}), made as {@link LambdaSelfInvocation} makes the
 * asynchronous one (the SDK's signer over URLConnection, no Lambda module). Synchronous, so that the
 * coordinator has every account's answer: its counts, its marker, or its failure.
 *
 * <p>Its HTTP client waits for the answer as long as an account invocation may run
 * ({@link FanOut#LONGEST_ACCOUNT_INVOCATION}, plus a margin); the KMS clients' 5 s would cut it off.
 */
public final class LambdaAccountSweeps implements AccountSweeps {
    private static final String API_VERSION = "2015-03-31";
    /** The longest wait for an account invocation's answer: its longest run and the time to start and answer. */
    static final Duration LONGEST_ANSWER = FanOut.LONGEST_ACCOUNT_INVOCATION.plus(FanOut.ANSWER_MARGIN);

    private final SignedCall call;

    LambdaAccountSweeps(SignedCall call) {
        this.call = call;
    }

    /** In the function's region, the endpoint as {@link LambdaSelfInvocation}'s, the runtime's credentials. */
    public static LambdaAccountSweeps inRegion(String region, Map<String, String> environment) {
        SdkHttpClient http = UrlConnectionHttpClient.builder()
                .connectionTimeout(Duration.ofSeconds(2))
                .socketTimeout(LONGEST_ANSWER)
                .build();
        return new LambdaAccountSweeps(new SignedCall("lambda", region, LambdaSelfInvocation.endpoint(region, environment), http,
                LambdaKmsClients.credentials()));
    }

    @Override
    public Answer invoke(String functionArn, byte[] payload) {
        SignedCall.Answer answer;
        try {
            answer = call.post("/" + API_VERSION + "/functions/" + SdkHttpUtils.urlEncode(functionArn) + "/invocations",
                    Map.of("X-Amz-Invocation-Type", "RequestResponse", "Content-Type", "application/json"), payload);
        } catch (IOException | RuntimeException e) {
            return Answer.failed(Kind.UNANSWERED, e.getClass().getSimpleName() + ": " + e.getMessage());
        }
        if (answer.status() == 429) {
            return Answer.failed(Kind.THROTTLED, answer.errorType().orElse("HTTP 429") + ": " + answer.shortBody());
        }
        if (answer.status() != 200) {
            return Answer.failed(Kind.FUNCTION_ERROR, "Lambda answered HTTP " + answer.status() + " ("
                    + answer.errorType().orElse("no error type") + ": " + answer.shortBody() + ")");
        }
        if (answer.header("X-Amz-Function-Error").isPresent()) {
            return Answer.failed(Kind.FUNCTION_ERROR, answer.shortBody());
        }
        try {
            Object response = JsonField.parse("the account invocation's response", answer.body()).plain();
            if (response instanceof Map<?, ?> map) {
                @SuppressWarnings("unchecked")
                Map<String, Object> fields = (Map<String, Object>) map;
                return Answer.responded(fields);
            }
        } catch (JsonShapeException e) {
            return Answer.failed(Kind.FUNCTION_ERROR, e.getMessage());
        }
        return Answer.failed(Kind.FUNCTION_ERROR, "the response is not a JSON object: " + answer.shortBody());
    }
}
