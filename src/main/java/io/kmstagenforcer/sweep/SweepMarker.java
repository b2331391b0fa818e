package io.kmstagenforcer.sweep;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one sweep invocation passes to the next: which sweep this is, how many invocations it has
 * taken, where to go on, and the counts so far (so that the last invocation's summary covers the
 * whole sweep).
 */
public record SweepMarker(String sweepId, int invocation, SweepPosition position, Map<String, Long> totals) {
    public SweepMarker {
        totals = Collections.unmodifiableMap(new LinkedHashMap<>(totals));
    }

    public static SweepMarker start(String sweepId) {
        return new SweepMarker(sweepId, 1, SweepPosition.START, Map.of());
    }

    /** The marker the next invocation starts from. */
    SweepMarker next(SweepPosition at, Map<String, Long> totalsSoFar) {
        return new SweepMarker(sweepId, invocation + 1, at, totalsSoFar);
    }
}
