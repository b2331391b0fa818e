package io.kmstagenforcer.plan;

import io.kmstagenforcer.policy.KeyGlob;
import io.kmstagenforcer.policy.KeyScope;
import io.kmstagenforcer.policy.RequiredTag;
import io.kmstagenforcer.policy.TagPolicy;
import io.kmstagenforcer.policy.TagSyntax;
import io.kmstagenforcer.policy.ValueTemplate;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * Works out what to write so that a key's tags satisfy the policy: a pure function of the current
 * tags, the policy, the {@link KeyContext} template values are drawn from, and the day an exemption's end date is judged on. It never touches {@code aws:} tags, never
 * plans past KMS's 50-tag limit, and orders the writes so that no tag value is lost.
 *
 * <p>A tag matching {@code protectedTags} is never removed, renamed or given another value, whatever
 * rule asks for it: each refused change is a {@link Problem#PROTECTED} violation instead. A missing
 * protected required tag may still be added (adding takes no access away).
 */
public final class TagPlanner {

    private TagPlanner() {
    }

    /**
     * The plan for a key, with the rules of every scope that applies to it. Scopes match on the tags
     * the key holds once the base policy's plan is applied (so a scope on {@code Environment=prod}
     * applies to a key the base rules are giving {@code Environment=prod}), and on what {@code context}
     * knows of the key. The parser lets no scope change or keep a tag a scope matches on, so the scopes
     * that apply after the plan is applied are the same: planning again plans nothing.
     *
     * @param today the day (UTC) an exemption's end date is judged on: the caller's clock, never read here
     */
    public static TagPlan plan(Map<String, String> currentTags, TagPolicy policy, KeyContext context, LocalDate today) {
        Optional<Exemption> exemption = Exemption.of(currentTags, policy, today);
        if (exemption.filter(Exemption::honoured).isPresent()) {
            return TagPlan.exemptPlan(exemption.get());
        }
        if (policy.scopes().isEmpty()) {
            return planRules(currentTags, policy, context, exemption);
        }
        TagPlan base = planRules(currentTags, policy.base(), context, exemption);
        Map<String, String> afterBase = base.appliedTo(currentTags);
        List<KeyScope> applied = policy.scopes().stream().filter(scope -> scope.match().matches(context.facts(), afterBase)).toList();
        if (applied.isEmpty()) {
            return base;
        }
        return planRules(currentTags, policy.withScopes(applied), context, exemption)
                .withScopes(applied.stream().map(KeyScope::name).toList());
    }

    /** The plan for one set of rules: the base policy's, or the base's with the scopes' added; an exemption not honoured is said. */
    private static TagPlan planRules(Map<String, String> currentTags, TagPolicy policy, KeyContext context, Optional<Exemption> exemption) {
        Draft draft = new Draft(currentTags, exemption);
        currentTags.forEach((key, value) -> {
            if (!TagSyntax.isReserved(key)) {
                policy.forbidden().stream().filter(glob -> glob.matches(key)).findFirst()
                        .ifPresent(glob -> draft.remove(key, Problem.FORBIDDEN, "matches forbidden \"" + glob.glob() + "\""));
            }
        });
        for (RequiredTag tag : policy.required()) {
            planRequired(draft, tag, policy.normalizeKeyCase(), context);
        }
        draft.keepProtected(policy);
        return draft.fitWithinTagLimit();
    }

    private static void planRequired(Draft draft, RequiredTag tag, boolean normalizeKeyCase, KeyContext context) {
        Map<String, String> current = draft.current;
        Optional<ValueTemplate> template = tag.fixedValue().or(tag::defaultValue);
        Optional<String> held = Optional.ofNullable(current.get(tag.key()));
        // A value an earlier run wrote without the creation record is no one's choice: the record's own rendering replaces it.
        boolean placeholder = held.filter(value -> template.filter(rule -> context.isPlaceholder(tag.key(), rule, value)).isPresent())
                .isPresent();
        Optional<String> present = placeholder ? Optional.empty() : held;
        // The organisation's capitalisation is the one its tag policy requires, whatever normalizeKeyCase says.
        List<String> variants = normalizeKeyCase || tag.organization().isPresent() ? caseVariants(current, tag.key()) : List.of();
        if (tag.onlyWhenPresent() && held.isEmpty() && variants.isEmpty()) {
            return;
        }
        Optional<String> carried = present.isPresent()
                ? Optional.empty()
                : variants.stream().map(current::get).filter(tag::accepts).findFirst();
        Optional<String> candidate = present.or(() -> carried).or(() -> variants.stream().findFirst().map(current::get));

        Optional<String> target;
        if (tag.fixedValue().filter(value -> !context.canRender(value)).isPresent() && candidate.isPresent()) {
            // The value was rendered from the creation record, which this context does not have:
            // what the key holds is the best value there is.
            target = candidate;
            candidate.filter(value -> !tag.organizationAllows(value))
                    .ifPresent(value -> draft.violation(tag.key(), Problem.INVALID_VALUE, "left as it is: " + tag.refusal(value)));
        } else if (candidate.filter(tag::accepts).isEmpty() && template.filter(context::leavesForLaterRecord).isPresent()) {
            // Only a record still to come can render it: writing unknown now would stand in that record's way.
            target = Optional.empty();
            draft.violation(tag.key(), Problem.AWAITING_CREATION_RECORD, "not set: only the key's creation record can give \""
                    + template.get() + "\", and it is still to come");
        } else if (placeholder && tag.remedy(context.values()).equals(held)) {
            // The creation record renders the same (an AWS service has no ARN either): nothing to replace.
            target = held;
        } else if (placeholder) {
            target = tag.remedy(context.values()).filter(tag::accepts).or(() -> held);
            if (!target.equals(held)) {
                draft.violation(tag.key(), Problem.MISSING, "replaced \"" + held.get()
                        + "\", written before the creation record was read, by the creation record's value");
            }
        } else if (tag.fixedValue().isPresent() && !tag.remedy(context.values()).filter(tag::organizationAllows).isPresent()) {
            target = Optional.empty();
            draft.violation(tag.key(), candidate.isPresent() ? Problem.INVALID_VALUE : Problem.MISSING,
                    "not fixed: its fixed value renders to a value the organisation refuses: " + tag.refusal(tag.remedy(context.values()).get()));
        } else if (tag.fixedValue().isPresent()) {
            target = tag.remedy(context.values());
            if (candidate.isEmpty()) {
                draft.violation(tag.key(), Problem.MISSING, "set to its fixed value");
            } else if (!candidate.equals(target)) {
                draft.violation(tag.key(), Problem.WRONG_VALUE, "replaced by its fixed value");
            }
        } else if (candidate.filter(tag::accepts).isPresent()) {
            target = candidate;
        } else {
            Optional<String> remedy = tag.remedy(context.values());
            target = remedy.filter(tag::accepts);
            Problem problem = candidate.isPresent() ? Problem.INVALID_VALUE : Problem.MISSING;
            // Said only when the organisation is the reason: a local rule's refusal reads as it always has.
            String why = candidate.filter(value -> !tag.organizationAllows(value)).map(value -> " (" + tag.organization().get().refusal(value) + ")")
                    .or(() -> tag.organization().filter(rule -> rule.required()).map(rule -> " (" + rule.requirement() + ")")).orElse("");
            draft.violation(tag.key(), problem, target.isPresent() ? "set to the default" + why
                    : remedy.map(value -> "not fixed: the default renders to \"" + value + "\", which "
                            + (tag.acceptsLocally(value) ? "is refused: " + tag.refusal(value) : "the tag's rules reject"))
                            .orElse("not fixed: the policy gives no default" + why));
        }
        if (target.isEmpty()) {
            String spelling = tag.organization().map(rule -> " (" + rule.spelling() + ")").orElse("");
            variants.forEach(variant -> draft.violation(variant, Problem.WRONG_CASE, "left as it is: \"" + tag.key() + "\" has no value to take"
                    + spelling));
            return;
        }
        // The value is carried when it stands only on a variant about to be removed: tag before untag.
        boolean carriesValue = present.isEmpty() && variants.stream().map(current::get).anyMatch(target.get()::equals);
        for (String variant : variants) {
            draft.remove(variant, Problem.WRONG_CASE, present.isPresent() || !carriesValue
                    ? "removed: \"" + tag.key() + "\" holds the value"
                    : "renamed to \"" + tag.key() + "\"");
        }
        if (!target.equals(held)) {
            draft.set(tag.key(), target.get(), variants, carriesValue);
        }
    }

    /** Keys equal to {@code key} but for case, in the order the key holds them. */
    private static List<String> caseVariants(Map<String, String> current, String key) {
        return current.keySet().stream()
                .filter(other -> !other.equals(key) && other.equalsIgnoreCase(key) && !TagSyntax.isReserved(other))
                .toList();
    }

    /** A tag to write, with the case variants whose removal depends on it. */
    private record Addition(String key, String value, List<String> variants, boolean carriesValue) {
    }

    /** The plan while it is being worked out. */
    private static final class Draft {
        private final Map<String, String> current;
        private final long userTags;
        private final List<Addition> additions;
        private final Map<String, String> removals;
        private final List<Violation> violations;

        /** An exemption tag that does not exempt the key (expired, not honoured), for the plan to say so. */
        private final Optional<Exemption> exemption;

        Draft(Map<String, String> current, Optional<Exemption> exemption) {
            this(current, exemption, List.of(), Map.of(), List.of());
        }

        private Draft(Map<String, String> current, Optional<Exemption> exemption, List<Addition> additions, Map<String, String> removals,
                List<Violation> violations) {
            this.current = current;
            this.exemption = exemption;
            this.userTags = current.keySet().stream().filter(key -> !TagSyntax.isReserved(key)).count();
            this.additions = new ArrayList<>(additions);
            this.removals = new LinkedHashMap<>(removals);
            this.violations = new ArrayList<>(violations);
        }

        void set(String key, String value, List<String> variants, boolean carriesValue) {
            additions.add(new Addition(key, value, variants, carriesValue));
        }

        void remove(String key, Problem problem, String detail) {
            removals.put(key, current.get(key));
            violation(key, problem, detail);
        }

        void violation(String key, Problem problem, String detail) {
            violations.add(new Violation(key, problem, detail));
        }

        /**
         * Takes out every removal of a protected tag and every new value for a present protected
         * tag, before the tag limit is weighed (a kept tag keeps its slot). A rename whose old key is
         * protected still adds the new key, with the old one left in place.
         */
        void keepProtected(TagPolicy policy) {
            for (String key : List.copyOf(removals.keySet())) {
                policy.protection(key).ifPresent(glob -> {
                    removals.remove(key);
                    refuse(key, glob, "remove it");
                });
            }
            for (int i = additions.size() - 1; i >= 0; i--) {
                Addition addition = additions.get(i);
                Optional<KeyGlob> protection = current.containsKey(addition.key()) ? policy.protection(addition.key()) : Optional.empty();
                if (protection.isPresent()) {
                    additions.remove(i);
                    refuse(addition.key(), protection.get(), "replace its value");
                    continue;
                }
                List<String> stillRemoved = addition.variants().stream().filter(removals::containsKey).toList();
                if (stillRemoved.size() != addition.variants().size()) {
                    additions.set(i, new Addition(addition.key(), addition.value(), stillRemoved,
                            addition.carriesValue() && !stillRemoved.isEmpty()));
                }
            }
        }

        /** Replaces the violation that asked for a change to {@code key} by the protection that refuses it. */
        private void refuse(String key, KeyGlob glob, String change) {
            String asked = violations.stream().filter(violation -> violation.key().equals(key)).findFirst()
                    .map(violation -> " (" + violation.problem() + ")").orElse("");
            violations.removeIf(violation -> violation.key().equals(key));
            violation(key, Problem.PROTECTED, "left as it is: protected by protectedTags \"" + glob.glob() + "\"; the policy would "
                    + change + asked);
        }

        /**
         * Keeps every step within 50 user tags. When all of it does not fit, two ways are weighed:
         * tag first (renames kept, fewer new tags), or remove first, which frees the forbidden
         * tags' slots but is only safe once no value is carried from a removed tag. The one that
         * adds more tags wins; on a tie, tagging first.
         */
        TagPlan fitWithinTagLimit() {
            if (fitsTaggingFirst()) {
                return build(WriteOrder.TAG_FIRST);
            }
            Draft tagFirst = copy();
            tagFirst.dropNewKeysUntil(tagFirst::fitsTaggingFirst);
            Draft untagFirst = copy();
            untagFirst.dropValueCarryingRenames();
            untagFirst.dropNewKeysUntil(untagFirst::fitsRemovingFirst);
            return untagFirst.newKeys() > tagFirst.newKeys()
                    ? untagFirst.build(WriteOrder.UNTAG_FIRST)
                    : tagFirst.build(WriteOrder.TAG_FIRST);
        }

        private boolean fitsTaggingFirst() {
            return newKeys() == 0 || userTags + newKeys() <= TagSyntax.MAX_TAGS_PER_KEY;
        }

        private boolean fitsRemovingFirst() {
            return newKeys() == 0 || userTags - removals.size() + newKeys() <= TagSyntax.MAX_TAGS_PER_KEY;
        }

        private long newKeys() {
            return additions.stream().filter(addition -> !current.containsKey(addition.key())).count();
        }

        private Draft copy() {
            return new Draft(current, exemption, additions, removals, violations);
        }

        private void dropNewKeysUntil(BooleanSupplier fits) {
            for (int i = additions.size() - 1; i >= 0 && !fits.getAsBoolean(); i--) {
                if (!current.containsKey(additions.get(i).key())) {
                    drop(i);
                }
            }
        }

        private void dropValueCarryingRenames() {
            for (int i = additions.size() - 1; i >= 0; i--) {
                if (additions.get(i).carriesValue()) {
                    drop(i);
                }
            }
        }

        /** Gives up one addition, keeping the case variants whose removal depended on it. */
        private void drop(int index) {
            Addition addition = additions.remove(index);
            addition.variants().forEach(removals::remove);
            violations.removeIf(violation -> violation.key().equals(addition.key())
                    || addition.variants().contains(violation.key()));
            violation(addition.key(), Problem.TAG_LIMIT, "not added: the key would exceed "
                    + TagSyntax.MAX_TAGS_PER_KEY + " tags");
            addition.variants().forEach(variant -> violation(variant, Problem.WRONG_CASE,
                    "left as it is: \"" + addition.key() + "\" could not be added"));
        }

        private TagPlan build(WriteOrder order) {
            Map<String, String> toSet = new LinkedHashMap<>();
            Map<String, String> previous = new LinkedHashMap<>();
            for (Addition addition : additions) {
                toSet.put(addition.key(), addition.value());
                if (current.containsKey(addition.key())) {
                    previous.put(addition.key(), current.get(addition.key()));
                }
            }
            previous.putAll(removals);
            return new TagPlan(toSet, List.copyOf(removals.keySet()), previous, violations, order, exemption);
        }
    }
}
