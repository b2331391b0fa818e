package io.kmstagenforcer.output;

import io.kmstagenforcer.enforce.EnforcementResult;
import io.kmstagenforcer.kms.Deadline;

/**
 * Somewhere besides the log that a key's result goes (decision events to EventBridge, findings to
 * Security Hub), fed by {@link DecisionLog} after the decision line is written, from the event
 * function and the sweep alike. A sink may hold results to send them in batches; it never throws and
 * never changes a result: what it could not deliver it says in its {@link Delivery}, which the log
 * counts and warns about. Safe to call from several threads (a sweep that decides keys in parallel):
 * a batch is filled and sent under the sink's lock.
 */
public interface ResultSink {
    /** Takes one key's result: sends it, holds it for a batch, or passes it over (an outcome it does not send). */
    Delivery take(EnforcementResult result, String requestId, Deadline deadline);

    /** Sends whatever it holds: at the end of an event's invocation, and before a sweep invocation's summary. */
    Delivery flush(Deadline deadline);
}
