package io.kmstagenforcer.sweep;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kmstagenforcer.localrun.StubLambdaEndpoint;
import io.kmstagenforcer.localrun.StubLambdaEndpoint.Received;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
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

    private StubLambdaEndpoint lambda;

    @BeforeEach
    void startStubLambda() {
        lambda = StubLambdaEndpoint.start();
    }

    @AfterEach
    void stopStubLambda() {
        lambda.close();
    }

    @Test
    void invokesTheFunctionAsynchronouslyWithThePayload() {
        invocation().continueWith(SweepMarker.start("s"), FUNCTION_ARN, PAYLOAD);

        Received request = lambda.received().get(0);
        assertEquals("POST", request.method());
        assertEquals("/2015-03-31/functions/" + FUNCTION_ARN.replace(":", "%3A") + "/invocations", request.rawPath());
        assertEquals("Event", request.header("X-Amz-Invocation-Type"));
        assertArrayEquals(PAYLOAD, request.body());
    }

    @Test
    void signsTheRequestWithSigV4ForLambdaInTheFunctionsRegion() {
        invocation().continueWith(SweepMarker.start("s"), FUNCTION_ARN, PAYLOAD);

        String authorization = lambda.received().get(0).header("Authorization");
        assertTrue(authorization.startsWith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/"), authorization);
        assertTrue(authorization.contains("/eu-west-1/lambda/aws4_request"), authorization);
        assertTrue(lambda.received().get(0).header("X-Amz-Date") != null);
    }

    @Test
    void anAnswerOtherThanAcceptedFailsWithLambdasErrorType() {
        lambda.answerWith(403);

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
        return new LambdaSelfInvocation("eu-west-1", lambda.endpoint(),
                UrlConnectionHttpClient.create(),
                StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDEXAMPLE", "secret")));
    }
}
