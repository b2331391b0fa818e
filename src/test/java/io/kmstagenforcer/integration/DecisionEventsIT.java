package io.kmstagenforcer.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kmstagenforcer.FakeContext;
import io.kmstagenforcer.SweepHandler;
import io.kmstagenforcer.TagEnforcerHandler;
import io.kmstagenforcer.json.JsonField;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Decision events (DECISION_EVENT_BUS) from the event function and the sweep, in process, sent to
 * moto's EventBridge through a {@link KmsProxy} (which counts the PutEvents calls and injects their
 * faults), and read back from an SQS queue that a rule on the bus delivers to.
 */
class DecisionEventsIT {
    @RegisterExtension
    static final MotoServerExtension MOTO = new MotoServerExtension();

    private static final String PUT_EVENTS = "PutEvents";
    private static final String ALL_DECISIONS = "{\"source\":[\"kms-tag-enforcer\"],\"detail-type\":[\"KMS Key Tag Decision\"]}";
    private static final Set<String> SENT = Set.of("REMEDIATED", "REPORTED", "NONCOMPLIANT", "FAILED");

    private KmsProxy proxy;
    private RecordingKmsClients clients;
    private MotoServices services;

    @BeforeEach
    void connect() {
        proxy = KmsProxy.start(MOTO.endpoint());
        clients = new RecordingKmsClients(MOTO.endpoint());
        services = new MotoServices(MOTO.endpoint());
    }

    @AfterEach
    void disconnect() {
        services.close();
        clients.close();
        proxy.close();
    }

    @Test
    void aKeyTheEventFunctionRemediatedIsOneEventCarryingTheDecisionWithoutTheValuesReplaced() {
        String queue = services.queueForEvents("default", ALL_DECISIONS, "decisions");
        CloudTrailEvents.Event event = MOTO.keys().createKey(Map.of("Environment", "test"));

        Logged run = invoke(event, "default", FakeContext.endingIn(Duration.ofMinutes(1)));

        assertEquals("REMEDIATED", run.decision().get("outcome").requiredString(), run::toString);
        List<JsonField> events = services.receiveAll(queue);
        assertEquals(1, events.size(), events::toString);
        JsonField sent = events.get(0);
        assertEquals("kms-tag-enforcer", sent.get("source").requiredString());
        assertEquals("KMS Key Tag Decision", sent.get("detail-type").requiredString());
        assertEquals(List.of(event.keyArn()), sent.get("resources").elements().stream().map(JsonField::requiredString).toList());
        JsonField detail = sent.get("detail");
        assertEquals(event.keyArn(), detail.get("keyArn").requiredString());
        assertEquals(MotoKeys.ACCOUNT, detail.get("account").requiredString());
        assertEquals(MotoKeys.HOME_REGION, detail.get("region").requiredString());
        assertEquals("REMEDIATED", detail.get("outcome").requiredString());
        assertEquals("dev", detail.get("added").get("Environment").requiredString());
        assertEquals(List.of("Environment"), detail.get("replaced").elements().stream().map(JsonField::requiredString).toList());
        assertEquals(run.decision().get("policy").get("sha256").requiredString(), detail.get("policy").get("sha256").requiredString());
        assertEquals(run.decision().get("requestId").requiredString(), detail.get("requestId").requiredString());
        assertFalse(detail.get("previousValues").isPresent(), "the replaced value stays in the decision line: " + detail.path());
        assertEquals("test", run.decision().get("previousValues").get("Environment").requiredString());
        assertEquals(List.of(PUT_EVENTS), proxy.received());
        assertEquals(Map.of("DecisionEventsSent", 1L, "DecisionEventsFailed", 0L), run.deliveryMetrics());
    }

    @Test
    void aCompliantKeyCostsNoCall() {
        CloudTrailEvents.Event event = MOTO.keys().createKey(HandlerRuns.POLICY_TAGS);

        Logged run = invoke(event, "default", FakeContext.endingIn(Duration.ofMinutes(1)));

        assertEquals("COMPLIANT", run.decision().get("outcome").requiredString(), run::toString);
        assertEquals(List.of(), proxy.received());
        assertEquals(Map.of(), run.deliveryMetrics());
    }

    @Test
    void aNamedBusGetsTheEvents() {
        String queue = services.queueForEvents("key-decisions", ALL_DECISIONS, "named");
        CloudTrailEvents.Event event = MOTO.keys().createKey(Map.of());

        invoke(event, "key-decisions", FakeContext.endingIn(Duration.ofMinutes(1)));

        assertEquals(1, services.receiveAll(queue).size());
    }

    @Test
    void aThrottledSendIsSentAgainWithinTheInvocation() {
        String queue = services.queueForEvents("default", ALL_DECISIONS, "throttled");
        proxy.failNext(PUT_EVENTS, 1, 400, "ThrottlingException", "Rate exceeded");
        CloudTrailEvents.Event event = MOTO.keys().createKey(Map.of());

        Logged run = invoke(event, "default", FakeContext.endingIn(Duration.ofMinutes(1)));

        assertEquals(List.of(PUT_EVENTS, PUT_EVENTS), proxy.received());
        assertEquals(1, services.receiveAll(queue).size());
        assertEquals(Map.of("DecisionEventsSent", 1L, "DecisionEventsFailed", 0L), run.deliveryMetrics());
    }

    @Test
    void anEntryEventBridgeThrottledIsSentAgainAlone() {
        proxy.answer(PUT_EVENTS, "{\"FailedEntryCount\":1,\"Entries\":[{\"ErrorCode\":\"ThrottlingException\",\"ErrorMessage\":\"slow down\"}]}");
        CloudTrailEvents.Event event = MOTO.keys().createKey(Map.of());

        Logged run = invoke(event, "default", FakeContext.endingIn(Duration.ofMinutes(1)));

        assertEquals(Collections.nCopies(3, PUT_EVENTS), proxy.received(), "three attempts, then counted");
        assertEquals(Map.of("DecisionEventsSent", 0L, "DecisionEventsFailed", 1L), run.deliveryMetrics());
        assertTrue(run.warning("decisionEvents").contains("ThrottlingException: slow down (3 attempts)"), run::toString);
    }

    @Test
    void aRefusedSendIsCountedOnceAndChangesNeitherTheOutcomeNorTheDecisionLine() {
        proxy.failAlways(PUT_EVENTS, 400, "AccessDeniedException", "not authorized to perform events:PutEvents");
        CloudTrailEvents.Event event = MOTO.keys().createKey(Map.of());

        Logged run = invoke(event, "default", FakeContext.endingIn(Duration.ofMinutes(1)));

        assertEquals("REMEDIATED", run.response().get("outcome").requiredString());
        assertEquals("REMEDIATED", run.decision().get("outcome").requiredString());
        assertEquals(List.of(PUT_EVENTS), proxy.received(), "access denied is not retried");
        assertEquals(Map.of("DecisionEventsSent", 0L, "DecisionEventsFailed", 1L), run.deliveryMetrics());
        assertTrue(run.warning("decisionEvents").contains(event.keyArn() + ": PutEvents answered AccessDeniedException"), run::toString);
        assertTrue(run.lines().indexOf(run.decisionText()) < run.lines().indexOf(run.warningText("decisionEvents")),
                "the decision line is written before the send");
    }

    @Test
    void anUnreachableEndpointIsRetriedThenCounted() {
        proxy.close();
        CloudTrailEvents.Event event = MOTO.keys().createKey(Map.of());

        Logged run = invoke(event, "default", FakeContext.endingIn(Duration.ofMinutes(1)));

        assertEquals("REMEDIATED", run.decision().get("outcome").requiredString());
        assertEquals(Map.of("DecisionEventsSent", 0L, "DecisionEventsFailed", 1L), run.deliveryMetrics());
        assertTrue(run.warning("decisionEvents").contains("could not be sent"), run::toString);
        assertTrue(run.warning("decisionEvents").contains("(3 attempts)"), run::toString);
    }

    @Test
    void noSendStartsThatCouldOutliveTheInvocation() {
        CloudTrailEvents.Event event = MOTO.keys().createKey(Map.of());

        Logged run = invoke(event, "default", FakeContext.endingIn(Duration.ofSeconds(5)));

        assertEquals("REMEDIATED", run.decision().get("outcome").requiredString(), run::toString);
        assertEquals(List.of(), proxy.received());
        assertEquals(Map.of("DecisionEventsSent", 0L, "DecisionEventsFailed", 1L), run.deliveryMetrics());
        assertTrue(run.warning("decisionEvents").contains("ms were left before the function's timeout"), run::toString);
    }

    @Test
    void theSweepSendsItsEventsTenToACallAndOnlyForKeysThatChangedOrNeedAPerson() {
        String queue = services.queueForEvents("default", ALL_DECISIONS, "sweep");
        List<Map<String, String>> fleet = new java.util.ArrayList<>(Collections.nCopies(23, Map.of("Scratch", "x")));
        fleet.addAll(Collections.nCopies(4, HandlerRuns.POLICY_TAGS));
        MOTO.keys().createKeys(fleet);

        Logged run = sweep();

        List<JsonField> decisions = run.ofType("decision");
        Set<String> needingEvents = decisions.stream().filter(line -> SENT.contains(line.get("outcome").requiredString()))
                .map(line -> line.get("keyArn").requiredString()).collect(Collectors.toSet());
        assertEquals(23, needingEvents.size(), run::toString);
        Set<String> received = services.receiveAll(queue).stream().map(event -> event.get("detail").get("keyArn").requiredString())
                .collect(Collectors.toSet());
        assertEquals(needingEvents, received);
        assertEquals(List.of(PUT_EVENTS, PUT_EVENTS, PUT_EVENTS), proxy.received(), "10 + 10 + the 3 left before the summary");
        assertEquals(Map.of("DecisionEventsSent", 23L, "DecisionEventsFailed", 0L), run.deliveryMetrics());
        String summary = run.lines().stream().filter(line -> line.contains("\"sweep-summary\"")).findFirst().orElseThrow();
        String lastEventsMetrics = run.lines().stream().filter(line -> line.contains("\"DecisionEventsSent\"")).reduce((a, b) -> b).orElseThrow();
        assertTrue(run.lines().indexOf(lastEventsMetrics) < run.lines().indexOf(summary), "the last batch is sent before the summary");
    }

    // ---- running the functions -------------------------------------------------------------------

    private Logged invoke(CloudTrailEvents.Event event, String bus, FakeContext context) {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        TagEnforcerHandler handler = new TagEnforcerHandler(TagEnforcerHandler.Collaborators.of(environment(bus), clients)
                .withLogOutput(new PrintStream(log, true, StandardCharsets.UTF_8)));
        HandlerRuns.Response response = HandlerRuns.invoke(handler, event, context);
        return new Logged(JsonField.parse("response", response.json().toString()), log.toString(StandardCharsets.UTF_8).lines().toList());
    }

    private Logged sweep() {
        return new Logged(null, HandlerRuns.sweepInOneInvocation(SweepHandler.Collaborators.of(environment("default"), clients)));
    }

    private Map<String, String> environment(String bus) {
        return HandlerRuns.environment("ENFORCEMENT_MODE", "enforce", "DECISION_EVENT_BUS", bus,
                "AWS_ENDPOINT_URL_EVENTS", proxy.endpoint().toString(), "AWS_LAMBDA_FUNCTION_NAME", "kms-tag-enforcer-IT");
    }

    /** What one invocation answered (null for the sweep) and logged. */
    record Logged(JsonField response, List<String> lines) {
        JsonField decision() {
            return JsonField.parse("decision", decisionText());
        }

        String decisionText() {
            return only(line -> line.contains("\"type\":\"decision\""));
        }

        String warningText(String type) {
            return only(line -> line.contains("\"type\":\"" + type + "\""));
        }

        String warning(String type) {
            return JsonField.parse("warning", warningText(type)).get("message").requiredString();
        }

        List<JsonField> ofType(String type) {
            return lines.stream().filter(line -> line.contains("\"type\":\"" + type + "\"")).map(line -> JsonField.parse("line", line)).toList();
        }

        /** The delivery metrics of every document that has them, summed: empty when nothing was sent. */
        Map<String, Long> deliveryMetrics() {
            return lines.stream().filter(line -> line.contains("\"DecisionEventsSent\""))
                    .map(line -> JsonField.parse("metrics", line))
                    .flatMap(json -> List.of("DecisionEventsSent", "DecisionEventsFailed").stream()
                            .map(name -> Map.entry(name, json.get(name).optionalLong().orElseThrow())))
                    .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, Long::sum));
        }

        private String only(Predicate<String> which) {
            List<String> found = lines.stream().filter(which).toList();
            assertEquals(1, found.size(), () -> "one such line in " + lines);
            return found.get(0);
        }

        @Override
        public String toString() {
            return String.join("\n", lines);
        }
    }

}
