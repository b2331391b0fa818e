package io.kmstagenforcer.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kmstagenforcer.enforce.EnforcementResult;
import io.kmstagenforcer.enforce.NotFoundRetry;
import io.kmstagenforcer.enforce.Outcome;
import io.kmstagenforcer.enforce.TagEnforcer;
import io.kmstagenforcer.event.EnforcerIdentity;
import io.kmstagenforcer.event.KeyArn;
import io.kmstagenforcer.kms.Deadline;
import io.kmstagenforcer.kms.KmsKeys;
import io.kmstagenforcer.org.OrganizationPolicy;
import io.kmstagenforcer.policy.OrganizationTagPolicy;
import io.kmstagenforcer.policy.OrganizationTagRule;
import io.kmstagenforcer.policy.OrganizationTags;
import io.kmstagenforcer.policy.Policies;
import io.kmstagenforcer.policy.RequiredTag;
import io.kmstagenforcer.policy.TagPolicy;
import io.kmstagenforcer.sweep.FakeKms;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.PropertyDefaults;
import net.jqwik.api.Provide;

/**
 * The organisation's tag policy on top of the local one, over generated input: random effective tag policies (read by the real
 * {@link OrganizationTagPolicy} parser, in the effective or the authored form), random local policies naming some of the same keys
 * in any case, and random tag sets holding those keys in any case with allowed and refused values. Runs on
 * {@link TagPlannerPropertiesTest#SEED}.
 */
@PropertyDefaults(edgeCases = EdgeCasesMode.NONE)
class OrganizationTagPolicyPropertiesTest {
    private static final LocalDate TODAY = LocalDate.of(2024, 5, 1);
    private static final KeyContext CONTEXT = new KeyContext(Map.of(), Set.of());
    private static final String ACCOUNT = "444455556666";
    /** Violations name the policy they come from: a file here, as scripts/simulate reads it, and "of account ..." when read live. */
    private static final String ORG_POLICY = "of account " + ACCOUNT;
    private static final Clock NOW = Clock.fixed(TODAY.atStartOfDay(ZoneOffset.UTC).toInstant(), ZoneOffset.UTC);
    private static final List<String> NAMES = List.of("costcenter", "project", "owner", "environment");
    private static final List<String> ORG_VALUES = List.of("100", "200", "300*", "prod", "dev", "*@example.com");
    private static final List<String> VALUES = List.of("100", "200", "3005", "400", "prod", "Prod", "dev", "x", "ops@example.com",
            "ops@example.org");

    /** After the plan, every organisation key the merge kept complies with the organisation's policy, or a violation names the policy. */
    @Property(seed = TagPlannerPropertiesTest.SEED)
    void afterThePlanEveryOrganisationKeyCompliesOrAViolationNamesTheOrganisationPolicy(@ForAll("cases") Case example) {
        TagPlan plan = example.plan();
        Map<String, String> after = plan.appliedTo(example.tags());
        for (OrganizationTagRule rule : example.keptRules()) {
            boolean complies = complies(after, rule);
            boolean said = plan.violations().stream()
                    .anyMatch(violation -> violation.key().equalsIgnoreCase(rule.tagKey()) && violation.detail().contains(ORG_POLICY));
            assertTrue(complies || said, () -> rule + " neither complies nor is said, after " + after + ": " + plan);
        }
    }

    @Property(seed = TagPlannerPropertiesTest.SEED)
    void aSecondPlanPlansNothing(@ForAll("cases") Case example) {
        Map<String, String> after = example.plan().appliedTo(example.tags());

        assertFalse(TagPlanner.plan(after, example.policy(), CONTEXT, TODAY).hasChanges(), () -> "after " + after);
    }

    /** In particular, no write is one KMS refuses under enforced_for. */
    @Property(seed = TagPlannerPropertiesTest.SEED)
    void noWriteSetsAValueTheOrganisationRefuses(@ForAll("cases") Case example) {
        example.plan().toSet().forEach((key, value) -> example.organization().rules().stream()
                .filter(rule -> rule.tagKey().equalsIgnoreCase(key))
                .forEach(rule -> assertTrue(rule.allows(value), () -> key + "=" + value + " written against " + rule)));
    }

    private static boolean complies(Map<String, String> tags, OrganizationTagRule rule) {
        boolean variant = tags.keySet().stream().anyMatch(key -> !key.equals(rule.tagKey()) && key.equalsIgnoreCase(rule.tagKey()));
        Optional<String> value = Optional.ofNullable(tags.get(rule.tagKey()));
        return !variant && (value.isPresent() || !rule.required()) && value.map(rule::allows).orElse(true);
    }

    /**
     * End to end, one key at a time: the enforcer with the account's policy read through {@link OrganizationPolicy}, writing to a
     * fake KMS. Afterwards the key complies with its account's policy and the local one (COMPLIANT, REMEDIATED), or it is
     * NONCOMPLIANT with a violation naming each organisation key it still breaks; and a second run writes nothing.
     */
    @Property(seed = TagPlannerPropertiesTest.SEED, tries = 300)
    void afterEnforcementAKeyCompliesOrIsNoncompliantNamingWhatItBreaksAndASecondRunWritesNothing(@ForAll("cases") Case example) {
        FakeKms kms = new FakeKms(() -> 0L, ACCOUNT).key("k", example.tags());
        TagEnforcer enforcer = new TagEnforcer(example.local(), new OrganizationPolicy(example.local(),
                (account, deadline) -> Optional.of(example.organization()), NOW, warning -> { }, notice -> { }),
                new KmsKeys(region -> kms), NotFoundRetry.NONE, NOW, EnforcerIdentity.NONE);
        KeyArn key = KeyArn.parse(kms.arn("k"));

        EnforcementResult first = enforcer.enforceListedKey(key, Deadline.NONE);
        long writes = kms.count("TagResource") + kms.count("UntagResource");
        EnforcementResult second = enforcer.enforceListedKey(key, Deadline.NONE);

        Map<String, String> after = kms.tagsOf("k");
        List<OrganizationTagRule> broken = example.keptRules().stream().filter(rule -> !complies(after, rule)).toList();
        boolean localViolations = TagPlanner.plan(after, example.policy(), CONTEXT, TODAY).violations().stream()
                .anyMatch(violation -> violation.problem() != Problem.AWAITING_CREATION_RECORD);
        if (first.outcome() == Outcome.NONCOMPLIANT) {
            broken.forEach(rule -> assertTrue(first.violations().stream().anyMatch(violation -> violation.key().equalsIgnoreCase(rule.tagKey())
                    && violation.detail().contains("of account " + ACCOUNT)), () -> rule + " broken but not named: " + first));
            assertTrue(localViolations || !broken.isEmpty(), () -> "NONCOMPLIANT, but " + after + " complies: " + first);
        } else {
            assertTrue(Set.of(Outcome.COMPLIANT, Outcome.REMEDIATED).contains(first.outcome()), first::toString);
            assertTrue(broken.isEmpty() && !localViolations, () -> first.outcome() + ", but " + after + " breaks " + broken + ": " + first);
        }
        assertEquals(writes, kms.count("TagResource") + kms.count("UntagResource"), () -> "the second run wrote: " + second);
        assertEquals(first.outcome() == Outcome.NONCOMPLIANT ? Outcome.NONCOMPLIANT : Outcome.COMPLIANT, second.outcome(), second::toString);
    }

    record Case(OrganizationTagPolicy organization, TagPolicy local, TagPolicy policy, List<OrganizationTagRule> keptRules,
            Map<String, String> tags) {
        TagPlan plan() {
            return TagPlanner.plan(tags, policy, CONTEXT, TODAY);
        }
    }

    @Provide
    Arbitrary<Case> cases() {
        return Combinators.combine(organisationPolicies(), localPolicies(), tagSets()).as((organizationJson, localJson, tags) -> {
            OrganizationTagPolicy organization = OrganizationTagPolicy.parse(ORG_POLICY, organizationJson);
            TagPolicy local = Policies.parse(localJson);
            OrganizationTags.Merge merge = OrganizationTags.merge(local, organization);
            Set<String> kept = merge.policy().required().stream().map(RequiredTag::key).collect(Collectors.toSet());
            return new Case(organization, local, merge.policy(), organization.rules().stream().filter(rule -> kept.contains(rule.tagKey())).toList(),
                    tags);
        });
    }

    /** An effective tag policy, flattened or authored with @@assign, of one to four keys. */
    private static Arbitrary<String> organisationPolicies() {
        return Arbitraries.of(NAMES).set().ofMinSize(1).ofMaxSize(4).flatMap(names -> Combinators.combine(
                        names.stream().map(OrganizationTagPolicyPropertiesTest::ruleFor).toList())
                .as(rules -> "{\"tags\":{" + String.join(",", rules) + "}}"));
    }

    private static Arbitrary<String> ruleFor(String name) {
        return Combinators.combine(Arbitraries.of(true, false), Arbitraries.of(ORG_VALUES).list().ofMaxSize(3).uniqueElements().injectNull(0.3),
                        Arbitraries.of(true, false), Arbitraries.of(true, false), Arbitraries.of(true, false))
                .as((capitalised, values, required, enforced, authored) -> {
                    List<String> fields = new ArrayList<>();
                    if (capitalised) {
                        fields.add(field("tag_key", quoted(Character.toUpperCase(name.charAt(0)) + name.substring(1)), authored));
                    }
                    if (values != null) {
                        fields.add(field("tag_value", list(values), authored));
                    }
                    if (required) {
                        fields.add(field("report_required_tag_for", list(List.of("kms:key")), authored));
                    }
                    if (enforced) {
                        fields.add(field("enforced_for", list(List.of("kms:ALL_SUPPORTED")), authored));
                    }
                    return quoted(name) + ":{" + String.join(",", fields) + "}";
                });
    }

    /** A local policy requiring some of the same keys, each in one case, with a default or not, a pattern or not. */
    private static Arbitrary<String> localPolicies() {
        Arbitrary<String> rule = Combinators.combine(Arbitraries.of(VALUES).injectNull(0.4), Arbitraries.of("^[0-9]+$", "^[a-z]+$").injectNull(0.7))
                .as((defaultValue, pattern) -> {
                    String text = "{";
                    if (pattern != null && defaultValue != null && !defaultValue.matches(pattern.substring(1, pattern.length() - 1))) {
                        pattern = null;
                    }
                    text += defaultValue == null ? "" : "'default':'" + defaultValue + "'";
                    text += pattern == null ? "" : (defaultValue == null ? "" : ",") + "'pattern':'" + pattern + "'";
                    return text + "}";
                });
        Arbitrary<Map<String, String>> required = Arbitraries.of(NAMES).set().ofMaxSize(3).flatMap(names -> Combinators.combine(
                        names.stream().map(name -> Combinators.combine(casings(name), rule).as((key, spec) -> Map.entry(key, spec))).toList())
                .as(entries -> entries.stream().collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, (a, b) -> a, LinkedHashMap::new))));
        return Combinators.combine(required, Arbitraries.of(true, false))
                .as((rules, normalize) -> "{'normalizeKeyCase':" + normalize + ",'required':{" + rules.entrySet().stream()
                        .map(entry -> "'" + entry.getKey() + "':" + entry.getValue()).collect(Collectors.joining(",")) + "}}");
    }

    /** Up to six tags: the policies' keys in any case (two cases of one key at once too), and an unrelated one. */
    private static Arbitrary<Map<String, String>> tagSets() {
        Arbitrary<String> keys = Arbitraries.oneOf(Arbitraries.of(NAMES).flatMap(OrganizationTagPolicyPropertiesTest::casings),
                Arbitraries.just("Team"));
        return Arbitraries.maps(keys, Arbitraries.of(VALUES)).ofMaxSize(6);
    }

    private static Arbitrary<String> casings(String name) {
        return Arbitraries.of(name, Character.toUpperCase(name.charAt(0)) + name.substring(1), name.toUpperCase(Locale.ROOT));
    }

    private static String field(String name, String value, boolean authored) {
        return quoted(name) + ":" + (authored ? "{\"@@assign\":" + value + "}" : value);
    }

    private static String list(List<String> values) {
        return values.stream().map(OrganizationTagPolicyPropertiesTest::quoted).collect(Collectors.joining(",", "[", "]"));
    }

    private static String quoted(String text) {
        return "\"" + text + "\"";
    }
}
