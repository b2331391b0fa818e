package io.kmstagenforcer.integration;

import static io.kmstagenforcer.integration.HandlerRuns.POLICY_TAGS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kmstagenforcer.TagEnforcerHandler;
import io.kmstagenforcer.TagEnforcerHandler.Collaborators;
import io.kmstagenforcer.enforce.RetryableFailure;
import io.kmstagenforcer.integration.HandlerRuns.Response;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What moto does not model, injected by {@link KmsProxy} between the SDK and moto: throttling and
 * internal errors (which the SDK's own retry strategy must absorb) and a key in a state KMS
 * refuses to tag. Every other request reaches moto unchanged.
 */
class FaultInjectionIT {
    @RegisterExtension
    static final MotoServerExtension MOTO = new MotoServerExtension();

    private static final String LIST = "ListResourceTags@us-east-1";
    private static final String TAG = "TagResource@us-east-1";
    /**
     * Attempts the SDK's default retry strategy makes for a retryable error: the first try and 3
     * retries (SDK 2.57.8 in its default "legacy" retry mode, as production builds its clients;
     * AWS_RETRY_MODE or AWS_MAX_ATTEMPTS in the environment would change it).
     */
    private static final int SDK_ATTEMPTS = 4;

    private KmsProxy proxy;
    private RecordingKmsClients clients;

    @BeforeEach
    void connect() {
        proxy = KmsProxy.start(MOTO.endpoint());
        clients = new RecordingKmsClients(proxy.endpoint());
    }

    @AfterEach
    void disconnect() {
        clients.close();
        proxy.close();
    }

    static Stream<Arguments> transientErrors() {
        return Stream.of(
                Arguments.of(400, "ThrottlingException", "Rate exceeded"),
                Arguments.of(500, "KMSInternalException", "Internal error"));
    }

    @ParameterizedTest(name = "{1} (HTTP {0})")
    @MethodSource("transientErrors")
    void aTransientErrorOnTagResourceIsRetriedByTheSdkAndTheKeyIsStillRemediated(int status, String errorType, String message) {
        CloudTrailEvents.Event event = MOTO.keys().createKey(Map.of());
        proxy.failNext("TagResource", SDK_ATTEMPTS - 1, status, errorType, message);

        Response response = HandlerRuns.invoke(handler(), event);

        assertEquals("REMEDIATED", response.outcome(), response::toString);
        List<String> expected = new ArrayList<>(List.of(LIST));
        expected.addAll(Collections.nCopies(SDK_ATTEMPTS, TAG));
        assertEquals(expected, clients.callNames(), "the failed attempts, then the one that worked");
        assertEquals(List.of("ListResourceTags", "TagResource"), proxy.forwarded());
        assertEquals(POLICY_TAGS, MOTO.keys().tags(event.keyArn()));
    }

    @Test
    void throttlingThatOutlastsTheSdkRetriesFailsTheInvocationForLambdaToRetry() {
        CloudTrailEvents.Event event = MOTO.keys().createKey(Map.of());
        proxy.failAlways("TagResource", 400, "ThrottlingException", "Rate exceeded");
        TagEnforcerHandler handler = handler();

        RetryableFailure failure = assertThrows(RetryableFailure.class, () -> HandlerRuns.invoke(handler, event));

        assertEquals("RETRYING", failure.result().outcome().name());
        assertTrue(failure.getMessage().contains("ThrottlingException"), failure::getMessage);
        assertEquals(Collections.nCopies(SDK_ATTEMPTS, "TagResource"),
                proxy.received().subList(1, proxy.received().size()), "all the SDK's attempts, then the invocation fails");
        assertEquals(List.of("ListResourceTags"), proxy.forwarded());
        assertEquals(Map.of(), MOTO.keys().tags(event.keyArn()));
    }

    @Test
    void aKeyInAStateKmsRefusesToTagFailsWithoutRetrying() {
        CloudTrailEvents.Event event = MOTO.keys().createKey(Map.of());
        proxy.failAlways("TagResource", 400, "KMSInvalidStateException",
                event.keyArn() + " is pending deletion.");

        Response response = HandlerRuns.invoke(handler(), event);

        assertEquals("FAILED", response.outcome(), response::toString);
        assertEquals(List.of(LIST, TAG), clients.callNames(), "a terminal error is not retried, by the SDK or by Lambda");
        assertTrue(response.text("reason").contains("KMSInvalidStateException"), response::toString);
        assertEquals(Map.of(), MOTO.keys().tags(event.keyArn()));
    }

    private TagEnforcerHandler handler() {
        return new TagEnforcerHandler(Collaborators.of(HandlerRuns.environment(), clients));
    }
}
