package io.kmstagenforcer.cli;

import io.kmstagenforcer.enforce.Outcome;
import io.kmstagenforcer.event.SkipReason;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The report's totals.
 *
 * @param skipped  every skip reason, zero or not, in {@link SkipReason}'s order
 * @param kmsCalls the KMS requests made, by operation, in name order (no TagResource or UntagResource: the report never writes)
 */
record ReportSummary(long keysSeen, long compliant, long wouldChange, long nonCompliant, Map<SkipReason, Long> skipped, long failed,
        Map<String, Long> kmsCalls) {

    ReportSummary {
        skipped = Collections.unmodifiableMap(new EnumMap<>(skipped));
        kmsCalls = Collections.unmodifiableMap(new TreeMap<>(kmsCalls));
    }

    static ReportSummary of(List<KeyReport> keys, Map<String, Long> kmsCalls) {
        Map<SkipReason, Long> skipped = new EnumMap<>(SkipReason.class);
        for (SkipReason reason : SkipReason.values()) {
            skipped.put(reason, keys.stream().filter(key -> key.skipped().equals(Optional.of(reason))).count());
        }
        return new ReportSummary(keys.size(), count(keys, Outcome.COMPLIANT), count(keys, Outcome.REPORTED),
                count(keys, Outcome.NONCOMPLIANT), skipped, count(keys, Outcome.FAILED), kmsCalls);
    }

    long skippedInAll() {
        return skipped.values().stream().mapToLong(Long::longValue).sum();
    }

    long kmsCallsInAll() {
        return kmsCalls.values().stream().mapToLong(Long::longValue).sum();
    }

    private static long count(List<KeyReport> keys, Outcome outcome) {
        return keys.stream().filter(key -> key.outcome() == outcome).count();
    }
}
