package io.kmstagenforcer.cli;

import io.kmstagenforcer.enforce.EnforcementResult;
import io.kmstagenforcer.enforce.Outcome;
import io.kmstagenforcer.enforce.TagEnforcer;
import io.kmstagenforcer.event.SkipReason;
import io.kmstagenforcer.plan.Exemption;
import io.kmstagenforcer.plan.Violation;
import java.time.LocalDate;
import java.util.ArrayList;
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
 * @param accessControlTags with checkKeyPolicy, the tags enforce mode would change that a key policy condition names
 * @param keyPolicy  with checkKeyPolicy, for a key that would change: {@code read}, or why it could not be read
 * @param exemption  for a key carrying the exemption tag: whether it exempts the key, until when, or why not
 * @param scopes     the policy's scopes that applied to the key
 */
record KeyReport(String keyArn, Outcome outcome, Optional<String> reason, Optional<SkipReason> skipped, TagChanges changes,
        List<Violation> violations, List<String> accessControlTags, Optional<String> keyPolicy, Optional<Exemption> exemption,
        List<String> scopes) {
    /** An exemption ending this many days from the report's day or sooner is flagged: time to renew it or fix the key. */
    static final int ENDING_SOON_DAYS = 30;

    KeyReport {
        violations = List.copyOf(violations);
        accessControlTags = List.copyOf(accessControlTags);
        scopes = List.copyOf(scopes);
    }

    /** A key whose key policy was not looked at. */
    KeyReport(String keyArn, Outcome outcome, Optional<String> reason, Optional<SkipReason> skipped, TagChanges changes,
            List<Violation> violations) {
        this(keyArn, outcome, reason, skipped, changes, violations, List.of(), Optional.empty(), Optional.empty(), List.of());
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
                result.violations(),
                result.accessControlTags(),
                result.keyPolicy(),
                result.exemption(), result.scopes());
    }

    /** An exemption that still exempts the key and ends within {@link #ENDING_SOON_DAYS} days of {@code today}. */
    boolean exemptionEndsSoon(LocalDate today) {
        return exemption.filter(held -> held.endsWithin(today, ENDING_SOON_DAYS)).isPresent();
    }

    /** What the key policy check found, as detail lines: each access-control tag, and a key policy that could not be read. */
    List<String> keyPolicyLines() {
        List<String> lines = new ArrayList<>();
        accessControlTags.forEach(tag -> lines.add(tag + ": a key policy condition (aws:ResourceTag) names it"));
        keyPolicy.filter(status -> !status.equals(TagEnforcer.KEY_POLICY_READ)).ifPresent(status -> lines.add("key policy " + status));
        return lines;
    }

    /** {@code key PROBLEM: detail} */
    static String describe(Violation violation) {
        return violation.key() + " " + violation.problem() + ": " + violation.detail();
    }

    boolean wouldChange() {
        return outcome == Outcome.REPORTED;
    }
}
