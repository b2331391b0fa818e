package io.kmstagenforcer.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import io.kmstagenforcer.FakeContext;
import io.kmstagenforcer.SweepHandler;
import io.kmstagenforcer.SweepResponse;
import io.kmstagenforcer.TagEnforcerHandler;
import io.kmstagenforcer.localrun.LocalRuntime;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Predicate;
import software.amazon.awssdk.protocols.jsoncore.JsonNode;

/** Runs the handler in-process on an event and reads what it returned and printed. */
final class HandlerRuns {
    /** The test policy (src/test/resources/integration/tag-policy.json), as TAG_POLICY holds it. */
    static final String POLICY = resource("/integration/tag-policy.json");
    /** What the test policy gives a key that has no tags, for a call by KeyAdmins/alice. */
    static final Map<String, String> POLICY_TAGS = Map.of(
            "Owner", CloudTrailEvents.SESSION,
            "CostCenter", "unassigned",
            "Environment", "dev",
            "CreatedBy", CloudTrailEvents.callerArn(MotoKeys.ACCOUNT));

    private HandlerRuns() {
    }

    /** The function's environment: the test policy, AWS_REGION, then {@code name, value} pairs that add or replace. */
    static Map<String, String> environment(String... namesAndValues) {
        Map<String, String> environment = new LinkedHashMap<>();
        environment.put("TAG_POLICY", POLICY);
        environment.put("AWS_REGION", MotoKeys.HOME_REGION);
        for (int i = 0; i < namesAndValues.length; i += 2) {
            environment.put(namesAndValues[i], namesAndValues[i + 1]);
        }
        return environment;
    }

    /**
     * One scheduled sweep that must finish in its one invocation (a continuation fails the test), and the lines it logged.
     */
    static List<String> sweepInOneInvocation(SweepHandler.Collaborators collaborators) {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        SweepHandler handler = new SweepHandler(collaborators
                .withContinuation((next, functionArn, payload) -> {
                    throw new AssertionError("one invocation sweeps these keys");
                })
                .withLogOutput(new PrintStream(log, true, StandardCharsets.UTF_8)));
        SweepResponse response = handler.handleRequest(EventLoader.loadScheduledEvent("events/scheduled-sweep.json"),
                FakeContext.endingIn(Duration.ofMinutes(5)));
        assertTrue(response.complete(), response::toString);
        return log.toString(StandardCharsets.UTF_8).lines().toList();
    }

    /** One invocation, as Lambda makes it (no context here), and the JSON the handler wrote back. */
    static Response invoke(TagEnforcerHandler handler, CloudTrailEvents.Event event) {
        return invoke(handler, event, null);
    }

    /** One invocation with a Lambda context (its remaining time bounds the KMS calls). */
    static Response invoke(TagEnforcerHandler handler, CloudTrailEvents.Event event, Context context) {
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        try (InputStream input = new ByteArrayInputStream(event.toBytes())) {
            handler.handleRequest(input, output, context);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Response(JsonNode.parser().parse(output.toByteArray()));
    }

    /**
     * Runs {@code work} with System.out captured (the handler takes System.out when it is built, so
     * build it inside {@code work}); System.out is restored whatever happens.
     */
    static <T> Captured<T> capturingStdout(Callable<T> work) throws Exception {
        return capturingStdout(work, line -> true);
    }

    /** As {@link #capturingStdout(Callable)}, passing on to the real System.out only the lines {@code echoed} accepts. */
    static <T> Captured<T> capturingStdout(Callable<T> work, Predicate<String> echoed) throws Exception {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        T result;
        try {
            result = work.call();
        } finally {
            System.out.flush();
            System.setOut(original);
        }
        List<String> lines = captured.toString(StandardCharsets.UTF_8).lines().toList();
        lines.stream().filter(echoed).forEach(original::println);
        return new Captured<>(result, lines);
    }

    /** What {@link #capturingStdout} saw. */
    record Captured<T>(T result, List<String> lines) {
        /** The one {@code "type":"decision"} line. */
        Response decisionLine() {
            List<JsonNode> decisions = lines.stream()
                    .filter(line -> line.startsWith("{"))
                    .map(line -> JsonNode.parser().parse(line))
                    .filter(json -> json.field("type").map(JsonNode::text).filter("decision"::equals).isPresent())
                    .toList();
            if (decisions.size() != 1) {
                throw new AssertionError("expected one decision line, got " + decisions.size() + " in " + lines);
            }
            return new Response(decisions.get(0));
        }
    }

    /** A JSON object written by the function (its response, or its decision line). */
    record Response(JsonNode json) {
        String outcome() {
            return text("outcome");
        }

        /** A string member, or null when absent or JSON null. */
        String text(String field) {
            return json.field(field).filter(node -> !node.isNull()).map(JsonNode::text).orElse(null);
        }

        boolean has(String field) {
            return json.field(field).isPresent();
        }

        Map<String, String> stringMap(String field) {
            Map<String, String> map = new LinkedHashMap<>();
            member(field).asObject().forEach((key, value) -> map.put(key, value.text()));
            return map;
        }

        List<String> strings(String field) {
            return member(field).asArray().stream().map(JsonNode::text).toList();
        }

        private JsonNode member(String field) {
            Optional<JsonNode> node = json.field(field);
            return node.orElseThrow(() -> new AssertionError("no \"" + field + "\" in " + json));
        }

        @Override
        public String toString() {
            return json.toString();
        }
    }

    /**
     * What Lambda must see of an invocation whose call outlived the time left: a function error it
     * retries ({@code RetryableFailure}) with the {@code RETRYING} decision line written, never the
     * runtime's own "Task timed out".
     */
    static void assertRetryableFunctionErrorNotATimeout(LocalRuntime.Result result) {
        assertEquals(1, result.exitCode(), result::stderr);
        JsonNode error = JsonNode.parser().parse(result.response());
        assertEquals("io.kmstagenforcer.enforce.RetryableFailure", error.field("errorType").map(JsonNode::text).orElse(null),
                result::stderr);
        assertFalse(result.stderr().contains("Task timed out"), result::stderr);
        assertTrue(result.stderr().contains("\"outcome\":\"RETRYING\""), () -> "the decision line is written: " + result.stderr());
    }

    /** A file of the project (its path from the project's folder), which must exist. */
    static Path projectFile(String relative) {
        Path file = Path.of(System.getProperty("basedir", ".")).resolve(relative);
        if (!Files.isRegularFile(file)) {
            throw new AssertionError(file + " is missing");
        }
        return file;
    }

    /** A text file from the test classpath. */
    static String resource(String name) {
        try (InputStream in = HandlerRuns.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is not on the test classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
