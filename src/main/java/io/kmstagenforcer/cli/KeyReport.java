package io.kmstagenforcer.cli;

import io.kmstagenforcer.enforce.EnforcementResult;
import io.kmstagenforcer.enforce.Outcome;
import io.kmstagenforcer.event.SkipReason;
import io.kmstagenforcer.plan.Violation;
import java.util.List;
import java.util.Optional;

/**
 * One key's line in the report.
 *
 * @param outcome    {@code COMPLIANT}, {@code REPORTED}, {@code NONCOMPLIANT}, {@code IGNORED} or {@code FAILED}
 * @param reason     why, for every outcome but {@code COMPLIANT}
 * @param skipped    for an {@code IGNORED} key, the reason it was left alone, as the summary counts it
 * @param changes    for a {@code REPORTED} key, what enforce mode would write
 * @param violations every way the key breaks the policy, fixed or not
 */
record KeyReport(String keyArn, Outcome outcome, Optional<String> reason, Optional<SkipReason> skipped, TagChanges changes,
        List<Violation> violations) {

    KeyReport {
        violations = List.copyOf(violations);
    }

    /**
     * The sweep's result for one key. A key that still failed after every retry ({@code RETRYING},
     * which in Lambda means "the next sweep tries again") is {@code FAILED} here: the report is done.
     */
    static KeyReport of(EnforcementResult result) {
        boolean gaveUp = result.outcome() == Outcome.RETRYING;
        TagChanges changes = result.outcome() == Outcome.REPORTED
                ? TagChanges.of(result.wouldAdd(), result.wouldRemove(), result.previousValues())
                : TagChanges.NONE;
        return new KeyReport(result.keyArn().orElse("(no key)"),
                gaveUp ? Outcome.FAILED : result.outcome(),
                gaveUp ? result.reason().map(reason -> reason + ", still after every retry") : result.reason(),
                result.skipped(),
                changes,
                result.violations());
    }

    /** {@code key PROBLEM: detail} */
    static String describe(Violation violation) {
        return violation.key() + " " + violation.problem() + ": " + violation.detail();
    }

    boolean wouldChange() {
        return outcome == Outcome.REPORTED;
    }
}
