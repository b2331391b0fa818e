package io.kmstagenforcer.output;

import io.kmstagenforcer.enforce.EnforcementResult;
import io.kmstagenforcer.enforce.Outcome;
import io.kmstagenforcer.plan.Problem;
import io.kmstagenforcer.plan.Violation;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;
import java.util.List;
import java.util.Map;

/**
 * A result in words, for people: what happened to the key ({@link #summary}) and what, if anything,
 * a person should do ({@link #nextStep}). Carried by the decision event's detail (the notification
 * mail shows both) and by the Security Hub finding's description and recommendation. Never a
 * replaced value: those stay in the decision line.
 */
public final class DecisionText {
    private DecisionText() {
    }

    public static String summary(EnforcementResult result) {
        List<String> sentences = new ArrayList<>();
        switch (result.outcome()) {
            case FAILED -> sentences.add("Could not be enforced: " + result.reason().orElse("no reason given") + ".");
            case REPORTED -> changes(sentences, "Would add ", result.wouldAdd(), "would remove ", result.wouldRemove(), List.of());
            case REMEDIATED -> changes(sentences, "Added ", result.added(), "removed ", result.removed(),
                    result.added().keySet().stream().filter(result.previousValues()::containsKey).toList());
            case COMPLIANT -> sentences.add("Complies with the tagging policy.");
            default -> result.reason().ifPresent(reason -> sentences.add(reason + "."));
        }
        List<Violation> unresolved = unresolved(result);
        if (!unresolved.isEmpty()) {
            sentences.add((result.outcome() == Outcome.REMEDIATED ? "Still against the policy: " : "Against the policy, with no fix it can make: ")
                    + String.join("; ", unresolved.stream().map(DecisionText::violation).toList()) + ".");
        }
        return String.join(" ", sentences);
    }

    /**
     * The violations this run left as they are, and enforce mode would too: those whose tag it did
     * not write or remove (nor would, in report mode). The others it fixed, or would.
     */
    public static List<Violation> unresolved(EnforcementResult result) {
        Set<String> handled = new HashSet<>(result.added().keySet());
        handled.addAll(result.removed());
        handled.addAll(result.wouldAdd().keySet());
        handled.addAll(result.wouldRemove());
        return result.violations().stream().filter(violation -> !handled.contains(violation.key())).toList();
    }

    /** Whether a person must act: the key failed, or breaks the policy in a way no run of the enforcer will fix. */
    public static boolean needsAPerson(EnforcementResult result) {
        return result.outcome() == Outcome.FAILED
                || unresolved(result).stream().anyMatch(violation -> violation.problem() != Problem.AWAITING_CREATION_RECORD);
    }

    public static String nextStep(EnforcementResult result) {
        if (result.outcome() == Outcome.FAILED) {
            return "Fix what the reason names (usually the key policy, which must let the enforcer's role tag the key, "
                    + "or a tag value KMS refuses), then replay the event or wait for the next sweep.";
        }
        if (needsAPerson(result)) {
            return "The policy has no value to write for these tags: set them on the key (aws kms tag-resource), or exempt it "
                    + "with the policy's exemption tag. The next sweep checks it again.";
        }
        if (!unresolved(result).isEmpty()) {
            return "Nothing yet: the key's creation record, which gives the missing values, is still to come.";
        }
        if (result.outcome() == Outcome.REPORTED) {
            return "Nothing yet: the enforcer is in report mode. These changes are made once Mode is enforce.";
        }
        return "Nothing: the key complies. A replaced value is kept in the decision log line of this request.";
    }

    private static void changes(List<String> sentences, String addVerb, Map<String, String> added, String removeVerb,
            List<String> removed, List<String> replaced) {
        List<String> parts = new ArrayList<>();
        if (!added.isEmpty()) {
            parts.add(addVerb + String.join(", ", added.entrySet().stream().map(tag -> tag.getKey() + "=" + tag.getValue()).toList()));
        }
        if (!replaced.isEmpty()) {
            parts.add("replaced the value of " + String.join(", ", replaced) + " (the old value is in the decision log)");
        }
        if (!removed.isEmpty()) {
            parts.add((parts.isEmpty() ? capitalised(removeVerb) : removeVerb) + String.join(", ", removed));
        }
        if (!parts.isEmpty()) {
            sentences.add(String.join("; ", parts) + ".");
        }
    }

    private static String violation(Violation violation) {
        return violation.key() + " " + violation.problem().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ')
                + (violation.detail() == null || violation.detail().isBlank() ? "" : " (" + violation.detail() + ")");
    }

    private static String capitalised(String text) {
        return Character.toUpperCase(text.charAt(0)) + text.substring(1);
    }
}
