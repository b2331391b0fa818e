package io.kmstagenforcer.output;

import io.kmstagenforcer.enforce.EnforcementResult;
import io.kmstagenforcer.event.KeyArn;
import io.kmstagenforcer.event.SkipReason;
import io.kmstagenforcer.json.JsonObjectWriter;
import io.kmstagenforcer.plan.Exemption;
import io.kmstagenforcer.policy.PolicyOrigin;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Optional;

/** The JSON forms of an {@link EnforcementResult}: the function's response and its decision log line. */
public final class ResultJson {

    private ResultJson() {
    }

    /** The function's return value. Holds no previous tag values: responses travel to destinations. */
    public static byte[] response(EnforcementResult result) {
        return members(new JsonObjectWriter(), result).toBytes();
    }

    /**
     * The one log line per event: the response's content plus the value each changed or removed
     * tag held before, so that no tag value is ever lost, even one the policy replaced, and for a
     * TagResource event the values its record set that the key no longer held (a person's values).
     */
    public static byte[] decisionLine(EnforcementResult result, PolicyOrigin policy, LogLevel level, Instant time, String requestId) {
        return decisionLine(result, policy, level, time, requestId, Optional.empty());
    }

    /** The decision line of a key swept in a run: {@code runId} after {@code requestId}, so that a run's lines are found together. */
    public static byte[] decisionLine(EnforcementResult result, PolicyOrigin policy, LogLevel level, Instant time, String requestId,
            Optional<String> runId) {
        JsonObjectWriter line = new JsonObjectWriter()
                .string("timestamp", time.toString())
                .string("level", level.name())
                .string("type", "decision")
                .string("requestId", requestId);
        runId.ifPresent(run -> line.string("runId", run));
        policy(line, policy);
        return members(line, result)
                .stringMap("previousValues", result.previousValues())
                .stringMap("editedValuesGone", result.editedValuesGone())
                .toBytes();
    }

    /**
     * A decision event's detail (docs/RESULTS.md "Decision events"): where the key is ({@code account},
     * {@code region}), the response's content, the {@code unresolved} violations (those the run did not fix and enforce mode would not: a person's), which tags were {@code replaced} (their keys: the values
     * they held stay in the decision line, since events travel to buses, rules and mail), the policy and
     * the invocation's request id, which finds the decision line, and the result in words ({@link DecisionText}). No more of the caller's identity than
     * the decision line has.
     */
    public static byte[] eventDetail(EnforcementResult result, PolicyOrigin policy, String requestId) {
        Optional<KeyArn> key = result.keyArn().flatMap(ResultJson::keyArn);
        JsonObjectWriter detail = new JsonObjectWriter()
                .string("account", key.map(KeyArn::account).orElse(null))
                .string("region", key.map(KeyArn::region).orElse(null));
        members(detail, result)
                .strings("replaced", result.added().keySet().stream().filter(result.previousValues()::containsKey).toList())
                .objects("unresolved", DecisionText.unresolved(result), (item, violation) -> item
                        .string("key", violation.key())
                        .string("problem", violation.problem().name())
                        .string("detail", violation.detail()))
                .string("requestId", requestId)
                .string("summary", DecisionText.summary(result))
                .string("nextStep", DecisionText.nextStep(result));
        return policy(detail, policy).toBytes();
    }

    private static Optional<KeyArn> keyArn(String text) {
        try {
            return Optional.of(KeyArn.parse(text));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The {@code policy} member: {@code {"source":"file:tag-policy.json","sha256":"0123abcd4567"}}, the policy a line applied. */
    public static JsonObjectWriter policy(JsonObjectWriter json, PolicyOrigin policy) {
        return json.object("policy", origin -> origin.string("source", policy.source()).string("sha256", policy.sha256()));
    }

    /** Writes the response's members into {@code json}, for documents that embed a result (the simulator's). */
    public static JsonObjectWriter members(JsonObjectWriter json, EnforcementResult result) {
        return json
                .string("outcome", result.outcome().name())
                .string("mode", result.mode().label())
                .string("trigger", result.trigger().orElse(null))
                .string("eventId", result.eventId().orElse(null))
                .string("keyArn", result.keyArn().orElse(null))
                .stringMap("added", result.added())
                .strings("removed", result.removed())
                .stringMap("wouldAdd", result.wouldAdd())
                .strings("wouldRemove", result.wouldRemove())
                .objects("violations", result.violations(), (item, violation) -> item
                        .string("key", violation.key())
                        .string("problem", violation.problem().name())
                        .string("detail", violation.detail()))
                .string("reason", result.reason().orElse(null))
                .string("skipped", result.skipped().map(SkipReason::label).orElse(null))
                .strings("accessControlTags", result.accessControlTags())
                .string("keyPolicy", result.keyPolicy().orElse(null))
                .string("organizationTagPolicy", result.organizationTagPolicy().orElse(null))
                .optionalObject("exemption", result.exemption(), ResultJson::exemption)
                .stringsIfAny("scopes", result.scopes());
    }

    /** A key's exemption tag: {@code {"tag","value","state","until","detail"}}, {@code until} null when the value gives no end date. */
    public static void exemption(JsonObjectWriter json, Exemption exemption) {
        json.string("tag", exemption.tag())
                .string("value", exemption.value())
                .string("state", exemption.state().label())
                .string("until", exemption.until().map(LocalDate::toString).orElse(null))
                .string("detail", exemption.detail());
    }
}
