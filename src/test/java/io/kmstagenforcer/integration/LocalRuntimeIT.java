package io.kmstagenforcer.integration;

import static io.kmstagenforcer.integration.HandlerRuns.POLICY_TAGS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kmstagenforcer.integration.HandlerRuns.Response;
import io.kmstagenforcer.localrun.LocalRuntime;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.protocols.jsoncore.JsonNode;

/**
 * The production path end to end: the packaged function ({@code target/lambda}) under the real
 * Lambda Java Runtime Interface Client ({@link LocalRuntime}, i.e. {@code scripts/invoke-local}),
 * in its own JVM, building its KMS clients with production's {@code LambdaKmsClients}, which
 * reach moto only through the SDK's standard {@code AWS_ENDPOINT_URL_KMS} variable. Requests go
 * through a {@link KmsProxy} that forwards everything and counts what reached KMS.
 */
class LocalRuntimeIT {
    @RegisterExtension
    static final MotoServerExtension MOTO = new MotoServerExtension();

    /** Only the function's own priming code loads this class: proof that beforeCheckpoint ran. */
    private static final String PRIMING_ONLY_CLASS = "io.kmstagenforcer.kms.LambdaKmsClients$StopBeforeSending";

    /** What reads the organisation's tag policy: optional, so never loaded when off. */
    private static final String ORGANIZATION_PACKAGE = "io.kmstagenforcer.org.";

    @TempDir
    Path work;

    private KmsProxy proxy;

    @BeforeEach
    void connect() {
        proxy = KmsProxy.start(MOTO.endpoint());
    }

    @AfterEach
    void disconnect() {
        proxy.close();
    }

    @Test
    void aCreateKeyEventThroughTheLambdaRuntimeTagsTheKeyThroughTheStandardEndpointVariable() throws IOException {
        CloudTrailEvents.Event event = MOTO.keys().createKey(Map.of());
        Path classLog = work.resolve("classes.log");

        LocalRuntime.Result result = LocalRuntime.invoke(environment("KMS_ENFORCER_JAVA_OPTS", classLoadLogging(classLog)),
                event.writeTo(work, "create-key"));

        assertEquals(0, result.exitCode(), result::stderr);
        Response response = response(result, 0);
        assertEquals("REMEDIATED", response.outcome(), result::stderr);
        assertEquals(event.keyArn(), response.text("keyArn"));
        assertEquals(List.of("ListResourceTags", "TagResource"), proxy.received());
        assertEquals(POLICY_TAGS, MOTO.keys().tags(event.keyArn()));
        assertFalse(Files.readString(classLog).contains(PRIMING_ONLY_CLASS), "no priming without SnapStart");
        assertTrue(Files.readString(classLog).contains(" io.kmstagenforcer.enforce.TagEnforcer "), "the log names each class loaded");
        assertFalse(Files.readString(classLog).contains(" " + ORGANIZATION_PACKAGE), "a policy that does not read the organisation's tag "
                + "policy loads none of its classes: " + Files.readString(classLog).lines().filter(line -> line.contains(ORGANIZATION_PACKAGE)).toList());
    }

    /**
     * Input that is not JSON at all never reaches a function (Lambda's Invoke API refuses it, and
     * so does invoke-local); JSON that is not an event does, and must not become a function error.
     */
    @Test
    void aFailedCallAndJsonThatIsNotAnEventAreAnsweredWithoutAFunctionError() {
        Path failedCall = HandlerRuns.projectFile("events/create-key-failed.json");
        Path notAnEvent = HandlerRuns.projectFile("src/test/resources/events/json-array.json");

        LocalRuntime.Result result = LocalRuntime.invoke(environment(), failedCall, notAnEvent);

        assertEquals(0, result.exitCode(), "REJECTED is a result, not a function error Lambda would retry\n" + result.stderr());
        assertEquals(2, result.responses().size(), result::stderr);
        assertEquals("IGNORED", response(result, 0).outcome());
        assertEquals("REJECTED", response(result, 1).outcome());
        assertEquals(List.of(), proxy.received(), "neither event is worth a KMS call");
    }

    @Test
    void anInvalidPolicyFailsInitialisationWithAMessageNamingTheField() {
        String badPolicy = HandlerRuns.POLICY.replace("\"forbidden\"", "\"forbiden\"");
        CloudTrailEvents.Event event = MOTO.keys().createKey(Map.of());

        LocalRuntime.Result result = LocalRuntime.invoke(environment("TAG_POLICY", badPolicy), event.writeTo(work, "create-key"));

        assertEquals(2, result.exitCode(), "exit code 2 is an init error\n" + result.stderr());
        JsonNode error = JsonNode.parser().parse(result.response());
        String message = error.field("errorMessage").map(JsonNode::text).orElse("");
        assertTrue(message.contains("TAG_POLICY") && message.contains("forbiden"), "the message names the field: " + error);
        assertEquals("io.kmstagenforcer.policy.PolicyException", error.field("errorType").map(JsonNode::text).orElse(null));
        assertEquals(List.of(), proxy.received());
        assertEquals(Map.of(), MOTO.keys().tags(event.keyArn()));
    }

    @Test
    void underSnapStartPrimingRunsBeforeTheFirstEventAndCallsNoKms() throws IOException {
        CloudTrailEvents.Event event = MOTO.keys().createKey(Map.of());
        Path classLog = work.resolve("classes.log");

        LocalRuntime.Result result = LocalRuntime.invoke(environment("KMS_ENFORCER_JAVA_OPTS", classLoadLogging(classLog)),
                List.of("--snap-start"), LocalRuntime.DEFAULT_TIMEOUT, event.writeTo(work, "create-key"));

        assertEquals(0, result.exitCode(), result::stderr);
        assertTrue(Files.readString(classLog).contains(PRIMING_ONLY_CLASS), "the beforeCheckpoint hook primed the KMS clients");
        assertTrue(result.stderr().contains("beforeCheckpoint hooks ran"), result::stderr);
        assertEquals("REMEDIATED", response(result, 0).outcome(), result::stderr);
        assertEquals(List.of("ListResourceTags", "TagResource"), proxy.received(), "priming sent nothing; the event sent its two calls");
        assertEquals(POLICY_TAGS, MOTO.keys().tags(event.keyArn()));
    }

    /** What the function gets: test credentials, the endpoint variable, the test policy in enforce mode, then overrides. */
    private Map<String, String> environment(String... namesAndValues) {
        List<String> pairs = new ArrayList<>(List.of(
                "AWS_ENDPOINT_URL_KMS", proxy.endpoint().toString(),
                "AWS_ACCESS_KEY_ID", "test",
                "AWS_SECRET_ACCESS_KEY", "test",
                "ENFORCEMENT_MODE", "enforce"));
        pairs.addAll(List.of(namesAndValues));
        return HandlerRuns.environment(pairs.toArray(String[]::new));
    }

    private static String classLoadLogging(Path file) {
        return "-Xlog:class+load=info:file=" + file;
    }

    private static Response response(LocalRuntime.Result result, int index) {
        return new Response(JsonNode.parser().parse(result.responses().get(index)));
    }
}
