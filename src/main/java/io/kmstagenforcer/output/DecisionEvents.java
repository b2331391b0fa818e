package io.kmstagenforcer.output;

import io.kmstagenforcer.aws.BatchSend;
import io.kmstagenforcer.aws.PutEvents;
import io.kmstagenforcer.enforce.EnforcementResult;
import io.kmstagenforcer.enforce.Outcome;
import io.kmstagenforcer.kms.Deadline;
import io.kmstagenforcer.policy.PolicyOrigin;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * One EventBridge event per key whose outcome someone may act on ({@link #SENT}), with source
 * {@value #SOURCE} and detail-type {@value #DETAIL_TYPE}, its detail {@link ResultJson#eventDetail}:
 * the decision line's content without the values tags held before (docs/RESULTS.md "Decision events").
 *
 * <p>Held and sent by {@value PutEvents#MAX_ENTRIES} (PutEvents' largest batch, and below its 256 KB):
 * the event function sends its one event when the invocation ends, the sweep one call per ten keys
 * that changed or need a person, and what is left before its summary. A compliant or ignored key costs nothing.
 */
public final class DecisionEvents implements ResultSink {
    public static final String SOURCE = "kms-tag-enforcer";
    public static final String DETAIL_TYPE = "KMS Key Tag Decision";
    /** The outcomes that make an event: the key changed, would change, or needs a person. */
    public static final Set<Outcome> SENT = EnumSet.of(Outcome.REMEDIATED, Outcome.REPORTED, Outcome.NONCOMPLIANT, Outcome.FAILED);
    static final String SENT_METRIC = "DecisionEventsSent";
    static final String FAILED_METRIC = "DecisionEventsFailed";
    static final String WARNING = "decisionEvents";

    private final BatchSend<PutEvents.Entry> send;
    private final PolicyOrigin policy;
    private final List<PutEvents.Entry> held = new ArrayList<>();

    public DecisionEvents(BatchSend<PutEvents.Entry> send, PolicyOrigin policy) {
        this.send = send;
        this.policy = policy;
    }

    @Override
    public synchronized Delivery take(EnforcementResult result, String requestId, Deadline deadline) {
        if (!SENT.contains(result.outcome()) || result.keyArn().isEmpty()) {
            return Delivery.nothing();
        }
        PutEvents.Entry entry = new PutEvents.Entry(SOURCE, DETAIL_TYPE,
                new String(ResultJson.eventDetail(result, policy, requestId), StandardCharsets.UTF_8), List.of(result.keyArn().get()));
        Delivery full = wouldOverflow(entry) ? flush(deadline) : Delivery.nothing();
        held.add(entry);
        if (held.size() < PutEvents.MAX_ENTRIES) {
            return full;
        }
        Delivery sent = flush(deadline);
        return full.sentAnything() ? combined(full, sent) : sent;
    }

    @Override
    public synchronized Delivery flush(Deadline deadline) {
        if (held.isEmpty()) {
            return Delivery.nothing();
        }
        List<PutEvents.Entry> batch = List.copyOf(held);
        held.clear();
        List<String> failures = send.send(batch, deadline).stream()
                .map(failed -> failed.item().resources().get(0) + ": " + failed.error())
                .toList();
        return new Delivery(SENT_METRIC, FAILED_METRIC, WARNING, batch.size() - failures.size(), failures);
    }

    private boolean wouldOverflow(PutEvents.Entry entry) {
        int size = entry.size();
        for (PutEvents.Entry each : held) {
            size += each.size();
        }
        return !held.isEmpty() && size > PutEvents.MAX_BYTES;
    }

    private static Delivery combined(Delivery first, Delivery then) {
        List<String> failures = new ArrayList<>(first.failures());
        failures.addAll(then.failures());
        return new Delivery(SENT_METRIC, FAILED_METRIC, WARNING, first.sent() + then.sent(), failures);
    }
}
