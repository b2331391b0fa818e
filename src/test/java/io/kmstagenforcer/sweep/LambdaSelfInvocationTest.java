package io.kmstagenforcer.sweep;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;

/**
 * The sweep's continuation is Lambda's asynchronous Invoke, made with the SDK's signer over HTTP:
 * checked against a stub Lambda endpoint on 127.0.0.1 that records what it receives.
 */
class LambdaSelfInvocationTest {
    private static final String FUNCTION_ARN = "arn:aws:lambda:eu-west-1:111122223333:function:kms-tag-enforcer-SweepFunction-X";
    private static final byte[] PAYLOAD = "{\"detail\":{\"sweepId\":\"s\"}}".getBytes(StandardCharsets.UTF_8);

    /** One request the stub received. */
    record Received(String method, String rawPath, Map<String, List<String>> headers, byte[] body) {
        String header(String name) {
            return headers.entrySet().stream().filter(entry -> entry.getKey().equalsIgnoreCase(name))
                    .map(entry -> entry.getValue().get(0)).findFirst().orElse(null);
        }
    }

    private HttpServer lambda;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private volatile int status = 202;

    @BeforeEach
    void startStubLambda() throws IOException {
        lambda = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        lambda.createContext("/", exchange -> {
            try (exchange; InputStream in = exchange.getRequestBody()) {
                received.add(new Received(exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(),
                        Map.copyOf(exchange.getRequestHeaders()), in.readAllBytes()));
                byte[] body = status == 202 ? new byte[0] : "{\"Type\":\"User\",\"message\":\"denied\"}".getBytes(StandardCharsets.UTF_8);
                if (status != 202) {
                    exchange.getResponseHeaders().set("x-amzn-ErrorType", "AccessDeniedException");
                }
                exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
                if (body.length > 0) {
                    exchange.getResponseBody().write(body);
                }
            }
        });
        lambda.start();
    }

    @AfterEach
    void stopStubLambda() {
        lambda.stop(0);
    }

    @Test
    void invokesTheFunctionAsynchronouslyWithThePayload() {
        invocation().continueWith(SweepMarker.start("s"), FUNCTION_ARN, PAYLOAD);

        Received request = received.get(0);
        assertEquals("POST", request.method());
        assertEquals("/2015-03-31/functions/" + FUNCTION_ARN.replace(":", "%3A") + "/invocations", request.rawPath());
        assertEquals("Event", request.header("X-Amz-Invocation-Type"));
        assertArrayEquals(PAYLOAD, request.body());
    }

    @Test
    void signsTheRequestWithSigV4ForLambdaInTheFunctionsRegion() {
        invocation().continueWith(SweepMarker.start("s"), FUNCTION_ARN, PAYLOAD);

        String authorization = received.get(0).header("Authorization");
        assertTrue(authorization.startsWith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/"), authorization);
        assertTrue(authorization.contains("/eu-west-1/lambda/aws4_request"), authorization);
        assertTrue(received.get(0).header("X-Amz-Date") != null);
    }

    @Test
    void anAnswerOtherThanAcceptedFailsWithLambdasErrorType() {
        status = 403;

        IllegalStateException error = assertThrows(IllegalStateException.class,
                () -> invocation().continueWith(SweepMarker.start("s"), FUNCTION_ARN, PAYLOAD));

        assertTrue(error.getMessage().contains("403") && error.getMessage().contains("AccessDeniedException"), error::getMessage);
    }

    @Test
    void theEndpointFollowsTheSdksVariablesThenThePartition() {
        assertEquals(URI.create("http://127.0.0.1:9"), LambdaSelfInvocation.endpoint("eu-west-1",
                Map.of("AWS_ENDPOINT_URL_LAMBDA", "http://127.0.0.1:9", "AWS_ENDPOINT_URL", "http://127.0.0.1:8")));
        assertEquals(URI.create("http://127.0.0.1:8"), LambdaSelfInvocation.endpoint("eu-west-1", Map.of("AWS_ENDPOINT_URL", "http://127.0.0.1:8")));
        assertEquals(URI.create("https://lambda.eu-west-1.amazonaws.com"), LambdaSelfInvocation.endpoint("eu-west-1", Map.of()));
        assertEquals(URI.create("https://lambda.cn-north-1.amazonaws.com.cn"), LambdaSelfInvocation.endpoint("cn-north-1", Map.of()));
    }

    private LambdaSelfInvocation invocation() {
        return new LambdaSelfInvocation("eu-west-1", URI.create("http://127.0.0.1:" + lambda.getAddress().getPort()),
                UrlConnectionHttpClient.create(),
                StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDEXAMPLE", "secret")));
    }
}
