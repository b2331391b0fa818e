package io.kmstagenforcer.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kmstagenforcer.FakeContext;
import io.kmstagenforcer.TagEnforcerHandler;
import io.kmstagenforcer.enforce.RetryableFailure;
import io.kmstagenforcer.localrun.LocalRuntime;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.protocols.jsoncore.JsonNode;

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
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        FakeContext context = new FakeContext(() -> Duration.ofNanos(deadline - System.nanoTime()).toMillis());
        TagEnforcerHandler handler = new TagEnforcerHandler(HandlerRuns.environment(), kms.clients());

        RetryableFailure failure = assertThrows(RetryableFailure.class, () -> HandlerRuns.invoke(handler, event, context));

        long leftMillis = Duration.ofNanos(deadline - System.nanoTime()).toMillis();
        assertTrue(leftMillis > 0, "returned " + (-leftMillis) + " ms after the deadline");
        assertEquals("RETRYING", failure.result().outcome().name());
        assertTrue(failure.getMessage().contains("ListResourceTags answered ApiCallTimeout"), failure::getMessage);
    }

    @Test
    void waitingForAKeyKmsDoesNotKnowStopsInTime() {
        CloudTrailEvents.Event event = MOTO.keys().eventForKeyThatDoesNotExist();
        long deadline = System.nanoTime() + Duration.ofSeconds(4).toNanos();
        FakeContext context = new FakeContext(() -> Duration.ofNanos(deadline - System.nanoTime()).toMillis());
        TagEnforcerHandler handler = new TagEnforcerHandler(HandlerRuns.environment(), kms.clients());

        RetryableFailure failure = assertThrows(RetryableFailure.class, () -> HandlerRuns.invoke(handler, event, context));

        assertTrue(System.nanoTime() < deadline, "returned after the deadline");
        assertTrue(failure.getMessage().contains("stopped waiting for the key"), failure::getMessage);
        assertTrue(kms.proxy().received().size() < 6, () -> "fewer reads than the full wait makes: " + kms.proxy().received());
    }

    /** Under the real runtime, with the template's handler and a 6 s timeout: a function error Lambda retries, not Sandbox.Timedout. */
    @Test
    void underTheLambdaRuntimeASlowKmsIsAFunctionErrorNotATimeout() {
        CloudTrailEvents.Event event = MOTO.keys().createKey(Map.of());
        kms.proxy().delay("ListResourceTags", Duration.ofSeconds(30));

        LocalRuntime.Result result = LocalRuntime.invoke(Map.of(
                        "AWS_ENDPOINT_URL_KMS", kms.proxy().endpoint().toString(),
                        "AWS_ACCESS_KEY_ID", "test", "AWS_SECRET_ACCESS_KEY", "test",
                        "TAG_POLICY", HandlerRuns.POLICY, "ENFORCEMENT_MODE", "enforce", "AWS_REGION", MotoKeys.HOME_REGION),
                List.of("--timeout", "6"), LocalRuntime.DEFAULT_TIMEOUT, event.writeTo(work, "create-key"));

        assertEquals(1, result.exitCode(), result::stderr);
        JsonNode error = JsonNode.parser().parse(result.response());
        assertEquals("io.kmstagenforcer.enforce.RetryableFailure", error.field("errorType").map(JsonNode::text).orElse(null), result::stderr);
        assertTrue(!result.stderr().contains("Task timed out"), result::stderr);
        assertTrue(result.stderr().contains("\"outcome\":\"RETRYING\""), "the decision line is written: " + result.stderr());
    }
}
