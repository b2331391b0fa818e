package io.kmstagenforcer.sweep;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * How one account of a fanned-out run ended, as the run's roll-up shows it.
 *
 * @param target      the account ID (or, for a failed discovery, the OU or source that could not be listed)
 * @param status      done, failed or never finished
 * @param counts      the account's key counts ({@link #COUNTED}); zeros when it was never swept
 * @param reason      why it failed or did not finish
 * @param invocations how many invocations its sweep took
 */
public record AccountRun(String target, Status status, Map<String, Long> counts, Optional<String> reason, int invocations) {
    /** The counts kept per account (the run's totals keep every counter): small enough for a thousand accounts in one event. */
    public static final List<String> COUNTED = List.of(SweepTally.KEYS_SEEN, SweepTally.COMPLIANT, SweepTally.REMEDIATED,
            SweepTally.REPORTED, SweepTally.NON_COMPLIANT, SweepTally.FAILED);

    public enum Status {
        /** Every key of the account was seen (some may have failed: see the counts). */
        DONE("done"),
        /** The account could not be swept: its role could not be assumed, KMS refused to list, its invocation kept failing, or its OU could not be listed. */
        FAILED("failed"),
        /** Its sweep was cut off: an invocation that could not be made or answered, or a continuation lost. */
        NEVER_FINISHED("neverFinished");

        private final String label;

        Status(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }

        public static Optional<Status> fromLabel(String label) {
            for (Status status : values()) {
                if (status.label.equals(label)) {
                    return Optional.of(status);
                }
            }
            return Optional.empty();
        }
    }

    public AccountRun {
        Map<String, Long> kept = new LinkedHashMap<>();
        for (String name : COUNTED) {
            kept.put(name, counts.getOrDefault(name, 0L));
        }
        // A key still failing after every attempt is a failure to the roll-up, as to the summary's metrics.
        kept.merge(SweepTally.FAILED, counts.getOrDefault(SweepTally.UNFINISHED, 0L), Long::sum);
        counts = Collections.unmodifiableMap(kept);
    }

    public static AccountRun failed(String target, String reason, Map<String, Long> counts, int invocations) {
        return new AccountRun(target, Status.FAILED, counts, Optional.of(reason), invocations);
    }

    public static AccountRun neverFinished(String target, String reason, Map<String, Long> counts, int invocations) {
        return new AccountRun(target, Status.NEVER_FINISHED, counts, Optional.of(reason), invocations);
    }
}
