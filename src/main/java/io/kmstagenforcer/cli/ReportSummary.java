package io.kmstagenforcer.cli;

import io.kmstagenforcer.enforce.Outcome;
import io.kmstagenforcer.event.SkipReason;
import io.kmstagenforcer.plan.Exemption;
import java.time.LocalDate;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The report's totals.
 *
 * @param skipped  every skip reason, zero or not, in {@link SkipReason}'s order
 * @param kmsCalls the KMS requests made, by operation, in name order (no TagResource or UntagResource: the report never writes)
 * @param exemptions the keys carrying the exemption tag, by how it stands: {@code active}, {@code endingWithin30Days} (active too),
 *                 {@code expired}, {@code notHonoured}
 */
record ReportSummary(long keysSeen, long compliant, long wouldChange, long nonCompliant, Map<SkipReason, Long> skipped, long failed,
        Map<String, Long> kmsCalls, Map<String, Long> exemptions) {

    ReportSummary {
        skipped = Collections.unmodifiableMap(new EnumMap<>(skipped));
        kmsCalls = Collections.unmodifiableMap(new TreeMap<>(kmsCalls));
        exemptions = Collections.unmodifiableMap(new LinkedHashMap<>(exemptions));
    }

    /** @param today the report's day (UTC), which exemptions' end dates are counted from */
    static ReportSummary of(List<KeyReport> keys, Map<String, Long> kmsCalls, LocalDate today) {
        Map<String, Long> exemptions = new LinkedHashMap<>();
        exemptions.put("active", keys.stream().filter(key -> key.exemption().filter(Exemption::honoured).isPresent()).count());
        exemptions.put("endingWithin" + KeyReport.ENDING_SOON_DAYS + "Days", keys.stream().filter(key -> key.exemptionEndsSoon(today)).count());
        exemptions.put("expired", keys.stream().filter(key -> key.exemption().filter(held -> held.state() == Exemption.State.EXPIRED).isPresent())
                .count());
        exemptions.put("notHonoured", keys.stream().filter(key -> key.exemption()
                .filter(held -> !held.honoured() && held.state() != Exemption.State.EXPIRED).isPresent()).count());
        Map<SkipReason, Long> skipped = new EnumMap<>(SkipReason.class);
        for (SkipReason reason : SkipReason.values()) {
            skipped.put(reason, keys.stream().filter(key -> key.skipped().equals(Optional.of(reason))).count());
        }
        return new ReportSummary(keys.size(), count(keys, Outcome.COMPLIANT), count(keys, Outcome.REPORTED),
                count(keys, Outcome.NONCOMPLIANT), skipped, count(keys, Outcome.FAILED), kmsCalls, exemptions);
    }

    long skippedInAll() {
        return skipped.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Keys that carry the exemption tag, whatever it means for them. */
    long exemptionsInAll() {
        return exemptions.get("active") + exemptions.get("expired") + exemptions.get("notHonoured");
    }

    long kmsCallsInAll() {
        return kmsCalls.values().stream().mapToLong(Long::longValue).sum();
    }

    private static long count(List<KeyReport> keys, Outcome outcome) {
        return keys.stream().filter(key -> key.outcome() == outcome).count();
    }
}
