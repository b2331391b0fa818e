package io.kmstagenforcer.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kmstagenforcer.FakeContext;
import io.kmstagenforcer.TagEnforcerHandler;
import io.kmstagenforcer.TagEnforcerHandler.Collaborators;
import io.kmstagenforcer.enforce.NotFoundRetry;
import io.kmstagenforcer.enforce.RetryableFailure;
import io.kmstagenforcer.localrun.LocalRuntime;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The function against its own deadline: a KMS that answers slowly (the proxy holds its answers)
 * or a key it keeps not finding must end the invocation as a classified RETRYING, in time, never
 * as Lambda's timeout, which would lose the decision line and count as an unexplained error.
 */
class DeadlineIT {
    @RegisterExtension
    static final MotoServerExtension MOTO = new MotoServerExtension();

    @TempDir
    Path work;

    @RegisterExtension
    final RecordedKms kms = RecordedKms.throughProxy(MOTO);

    @Test
    void aKmsSlowerThanTheTimeLeftEndsAsRetryingBeforeTheDeadline() {
        CloudTrailEvents.Event event = MOTO.keys().createKey(Map.of());
        kms.proxy().delay("ListResourceTags", Duration.ofSeconds(20));
        TagEnforcerHandler handler = new TagEnforcerHandler(Collaborators.of(HandlerRuns.environment(), kms.clients()));
        // The SDK's call timeout is real time, so this deadline is too: 5 s from when the handler is built, of which the
        // call is given all but the second KmsKeys keeps to answer in; the proxy holds its answer for 20.
        FakeContext context = FakeContext.endingIn(Duration.ofSeconds(5));

        RetryableFailure failure = assertThrows(RetryableFailure.class, () -> HandlerRuns.invoke(handler, event, context));

        long leftMillis = context.getRemainingTimeInMillis();
        assertTrue(leftMillis > 0, "returned " + (-leftMillis) + " ms after the deadline");
        assertEquals("RETRYING", failure.result().outcome().name());
        assertTrue(failure.getMessage().contains("ListResourceTags answered ApiCallTimeout"), failure::getMessage);
    }

    @Test
    void waitingForAKeyKmsDoesNotKnowStopsInTime() {
        CloudTrailEvents.Event event = MOTO.keys().eventForKeyThatDoesNotExist();
        // The waits move the invocation's clock instead of the wall clock's: 8 s, of which the reads cost none.
        List<Duration> waits = new ArrayList<>();
        FakeContext context = new FakeContext(() -> Duration.ofSeconds(8).minus(waits.stream().reduce(Duration.ZERO, Duration::plus)).toMillis());
        TagEnforcerHandler handler = new TagEnforcerHandler(Collaborators.of(HandlerRuns.environment(), kms.clients())
                .withNotFoundRetry(new NotFoundRetry(NotFoundRetry.DEFAULT_DELAYS, waits::add)));

        RetryableFailure failure = assertThrows(RetryableFailure.class, () -> HandlerRuns.invoke(handler, event, context));

        assertEquals(List.of(Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(2)), waits,
                "the 4 s wait would leave 0.25 s, under the 2 s another read needs");
        assertTrue(context.getRemainingTimeInMillis() > 0, "returned after the deadline");
        assertTrue(failure.getMessage().contains("stopped waiting for the key with 4250 ms left"), failure::getMessage);
        assertEquals(List.of("ListResourceTags", "ListResourceTags", "ListResourceTags", "ListResourceTags", "ListResourceTags"),
                kms.proxy().received(), "fewer reads than the full wait's 6");
    }

    /**
     * Under the real runtime, with the template's handler and a 6 s timeout: a function error Lambda
     * retries, not Sandbox.Timedout. The reserve is 3 s here, not the template's 1 s: on a test machine
     * several times oversubscribed, a cold JVM's first error path took over a second to write its
     * decision (seen in CI under load); how long the function keeps is its setting, not this machine's speed.
     */
    @Test
    void underTheLambdaRuntimeASlowKmsIsAFunctionErrorNotATimeout() {
        CloudTrailEvents.Event event = MOTO.keys().createKey(Map.of());
        kms.proxy().delay("ListResourceTags", Duration.ofSeconds(30));

        LocalRuntime.Result result = LocalRuntime.invoke(Map.of(
                        "AWS_ENDPOINT_URL_KMS", kms.proxy().endpoint().toString(),
                        "AWS_ACCESS_KEY_ID", "test", "AWS_SECRET_ACCESS_KEY", "test",
                        "TAG_POLICY", HandlerRuns.POLICY, "ENFORCEMENT_MODE", "enforce", "AWS_REGION", MotoKeys.HOME_REGION,
                        "DEADLINE_RESERVE_MS", "3000"),
                List.of("--timeout", "6"), LocalRuntime.DEFAULT_TIMEOUT, event.writeTo(work, "create-key"));

        HandlerRuns.assertRetryableFunctionErrorNotATimeout(result);
    }
}
