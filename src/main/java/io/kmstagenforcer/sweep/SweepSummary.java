package io.kmstagenforcer.sweep;

import io.kmstagenforcer.policy.Mode;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * How one sweep invocation ended.
 *
 * @param complete       every key of the region was seen (in this or earlier invocations)
 * @param continuation   where the next invocation goes on; empty when complete, or when the sweep gave up
 * @param stoppedBecause why the invocation ended before the last key, if it did
 * @param invocation     counts of this invocation alone (metrics sum these)
 * @param totals         counts of the whole sweep so far
 * @param writeRateLimit the configured write rate ({@code SWEEP_WRITES_PER_SECOND})
 * @param writeRateAtStart the rate the invocation started at: the configured one, whatever an earlier one met
 * @param writeRateLowest the lowest rate throttled writes took it down to in the invocation
 * @param writeRateAtEnd the rate when the invocation ended (throttling halves it, unthrottled writes win it back)
 * @param peakWritesPerSecond the most writes let through in any one second of the invocation
 * @param note           something the operator should know about how the invocation started
 */
public record SweepSummary(
        String sweepId,
        int invocationNumber,
        Mode mode,
        boolean complete,
        Optional<SweepMarker> continuation,
        Optional<String> stoppedBecause,
        Map<String, Long> invocation,
        Map<String, Long> totals,
        double writeRateLimit,
        double writeRateAtStart,
        double writeRateLowest,
        double writeRateAtEnd,
        int peakWritesPerSecond,
        Duration elapsed,
        Optional<String> note) {

    public SweepSummary {
        invocation = Collections.unmodifiableMap(new LinkedHashMap<>(invocation));
        totals = Collections.unmodifiableMap(new LinkedHashMap<>(totals));
    }

    /** The keys this invocation could not enforce: failed for good, or still failing after every attempt. */
    public long keysFailed() {
        return invocation.getOrDefault(SweepTally.FAILED, 0L) + invocation.getOrDefault(SweepTally.UNFINISHED, 0L);
    }

    /** The same summary with {@code note}, when there is one. */
    public SweepSummary withNote(Optional<String> newNote) {
        return newNote.isEmpty() ? this : new SweepSummary(sweepId, invocationNumber, mode, complete, continuation, stoppedBecause,
                invocation, totals, writeRateLimit, writeRateAtStart, writeRateLowest, writeRateAtEnd, peakWritesPerSecond, elapsed,
                newNote);
    }
}
