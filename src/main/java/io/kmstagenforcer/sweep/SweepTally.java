package io.kmstagenforcer.sweep;

import io.kmstagenforcer.enforce.EnforcementResult;
import io.kmstagenforcer.enforce.Outcome;
import io.kmstagenforcer.event.SkipReason;
import io.kmstagenforcer.plan.Exemption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The sweep's counters, by name. Names with a dot are grouped in the summary: {@code skipped.*} by
 * reason, {@code calls.*} by KMS operation, {@code exemptions.*} the keys enforced although they carry the exemption tag. Every named counter is present, zero or not, so that a
 * summary always has the same fields.
 */
final class SweepTally {
    static final String KEYS_SEEN = "keysSeen";
    static final String COMPLIANT = "compliant";
    static final String REMEDIATED = "remediated";
    static final String REPORTED = "reported";
    static final String NON_COMPLIANT = "nonCompliant";
    static final String FAILED = "failed";
    /** Still failing with a retryable error after every attempt: the next sweep sees the key again. */
    static final String UNFINISHED = "unfinished";
    static final String TAGS_ADDED = "tagsAdded";
    static final String TAGS_REMOVED = "tagsRemoved";
    static final String SKIPPED = "skipped.";
    static final String CALLS = "calls.";
    /** Keys whose exemption tag no longer exempts them: enforced like any key, and counted here as well, by why. */
    static final String EXEMPTIONS_EXPIRED = "exemptions.expired";
    static final String EXEMPTIONS_NOT_HONOURED = "exemptions.notHonoured";

    private final Map<String, Long> counts = new LinkedHashMap<>();

    SweepTally(Map<String, Long> from) {
        for (String name : new String[] {KEYS_SEEN, COMPLIANT, REMEDIATED, REPORTED, NON_COMPLIANT, FAILED, UNFINISHED,
                TAGS_ADDED, TAGS_REMOVED, EXEMPTIONS_EXPIRED, EXEMPTIONS_NOT_HONOURED}) {
            counts.put(name, 0L);
        }
        for (SkipReason reason : SkipReason.values()) {
            counts.put(SKIPPED + reason.label(), 0L);
        }
        from.forEach((name, count) -> counts.merge(name, count, Long::sum));
    }

    void count(EnforcementResult result) {
        add(KEYS_SEEN, 1);
        countWrites(result);
        if (result.skipped().isPresent()) {
            add(SKIPPED + result.skipped().get().label(), 1);
            return;
        }
        add(counterOf(result.outcome()), 1);
        result.exemption().filter(exemption -> !exemption.honoured()).ifPresent(exemption ->
                add(exemption.state() == Exemption.State.EXPIRED ? EXEMPTIONS_EXPIRED : EXEMPTIONS_NOT_HONOURED, 1));
    }

    /** The tags a result wrote: for a key left for the next invocation too, which counts the key itself. */
    void countWrites(EnforcementResult result) {
        add(TAGS_ADDED, result.added().size());
        add(TAGS_REMOVED, result.removed().size());
    }

    /** A member account the sweep could not enter: a failure, though no key was seen. */
    void countAccountFailure() {
        add(FAILED, 1);
    }

    void addCalls(Map<String, Long> before, Map<String, Long> after) {
        after.forEach((operation, count) -> add(CALLS + operation, count - before.getOrDefault(operation, 0L)));
    }

    void addAll(SweepTally other) {
        other.counts.forEach(this::add);
    }

    long get(String name) {
        return counts.getOrDefault(name, 0L);
    }

    Map<String, Long> snapshot() {
        return Collections.unmodifiableMap(new LinkedHashMap<>(counts));
    }

    private void add(String name, long count) {
        counts.merge(name, count, Long::sum);
    }

    private static String counterOf(Outcome outcome) {
        switch (outcome) {
            case COMPLIANT:
                return COMPLIANT;
            case REMEDIATED:
                return REMEDIATED;
            case REPORTED:
                return REPORTED;
            case NONCOMPLIANT:
                return NON_COMPLIANT;
            case RETRYING:
                return UNFINISHED;
            default:
                return FAILED;
        }
    }
}
