package io.kmstagenforcer.output;

import io.kmstagenforcer.enforce.EnforcementResult;
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
                .string("organizationRequiredTags", result.organizationRequiredTags().orElse(null))
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
