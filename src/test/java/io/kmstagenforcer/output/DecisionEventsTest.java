package io.kmstagenforcer.output;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kmstagenforcer.aws.BatchSend;
import io.kmstagenforcer.aws.PutEvents;
import io.kmstagenforcer.enforce.EnforcementResult;
import io.kmstagenforcer.enforce.Outcome;
import io.kmstagenforcer.json.JsonField;
import io.kmstagenforcer.kms.Deadline;
import io.kmstagenforcer.plan.Problem;
import io.kmstagenforcer.plan.Violation;
import io.kmstagenforcer.policy.Mode;
import io.kmstagenforcer.policy.PolicyOrigin;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Which results become decision events, what their detail says, and how they are batched (the sending itself: DecisionEventsIT). */
class DecisionEventsTest {
    static final String KEY = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    static final PolicyOrigin POLICY = new PolicyOrigin("file:tag-policy.json", "0123abcd4567");
    static final String REQUEST_ID = "7c5e8f2a-0d1b-4c3e-9f6a-2b8d4e1f3a5c";

    /** The result events/decision-event.json was rendered from: a sweep found a key the policy cannot fix alone. */
    static EnforcementResult needsAPerson() {
        return new EnforcementResult(Outcome.NONCOMPLIANT, Mode.ENFORCE, Optional.of("Sweep"), Optional.empty(), Optional.of(KEY),
                Map.of(), List.of(), Map.of(), List.of(), Map.of(),
                List.of(new Violation("CostCenter", Problem.MISSING, "required; the policy gives no default")),
                Optional.empty(), Optional.empty(), List.of(), Optional.empty(), Optional.empty(), Map.of(), Optional.empty(), List.of());
    }

    /** events/decision-event-remediated.json's: a new key the policy gave its tags, one replacing a creation tag's value. */
    static EnforcementResult remediated() {
        return new EnforcementResult(Outcome.REMEDIATED, Mode.ENFORCE, Optional.of("CreateKey"),
                Optional.of("f1e2d3c4-b5a6-4789-90ab-cdef01234567"), Optional.of(KEY),
                ordered("CostCenter", "unassigned", "Environment", "dev"), List.of("Scratch"), Map.of(), List.of(),
                ordered("Environment", "test", "Scratch", "x"),
                List.of(new Violation("Scratch", Problem.FORBIDDEN, "matches forbidden \"Scratch\""),
                        new Violation("CostCenter", Problem.MISSING, "set to the default"),
                        new Violation("Environment", Problem.INVALID_VALUE, "\"test\" is not allowed; set to the default")),
                Optional.empty(), Optional.empty(), List.of(), Optional.empty(), Optional.empty(), Map.of(), Optional.empty(),
                List.of());
    }

    /** A map in the order given (Map.of's order changes from one JVM to the next). */
    static Map<String, String> ordered(String... keysAndValues) {
        Map<String, String> map = new java.util.LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }

    private final List<List<PutEvents.Entry>> calls = new ArrayList<>();
    private final DecisionEvents events = new DecisionEvents(new BatchSend<>(batch -> {
        calls.add(batch);
        return List.of();
    }, duration -> { }), POLICY);

    @Test
    void theSampleEventsCarryWhatTheFunctionSends() throws IOException {
        assertEquals(sampleDetail("decision-event.json"), normalised(detail(needsAPerson())));
        assertEquals(sampleDetail("decision-event-remediated.json"), normalised(detail(remediated())));
    }

    @Test
    void theDetailNamesWhichTagsWereReplacedButNotTheirValues() {
        JsonField detail = JsonField.parse("detail", detail(remediated()));
        assertEquals("Environment", detail.get("replaced").elements().get(0).requiredString());
        assertTrue(!detail(remediated()).contains("\"test\""), "the replaced value stays in the decision line");
        assertEquals("eu-west-1", detail.get("region").requiredString());
        assertEquals("111122223333", detail.get("account").requiredString());
    }

    @Test
    void unresolvedAreTheViolationsTheRunLeftAsTheyAre() {
        assertEquals(List.of(), DecisionText.unresolved(remediated()), "all three were fixed");
        assertEquals(List.of("CostCenter"), DecisionText.unresolved(needsAPerson()).stream().map(Violation::key).toList());
        assertTrue(DecisionText.needsAPerson(needsAPerson()));
        assertTrue(!DecisionText.needsAPerson(remediated()));
    }

    @Test
    void onlyKeysThatChangedWouldChangeOrNeedAPersonAreSent() {
        for (Outcome outcome : Outcome.values()) {
            calls.clear();
            events.take(withOutcome(outcome), REQUEST_ID, Deadline.NONE);
            events.flush(Deadline.NONE);
            assertEquals(EnumSet.of(Outcome.REMEDIATED, Outcome.REPORTED, Outcome.NONCOMPLIANT, Outcome.FAILED).contains(outcome) ? 1 : 0,
                    calls.size(), outcome.name());
        }
    }

    @Test
    void tenEventsAreSentInOneCallAndTheRestWhenFlushed() {
        List<Delivery> deliveries = new ArrayList<>();
        for (int i = 0; i < 23; i++) {
            deliveries.add(events.take(remediated(), REQUEST_ID, Deadline.NONE));
        }
        deliveries.add(events.flush(Deadline.NONE));

        assertEquals(List.of(10, 10, 3), calls.stream().map(List::size).toList());
        assertEquals(23, deliveries.stream().mapToInt(Delivery::sent).sum());
    }

    @Test
    void aBatchThatWouldPassEventBridgesSizeLimitIsSentBeforeIt() {
        String big = "v".repeat(250);
        Map<String, String> added = new java.util.LinkedHashMap<>();
        for (int i = 0; i < 45; i++) {
            added.put("Tag" + i + "-" + "k".repeat(100), big);
        }
        EnforcementResult large = new EnforcementResult(Outcome.REMEDIATED, Mode.ENFORCE, Optional.of("Sweep"), Optional.empty(),
                Optional.of(KEY), added, List.of(), Map.of(), List.of(), Map.of(), List.of(), Optional.empty(), Optional.empty(), List.of(),
                Optional.empty(), Optional.empty(), Map.of(), Optional.empty(), List.of());
        for (int i = 0; i < 10; i++) {
            events.take(large, REQUEST_ID, Deadline.NONE);
        }
        events.flush(Deadline.NONE);

        assertTrue(calls.size() > 1, "split: " + calls.stream().map(List::size).toList());
        for (List<PutEvents.Entry> call : calls) {
            assertTrue(call.stream().mapToInt(PutEvents.Entry::size).sum() <= PutEvents.MAX_BYTES);
        }
        assertEquals(10, calls.stream().mapToInt(List::size).sum());
    }

    private static EnforcementResult withOutcome(Outcome outcome) {
        EnforcementResult r = remediated();
        return new EnforcementResult(outcome, r.mode(), r.trigger(), r.eventId(), r.keyArn(), r.added(), r.removed(), r.wouldAdd(),
                r.wouldRemove(), r.previousValues(), r.violations(), r.reason(), r.skipped(), r.accessControlTags(), r.keyPolicy(),
                r.organizationTagPolicy(), r.editedValuesGone(), r.exemption(), r.scopes());
    }

    static String detail(EnforcementResult result) {
        return new String(ResultJson.eventDetail(result, POLICY, REQUEST_ID), StandardCharsets.UTF_8);
    }

    private static String normalised(String json) {
        return software.amazon.awssdk.protocols.jsoncore.JsonNode.parser().parse(json).toString();
    }

    /** The sample's detail, re-serialised as {@link #normalised} does. */
    static String sampleDetail(String file) throws IOException {
        String text = Files.readString(Path.of(System.getProperty("basedir", ".")).resolve("events").resolve(file));
        return software.amazon.awssdk.protocols.jsoncore.JsonNode.parser().parse(text).field("detail").orElseThrow().toString();
    }
}
