package io.kmstagenforcer.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.kmstagenforcer.aws.SignedCall;
import io.kmstagenforcer.localrun.LoopbackHttp;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;

/**
 * An account's invocation is Lambda's synchronous Invoke, signed as the continuation is: checked
 * against a loopback Lambda that answers as Lambda does (a response, a function error with 200 and
 * X-Amz-Function-Error, throttling with 429), and a port nobody listens on.
 */
class LambdaAccountSweepsTest {
    private static final String FUNCTION_ARN = "arn:aws:lambda:eu-west-1:111122223333:function:sweep";
    private static final byte[] PAYLOAD = "{\"detail\":{\"target\":\"444455556666\"}}".getBytes(StandardCharsets.UTF_8);

    private final List<String> invocationTypes = new CopyOnWriteArrayList<>();
    private HttpServer lambda;

    @AfterEach
    void stop() {
        if (lambda != null) {
            lambda.stop(0);
        }
    }

    @Test
    void aResponseIsAnsweredAsTheRuntimeDeserialisesJson() {
        AccountSweeps.Answer answer = lambdaAnswering(200, Map.of(), "{\"complete\":true,\"totals\":{\"keysSeen\":3},\"next\":null}")
                .invoke(FUNCTION_ARN, PAYLOAD);

        assertEquals(AccountSweeps.Kind.RESPONDED, answer.kind());
        assertEquals(true, answer.response().get("complete"));
        assertEquals(Map.of("keysSeen", 3L), answer.response().get("totals"));
        assertEquals(List.of("RequestResponse"), invocationTypes, "synchronous: the coordinator needs the answer");
    }

    @Test
    void aFunctionErrorIsOneEvenWithStatus200() {
        AccountSweeps.Answer answer = lambdaAnswering(200, Map.of("X-Amz-Function-Error", "Unhandled"),
                "{\"errorType\":\"io.kmstagenforcer.sweep.SweepFailure\",\"errorMessage\":\"ListKeys answered KMSInternalException\"}")
                .invoke(FUNCTION_ARN, PAYLOAD);

        assertEquals(AccountSweeps.Kind.FUNCTION_ERROR, answer.kind());
        assertTrue(answer.detail().contains("KMSInternalException"), answer::detail);
    }

    @Test
    void tooManyRequestsIsThrottled() {
        AccountSweeps.Answer answer = lambdaAnswering(429, Map.of("x-amzn-ErrorType", "TooManyRequestsException"),
                "{\"Reason\":\"ReservedFunctionConcurrentInvocationLimitExceeded\"}").invoke(FUNCTION_ARN, PAYLOAD);

        assertEquals(AccountSweeps.Kind.THROTTLED, answer.kind());
        assertTrue(answer.detail().contains("TooManyRequestsException"), answer::detail);
    }

    @Test
    void noAnswerAtAllIsUnanswered() {
        AccountSweeps.Answer answer = sweeps(URI.create("http://127.0.0.1:9")).invoke(FUNCTION_ARN, PAYLOAD);

        assertEquals(AccountSweeps.Kind.UNANSWERED, answer.kind());
    }

    private LambdaAccountSweeps lambdaAnswering(int status, Map<String, String> headers, String body) {
        lambda = LoopbackHttp.start(exchange -> {
            try (exchange) {
                exchange.getRequestBody().readAllBytes();
                invocationTypes.add(exchange.getRequestHeaders().getFirst("X-Amz-Invocation-Type"));
                headers.forEach(exchange.getResponseHeaders()::add);
                LoopbackHttp.respond(exchange, status, body.getBytes(StandardCharsets.UTF_8));
            }
        }, null);
        return sweeps(LoopbackHttp.endpoint(lambda));
    }

    private static LambdaAccountSweeps sweeps(URI endpoint) {
        return new LambdaAccountSweeps(new SignedCall("lambda", "eu-west-1", endpoint, UrlConnectionHttpClient.create(),
                StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDEXAMPLE", "secret"))));
    }
}
