package io.kmstagenforcer.sweep;

/** Hands a sweep that ran out of time to a new invocation, which goes on from the marker. */
@FunctionalInterface
public interface SweepContinuation {
    /**
     * @param next        where the next invocation starts
     * @param functionArn the function (and qualifier) that is sweeping, as Lambda invoked it
     * @param payload     the ScheduledEvent-shaped JSON the next invocation receives
     */
    void continueWith(SweepMarker next, String functionArn, byte[] payload);
}
