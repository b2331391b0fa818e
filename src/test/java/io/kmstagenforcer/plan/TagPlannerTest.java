package io.kmstagenforcer.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import io.kmstagenforcer.event.KeyArn;
import io.kmstagenforcer.policy.KeyGlob;
import io.kmstagenforcer.policy.Mode;
import io.kmstagenforcer.policy.Policies;
import io.kmstagenforcer.policy.TagPolicy;
import io.kmstagenforcer.policy.TagSyntax;
import io.kmstagenforcer.policy.TemplateVariable;
import java.time.LocalDate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The planner: what a key's tags need so that they satisfy the policy, within KMS's 50-tag limit,
 * without touching {@code aws:} tags and without ever losing a value a rename carries.
 *
 * <p>The timeout makes a planner that loops forever fail instead of hanging the build (in a separate
 * thread, since a busy loop cannot be interrupted).
 */
@Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class TagPlannerTest {
    /** The day exemptions are judged on: these plans carry no dated exemption. */
    private static final LocalDate TODAY = LocalDate.of(2024, 5, 1);
    private static final String PRINCIPAL_ARN = "arn:aws:sts::111122223333:assumed-role/Admin/alice";
    private static final KeyContext EVENT = new KeyContext(Map.of(
            TemplateVariable.ACCOUNT, "111122223333",
            TemplateVariable.REGION, "eu-west-1",
            TemplateVariable.KEY_ID, "1234abcd-12ab-34cd-56ef-1234567890ab",
            TemplateVariable.PRINCIPAL, "alice",
            TemplateVariable.PRINCIPAL_ARN, PRINCIPAL_ARN,
            TemplateVariable.PRINCIPAL_TYPE, "AssumedRole",
            TemplateVariable.EVENT_TIME, "2024-05-01T12:34:56Z",
            TemplateVariable.EVENT_DATE, "2024-05-01",
            TemplateVariable.EVENT_NAME, "CreateKey"), Set.of());

    /** The contract's sample: Owner, CostCenter, Environment, CreatedBy; tmp:* and Scratch forbidden; keys normalised. */
    private static final TagPolicy SAMPLE = Policies.sample();
    /** Tags that satisfy {@link #SAMPLE}, in a fixed order. */
    private static final Map<String, String> COMPLIANT = Collections.unmodifiableMap(tags(
            "Owner", "alice", "CostCenter", "1234", "Environment", "prod", "CreatedBy", PRINCIPAL_ARN));

    private static final String OWNER_NORMALIZED = "{'normalizeKeyCase':true,'required':{'Owner':{'default':'${principal}'}}}";
    private static final String OWNER_NORMALIZED_TMP_FORBIDDEN =
            "{'forbidden':['tmp:*'],'normalizeKeyCase':true,'required':{'Owner':{'default':'${principal}'}}}";
    private static final String ENVIRONMENT_NORMALIZED =
            "{'normalizeKeyCase':true,'required':{'Environment':{'default':'dev','allowed':['prod','staging','dev']}}}";
    /** Three tags with literal defaults, plus a forbidden glob: for the tag limit. */
    private static final String A_B_C = "{'forbidden':['tmp:*'],'required':{'A':{'default':'a'},'B':{'default':'b'},'C':{'default':'c'}}}";

    // ------------------------------------------------------------------ required tags

    @Test
    void missingTagGetsItsDefault() {
        TagPlan plan = plan("{'required':{'CostCenter':{'default':'unassigned'}}}", tags());

        assertPlan(plan, Map.of("CostCenter", "unassigned"), List.of(), Map.of(), "CostCenter:MISSING");
    }

    @Test
    void missingTagGetsItsTemplatedDefaultRenderedFromTheEvent() {
        TagPlan plan = plan("{'required':{'Owner':{'default':'${principal}@${account}/${eventDate}'}}}", tags());

        assertEquals(Map.of("Owner", "alice@111122223333/2024-05-01"), plan.toSet());
    }

    @Test
    void templatedDefaultRendersUnknownForAVariableTheEventLacks() {
        TagPlan plan = TagPlanner.plan(tags(), Policies.parse("{'required':{'Role':{'default':'${principal.role}'}}}"), EVENT, TODAY);

        assertEquals(Map.of("Role", "unknown"), plan.toSet());
    }

    @Test
    void invalidValueIsReplacedByTheDefaultAndThePreviousValueRecorded() {
        TagPlan plan = plan(SAMPLE, compliantWith("CostCenter", "abc"));

        assertPlan(plan, Map.of("CostCenter", "unassigned"), List.of(), Map.of("CostCenter", "abc"), "CostCenter:INVALID_VALUE");
    }

    @ParameterizedTest(name = "{0}={1} -> {2}")
    @CsvSource({
            "Environment, prod,       prod",
            "Environment, staging,    staging",
            "Environment, Prod,       dev",
            "Environment, PROD,       dev",
            "Environment, production, dev",
            "CostCenter,  unassigned, unassigned",
            "CostCenter,  Unassigned, unassigned",
            "CostCenter,  12345,      unassigned"})
    void allowedListAndPatternAreCaseSensitive(String key, String value, String expected) {
        TagPlan plan = plan(SAMPLE, compliantWith(key, value));

        assertEquals(value.equals(expected) ? Map.of() : Map.of(key, expected), plan.toSet());
    }

    @Test
    void fixedValueOverwritesAnyOtherValue() {
        TagPlan plan = plan(SAMPLE, compliantWith("CreatedBy", "bob"));

        assertPlan(plan, Map.of("CreatedBy", PRINCIPAL_ARN), List.of(), Map.of("CreatedBy", "bob"), "CreatedBy:WRONG_VALUE");
    }

    @Test
    void fixedValueAlreadyPresentChangesNothing() {
        TagPlan plan = plan("{'required':{'CreatedBy':{'value':'${principal.arn}'}}}", tags("CreatedBy", PRINCIPAL_ARN));

        assertNoChanges(plan);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void tagWithNeitherDefaultNorValueIsReportedButNeverWritten(String why, Map<String, String> current, Problem problem) {
        TagPlan plan = plan("{'required':{'Owner':{'pattern':'^[a-z]+$'}}}", current);

        assertNoChanges(plan, "Owner:" + problem);
    }

    static Stream<Arguments> tagWithNeitherDefaultNorValueIsReportedButNeverWritten() {
        return Stream.of(
                arguments("missing", tags(), Problem.MISSING),
                arguments("invalid", tags("Owner", "Bob"), Problem.INVALID_VALUE));
    }

    @Test
    void defaultThatRendersToAValueTheRulesRejectIsReportedButNotWritten() {
        TagPlan plan = plan("{'required':{'Team':{'default':'${principal}','allowed':['payments','search']}}}", tags());

        assertNoChanges(plan, "Team:MISSING");
    }

    // ------------------------------------------------------------------ forbidden tags

    @ParameterizedTest(name = "\"{0}\" removes \"{1}\"")
    @CsvSource({
            "tmp:*,    tmp:build",
            "tmp:*,    TMP:Build",
            "Scratch,  scratch",
            "build*id, build-job-id",
            "build*id, BUILDID"})
    void forbiddenGlobRemovesMatchingKeysIgnoringCase(String glob, String key) {
        TagPlan plan = plan("{'forbidden':['" + glob + "']}", tags("Team", "payments", key, "old"));

        assertPlan(plan, Map.of(), List.of(key), Map.of(key, "old"), key + ":FORBIDDEN");
    }

    @Test
    void keysNoForbiddenGlobMatchesAreKept() {
        TagPlan plan = plan("{'forbidden':['tmp:*','Scratch','build*id']}",
                tags("Scratchpad", "1", "xtmp:a", "2", "build-job-ids", "3"));

        assertNoChanges(plan);
    }

    @Test
    void awsTagsAreNeverRemovedEvenWhenAForbiddenGlobMatchesThem() {
        String awsKey = "aws:cloudformation:createdby";
        TagPolicy policy = Policies.parse("{'forbidden':['*:createdby']}");
        assertTrue(KeyGlob.of("*:createdby").matches(awsKey), "precondition: the glob matches the aws: key");

        TagPlan plan = plan(policy, tags(awsKey, "stack", "team:createdby", "bob"));

        assertEquals(List.of("team:createdby"), plan.toRemove());
    }

    // ------------------------------------------------------------------ case variants

    @Test
    void renamesCaseVariantKeyAndKeepsItsValue() {
        TagPlan plan = plan(OWNER_NORMALIZED, tags("owner", "bob"));

        assertPlan(plan, Map.of("Owner", "bob"), List.of("owner"), Map.of("owner", "bob"), "owner:WRONG_CASE");
    }

    @Test
    void renameWritesTheNewKeyBeforeRemovingTheOldOne() {
        assertEquals(WriteOrder.TAG_FIRST, plan(OWNER_NORMALIZED, tags("owner", "bob")).order());
    }

    @Test
    void caseVariantWithAnInvalidValueIsReplacedByTheDefault() {
        TagPlan plan = plan(ENVIRONMENT_NORMALIZED, tags("environment", "Production"));

        assertPlan(plan, Map.of("Environment", "dev"), List.of("environment"), Map.of("environment", "Production"),
                "Environment:INVALID_VALUE", "environment:WRONG_CASE");
    }

    @Test
    void renameTakesTheValueOfTheFirstCaseVariantTheRulesAccept() {
        TagPlan plan = plan(ENVIRONMENT_NORMALIZED, tags("environment", "Production", "ENVIRONMENT", "staging"));

        assertChanges(plan, Map.of("Environment", "staging"), List.of("environment", "ENVIRONMENT"),
                Map.of("environment", "Production", "ENVIRONMENT", "staging"));
    }

    @Test
    void caseVariantIsRemovedWhenTheExactKeyIsAlsoPresent() {
        TagPlan plan = plan(OWNER_NORMALIZED, tags("Owner", "alice", "owner", "bob"));

        assertChanges(plan, Map.of(), List.of("owner"), Map.of("owner", "bob"));
    }

    @Test
    void caseVariantIsLeftAloneWhenNormalizeKeyCaseIsOff() {
        TagPlan plan = plan("{'required':{'Owner':{'default':'${principal}'}}}", tags("owner", "bob"));

        assertChanges(plan, Map.of("Owner", "alice"), List.of(), Map.of());
    }

    @Test
    void caseVariantIsLeftAloneWhenTheRequiredTagHasNoValueToTake() {
        TagPlan plan = plan("{'normalizeKeyCase':true,'required':{'Owner':{'pattern':'^[a-z]+$'}}}", tags("owner", "Bob"));

        assertNoChanges(plan, "Owner:INVALID_VALUE", "owner:WRONG_CASE");
    }

    // ------------------------------------------------------------------ exemption

    @Test
    void exemptKeyGetsAnExemptPlanWithNothingElse() {
        Map<String, String> current = tags("tag-enforcer:exempt", "true", "tmp:x", "1", "owner", "bob", "CreatedBy", "bob");

        TagPlan plan = plan(SAMPLE, current);

        assertEquals(new TagPlan(Map.of(), List.of(), Map.of(), List.of(), WriteOrder.TAG_FIRST, plan.exemption()), plan);
        assertTrue(plan.exempt(), "exempt");
    }

    @Test
    void aKeyWhoseExemptionExpiredIsPlannedAsAnyKeyAndThePlanSaysItExpired() {
        Map<String, String> current = tags("tag-enforcer:exempt", "until 2024-04-30", "tmp:x", "1");
        Map<String, String> unexempt = tags("tmp:x", "1");

        TagPlan plan = TagPlanner.plan(current, SAMPLE, EVENT, LocalDate.of(2024, 5, 1));

        TagPlan asAnyKey = TagPlanner.plan(unexempt, SAMPLE, EVENT, LocalDate.of(2024, 5, 1));
        assertFalse(plan.exempt(), "exempt");
        assertEquals(asAnyKey.toSet(), plan.toSet());
        assertEquals(asAnyKey.toRemove(), plan.toRemove());
        assertEquals(asAnyKey.violations(), plan.violations());
        assertEquals(Optional.of(Exemption.State.EXPIRED), plan.exemption().map(Exemption::state));
    }

    @Test
    void aKeyWhoseExemptionEndsTodayIsStillExempt() {
        Map<String, String> current = tags("tag-enforcer:exempt", "until 2024-05-01", "tmp:x", "1");

        TagPlan plan = TagPlanner.plan(current, SAMPLE, EVENT, LocalDate.of(2024, 5, 1));

        assertTrue(plan.exempt(), "exempt");
        assertFalse(plan.hasChanges(), "changes");
    }

    @Test
    void aPlanAfterAnExpiredExemptionIsAFixedPoint() {
        Map<String, String> current = tags("tag-enforcer:exempt", "until 2024-04-30", "tmp:x", "1", "owner", "bob");
        LocalDate today = LocalDate.of(2024, 5, 1);
        Map<String, String> after = apply(current, TagPlanner.plan(current, SAMPLE, EVENT, today));

        TagPlan second = TagPlanner.plan(after, SAMPLE, EVENT, today);

        assertFalse(second.hasChanges(), second::toString);
        assertEquals("until 2024-04-30", after.get("tag-enforcer:exempt"), "the exemption tag is kept, as a record");
    }

    // ------------------------------------------------------------------ the 50-tag limit

    @Test
    void addsOnlyAsManyMissingTagsAsFitUnderFifty() {
        TagPlan plan = plan(A_B_C, fillers(48));

        assertPlan(plan, Map.of("A", "a", "B", "b"), List.of(), Map.of(), "A:MISSING", "B:MISSING", "C:TAG_LIMIT");
    }

    @Test
    void awsTagsDoNotCountTowardTheFiftyTagLimit() {
        Map<String, String> current = fillers(47, "aws:cloudformation:stack-name", "s", "aws:cloudformation:stack-id", "i");

        TagPlan plan = plan(A_B_C, current);

        assertEquals(Map.of("A", "a", "B", "b", "C", "c"), plan.toSet());
    }

    @ParameterizedTest(name = "{0} other tags + tmp:a -> {1}")
    @CsvSource({"0, TAG_FIRST", "46, TAG_FIRST", "47, UNTAG_FIRST"})
    void untagsFirstOnlyWhenTaggingFirstWouldPassFifty(int others, WriteOrder order) {
        TagPlan plan = plan(A_B_C, fillers(others, "tmp:a", "1"));

        assertChanges(plan, Map.of("A", "a", "B", "b", "C", "c"), List.of("tmp:a"), Map.of("tmp:a", "1"));
        assertEquals(order, plan.order());
    }

    @Test
    void dropsTheLastListedMissingTagsUntilUntaggingFirstFits() {
        TagPlan plan = plan(A_B_C, fillers(49, "tmp:a", "1"));

        assertPlan(plan, Map.of("A", "a"), List.of("tmp:a"), Map.of("tmp:a", "1"),
                "A:MISSING", "B:TAG_LIMIT", "C:TAG_LIMIT", "tmp:a:FORBIDDEN");
        assertEquals(WriteOrder.UNTAG_FIRST, plan.order());
    }

    @Test
    void renameThatWouldPassFiftyIsDroppedAndTheVariantKept() {
        TagPlan plan = plan(OWNER_NORMALIZED, fillers(49, "owner", "bob"));

        assertNoChanges(plan, "Owner:TAG_LIMIT", "owner:WRONG_CASE");
    }

    @Test
    void renameCarryingAValueIsNeverUntaggedFirst() {
        TagPlan plan = plan(OWNER_NORMALIZED_TMP_FORBIDDEN, fillers(48, "owner", "bob", "tmp:a", "1"));

        assertChanges(plan, Map.of(), List.of("tmp:a"), Map.of("tmp:a", "1"));
        assertEquals(WriteOrder.TAG_FIRST, plan.order());
    }

    @Test
    void renameDroppedAtTheLimitIsMadeOnTheNextRunOnceRemovalsHaveMadeRoom() {
        Map<String, String> current = fillers(48, "owner", "bob", "tmp:a", "1");
        Map<String, String> afterFirstRun = apply(current, plan(OWNER_NORMALIZED_TMP_FORBIDDEN, current));

        TagPlan second = plan(OWNER_NORMALIZED_TMP_FORBIDDEN, afterFirstRun);

        assertChanges(second, Map.of("Owner", "bob"), List.of("owner"), Map.of("owner", "bob"));
        assertEquals(WriteOrder.TAG_FIRST, second.order());
    }

    /**
     * 47 other tags, owner, tmp:a and tmp:b: 50. Owner (a rename carrying "bob") and CostCenter are
     * both new. Tagging first cannot fit either; untagging first can fit CostCenter but not the
     * rename, so the rename is what must go, whichever order the policy lists the two in.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            Owner listed first      | 'Owner':{'default':'${principal}'},'CostCenter':{'default':'unassigned'}
            CostCenter listed first | 'CostCenter':{'default':'unassigned'},'Owner':{'default':'${principal}'}
            """)
    void dropsACarryingRenameRatherThanAMissingTagWhenThatLetsUntaggingFirstFit(String order, String required) {
        TagPlan plan = plan("{'forbidden':['tmp:*'],'normalizeKeyCase':true,'required':{" + required + "}}",
                fillers(47, "owner", "bob", "tmp:a", "1", "tmp:b", "2"));

        assertChanges(plan, Map.of("CostCenter", "unassigned"), List.of("tmp:a", "tmp:b"), Map.of("tmp:a", "1", "tmp:b", "2"));
        assertEquals(WriteOrder.UNTAG_FIRST, plan.order());
    }

    @Test
    void caseVariantWithAnInvalidValueMayBeUntaggedFirstSinceNoValueIsCarried() {
        TagPlan plan = plan(ENVIRONMENT_NORMALIZED, fillers(49, "environment", "Production"));

        assertChanges(plan, Map.of("Environment", "dev"), List.of("environment"), Map.of("environment", "Production"));
        assertEquals(WriteOrder.UNTAG_FIRST, plan.order());
    }

    @ParameterizedTest(name = "{0} required tags hold a bad value, {1} other tags")
    @CsvSource({"0, 0", "0, 1", "0, 49", "50, 0", "25, 25", "10, 40", "1, 49"})
    void toSetNeverHoldsMoreThanFiftyEntries(int badRequired, int others) {
        Map<String, String> current = fillers(others);
        IntStream.rangeClosed(1, badRequired).forEach(i -> current.put(String.format("Tag%02d", i), "bad"));

        TagPlan plan = plan(fiftyRequiredTags(), current);

        assertTrue(plan.toSet().size() <= TagSyntax.MAX_TAGS_PER_KEY, () -> plan.toSet().size() + " tags to set");
        assertTrue(userTags(apply(current, plan)) <= TagSyntax.MAX_TAGS_PER_KEY);
        assertEquals(TagSyntax.MAX_TAGS_PER_KEY - others, plan.toSet().size(),
                "every bad value is fixed and every missing tag that fits is added");
    }

    // ------------------------------------------------------------------ whole plans

    @Test
    void alreadyCompliantKeyNeedsNoChangesAndHasNoViolations() {
        Map<String, String> current = new LinkedHashMap<>(COMPLIANT);
        current.put("Team", "payments");
        current.put("aws:cloudformation:stack-name", "keys");

        assertNoChanges(plan(SAMPLE, current));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("sampleInputs")
    void applyingAPlanAndPlanningAgainChangesNothing(String what, Map<String, String> current) {
        TagPlan again = plan(SAMPLE, apply(current, plan(SAMPLE, current)));

        assertFalse(again.hasChanges(), () -> "second plan: " + again);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource({"sampleInputs", "inputsAtTheLimit"})
    void reportModeMakesNoDifferenceToThePlan(String what, Map<String, String> current) {
        assertEquals(plan(SAMPLE, current), plan(SAMPLE.withMode(Mode.REPORT), current));
    }

    static Stream<Arguments> sampleInputs() {
        return Stream.of(
                arguments("no tags", tags()),
                arguments("compliant", new LinkedHashMap<>(COMPLIANT)),
                arguments("renamed owner", tags("owner", "bob")),
                arguments("owner next to Owner", tags("Owner", "alice", "owner", "bob", "OWNER", "carol")),
                arguments("invalid environment variant", tags("environment", "Production")),
                arguments("two environment variants, second valid", tags("environment", "Production", "ENVIRONMENT", "staging")),
                arguments("invalid values", tags("CostCenter", "abc", "Environment", "Prod", "CreatedBy", "bob")),
                arguments("createdby variant with the fixed value", tags("createdby", PRINCIPAL_ARN)),
                arguments("forbidden tags", compliantWith("tmp:build", "1", "SCRATCH", "2")),
                arguments("aws: tags", tags("aws:cloudformation:stack-name", "s", "costcenter", "1234")),
                arguments("at the limit, all compliant", fillers(46, COMPLIANT)),
                arguments("at the limit with a rename", fillers(49, "owner", "bob")));
    }

    /** Inputs whose plan the tag limit cuts short. */
    static Stream<Arguments> inputsAtTheLimit() {
        return Stream.of(
                arguments("near the limit with a rename", fillers(47, "owner", "bob")),
                arguments("at the limit with an invalid variant", fillers(49, "environment", "Production")),
                arguments("at the limit with forbidden tags and missing ones", fillers(48, "tmp:a", "1", "Scratch", "2")));
    }

    /**
     * Property over pseudo-random tag sets (fixed seed, so reproducible): however the current tags
     * look, the plan keeps to the limit at every step, leaves aws: tags alone, records what it
     * overwrites, and only untags first when it must and loses nothing by it.
     */
    @Test
    void randomTagSetsArePlannedWithinTheRules() {
        Random random = new Random(20240501);
        for (int i = 0; i < 2000; i++) {
            Map<String, String> current = randomTags(random);
            assertWithinTheRules(current, plan(SAMPLE, current));
        }
    }

    /** Property: a plan the tag limit did not cut short is a fixed point: planning again after it changes nothing. */
    @Test
    void randomPlansNotCutShortByTheLimitAreFixedPoints() {
        Random random = new Random(19700101);
        for (int i = 0; i < 2000; i++) {
            Map<String, String> current = randomTags(random);
            TagPlan first = plan(SAMPLE, current);
            if (!cutShort(first)) {
                TagPlan again = plan(SAMPLE, apply(current, first));
                assertFalse(again.hasChanges(), () -> "from " + current + ": " + first + " then " + again);
            }
        }
    }

    /**
     * Property: a plan the limit cut short makes progress, so that running the planner again on its
     * result converges, each run within the rules. (Tagging first needs headroom for the
     * intermediate state, so a rename's freed slot is only usable by the next run.)
     */
    @Test
    void randomTagSetsConvergeOverLaterRunsEachWithinTheRules() {
        Random random = new Random(19700101);
        for (int i = 0; i < 2000; i++) {
            Map<String, String> current = randomTags(random);
            assertTrue(runsUntilNoChanges(current) <= 1 + SAMPLE.required().size(), () -> "did not converge from " + current);
        }
    }

    // ------------------------------------------------------------------ keys met after their creation (drift, sweep)

    private static final KeyContext EXISTING_KEY = KeyContext.ofExistingKey(
            KeyArn.parse("arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"),
            Optional.of(Instant.parse("2023-02-03T04:05:06Z")));

    @Test
    void onAnExistingKeyAFixedValueFromTheCreatorIsKeptNotRenderedFromWhoeverIsAskingNow() {
        TagPlan plan = TagPlanner.plan(COMPLIANT, SAMPLE, EXISTING_KEY, TODAY);

        assertFalse(plan.hasChanges(), () -> "CreatedBy must keep the creator's ARN: " + plan);
        assertEquals(List.of(), plan.violations());
    }

    @Test
    void onAnExistingKeyAMissingFixedValueFromTheCreatorFallsBackToUnknown() {
        Map<String, String> current = new LinkedHashMap<>(COMPLIANT);
        current.remove("CreatedBy");

        TagPlan plan = TagPlanner.plan(current, SAMPLE, EXISTING_KEY, TODAY);

        assertPlan(plan, Map.of("CreatedBy", "unknown"), List.of(), Map.of(), "CreatedBy:MISSING");
    }

    @Test
    void onAnExistingKeyAFixedValueThatNeedsNoCreationRecordIsRestored() {
        TagPlan plan = TagPlanner.plan(tags("Team", "someone-else"),
                Policies.parse("{'required':{'Team':{'value':'platform-${account}'}}}"), EXISTING_KEY, TODAY);

        assertPlan(plan, Map.of("Team", "platform-111122223333"), List.of(), Map.of("Team", "someone-else"), "Team:WRONG_VALUE");
    }

    @Test
    void onAnExistingKeyAMissingDefaultFromTheCreatorFallsBackToUnknown() {
        TagPlan plan = TagPlanner.plan(tags(), Policies.parse("{'required':{'Owner':{'default':'${principal}'}}}"), EXISTING_KEY, TODAY);

        assertEquals(Map.of("Owner", "unknown"), plan.toSet());
    }

    @Test
    void onAnExistingKeyTheEventDateIsTheKeysCreationDate() {
        TagPlan plan = TagPlanner.plan(tags(), Policies.parse("{'required':{'Created':{'default':'${eventDate}'}}}"), EXISTING_KEY, TODAY);

        assertEquals(Map.of("Created", "2023-02-03"), plan.toSet());
    }

    @Test
    void onAnExistingKeyAFixedValueFromTheCreatorKeepsAWrongCaseVariantsValueWhenRenamed() {
        Map<String, String> current = new LinkedHashMap<>(COMPLIANT);
        current.remove("CreatedBy");
        current.put("createdby", PRINCIPAL_ARN);

        TagPlan plan = TagPlanner.plan(current, SAMPLE, EXISTING_KEY, TODAY);

        assertEquals(Map.of("CreatedBy", PRINCIPAL_ARN), plan.toSet());
        assertEquals(List.of("createdby"), plan.toRemove());
    }

    @Test
    void onAnExistingKeyAVariantsValueKeptForAFixedValueIsNeverRemovedBeforeItIsTagged() {
        Map<String, String> current = fillers(49, "costcenter", "Bob");
        TagPolicy policy = Policies.parse("{'normalizeKeyCase':true,'required':{'CostCenter':{'value':'${principal}','pattern':'^[a-z]+$'}}}");

        TagPlan plan = TagPlanner.plan(current, policy, EXISTING_KEY, TODAY);

        assertFalse(plan.hasChanges(), () -> "tagging first would pass 50 tags, removing costcenter first would leave Bob on no key: " + plan);
        assertTrue(plan.violations().contains(new Violation("CostCenter", Problem.TAG_LIMIT, "not added: the key would exceed 50 tags")),
                plan::toString);
    }

    @Test
    void onAnExistingKeyAVariantsValueKeptForAFixedValueIsRenamedTaggingFirst() {
        TagPlan plan = TagPlanner.plan(tags("costcenter", "Bob"),
                Policies.parse("{'normalizeKeyCase':true,'required':{'CostCenter':{'value':'${principal}','pattern':'^[a-z]+$'}}}"), EXISTING_KEY, TODAY);

        assertEquals(Map.of("CostCenter", "Bob"), plan.toSet(), "the only value there is, kept");
        assertEquals(List.of("costcenter"), plan.toRemove());
        assertEquals(WriteOrder.TAG_FIRST, plan.order());
    }

    // ------------------------------------------------------------------ helpers

    // ------------------------------------------------------------------ protected tags

    /** Team may be added with its default, never replaced; tmp:* is forbidden, but not tmp:abac*. */
    private static final String TEAM_PROTECTED = "{'required':{'Team':{'default':'unassigned','allowed':['payments','search','unassigned']}},"
            + "'forbidden':['tmp:*'],'protectedTags':['Team','tmp:abac*']}";

    @Test
    void aForbiddenTagThatIsProtectedIsKeptWithAProtectedViolation() {
        TagPlan plan = plan(TEAM_PROTECTED, tags("Team", "payments", "tmp:abac-team", "payments", "tmp:build", "1"));

        assertPlan(plan, Map.of(), List.of("tmp:build"), Map.of("tmp:build", "1"), "tmp:abac-team:PROTECTED", "tmp:build:FORBIDDEN");
    }

    @Test
    void theProtectedViolationNamesTheGlobAndTheChangeItRefused() {
        TagPlan plan = plan(TEAM_PROTECTED, tags("Team", "payments", "tmp:abac-team", "payments"));

        assertEquals(List.of(new Violation("tmp:abac-team", Problem.PROTECTED,
                "left as it is: protected by protectedTags \"tmp:abac*\"; the policy would remove it (FORBIDDEN)")), plan.violations());
    }

    @Test
    void aProtectedRequiredTagWithAnInvalidValueKeepsItsValue() {
        TagPlan plan = plan(TEAM_PROTECTED, tags("Team", "Payments"));

        assertNoChanges(plan, "Team:PROTECTED");
        assertEquals("left as it is: protected by protectedTags \"Team\"; the policy would replace its value (INVALID_VALUE)",
                plan.violations().get(0).detail());
    }

    @Test
    void aMissingProtectedRequiredTagIsAddedWithItsDefault() {
        TagPlan plan = plan(TEAM_PROTECTED, tags());

        assertPlan(plan, Map.of("Team", "unassigned"), List.of(), Map.of(), "Team:MISSING");
    }

    @Test
    void protectedGlobsIgnoreCaseAsForbiddenOnesDo() {
        TagPlan plan = plan("{'forbidden':['t*'],'protectedTags':['TEAM*']}", tags("team-lead", "alice", "tmp", "1"));

        assertPlan(plan, Map.of(), List.of("tmp"), Map.of("tmp", "1"), "team-lead:PROTECTED", "tmp:FORBIDDEN");
    }

    @Test
    void aProtectedTagNoRuleWouldChangeRaisesNoViolation() {
        assertNoChanges(plan(TEAM_PROTECTED, tags("Team", "search", "Dept", "x")));
    }

    @Test
    void aFixedValueNeverReplacesAProtectedTagEvenInAPolicyTheParserWouldRefuse() {
        TagPlan plan = plan(protect(Policies.parse("{'required':{'Team':{'value':'platform'}}}"), "Team"), tags("Team", "payments"));

        assertNoChanges(plan, "Team:PROTECTED");
    }

    @Test
    void aProtectedCaseVariantIsNeverRenamedButTheRequiredKeyIsStillAdded() {
        TagPlan plan = plan(protect(Policies.parse(OWNER_NORMALIZED), "owner"), tags("owner", "bob"));

        assertPlan(plan, Map.of("Owner", "bob"), List.of(), Map.of(), "owner:PROTECTED");
        assertEquals(WriteOrder.TAG_FIRST, plan.order());
    }

    @Test
    void aProtectedCaseVariantBesideThePresentKeyIsNotRemoved() {
        TagPlan plan = plan(protect(Policies.parse(OWNER_NORMALIZED), "OWNER"), tags("Owner", "alice", "OWNER", "bob"));

        assertNoChanges(plan, "OWNER:PROTECTED");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void aProtectedForbiddenTagKeepsItsSlotAtTheLimit(String what, Map<String, String> current, Map<String, String> toSet,
            List<String> toRemove, WriteOrder order, List<String> violations) {
        TagPlan plan = plan(TEAM_PROTECTED, current);

        assertChanges(plan, toSet, toRemove, toRemove.isEmpty() ? Map.of() : Map.of("tmp:build", "2"));
        assertEquals(order, plan.order());
        assertEquals(violations, problems(plan));
    }

    static Stream<Arguments> aProtectedForbiddenTagKeepsItsSlotAtTheLimit() {
        return Stream.of(
                arguments("alone, it frees no slot: the missing Team is not added", fillers(49, "tmp:abac-x", "1"),
                        Map.of(), List.of(), WriteOrder.TAG_FIRST, List.of("Team:TAG_LIMIT", "tmp:abac-x:PROTECTED")),
                arguments("beside it, an unprotected forbidden tag still makes room", fillers(48, "tmp:abac-x", "1", "tmp:build", "2"),
                        Map.of("Team", "unassigned"), List.of("tmp:build"), WriteOrder.UNTAG_FIRST,
                        List.of("Team:MISSING", "tmp:abac-x:PROTECTED", "tmp:build:FORBIDDEN")));
    }

    @Test
    void aPlanWithProtectedTagsIsAFixedPoint() {
        Map<String, String> current = tags("Team", "Payments", "tmp:abac-x", "1", "tmp:build", "2");
        Map<String, String> after = apply(current, plan(TEAM_PROTECTED, current));

        TagPlan second = plan(TEAM_PROTECTED, after);

        assertNoChanges(second, "Team:PROTECTED", "tmp:abac-x:PROTECTED");
        assertEquals("Payments", after.get("Team"), "the protected value is still there");
    }

    /** {@code policy} with {@code globs} protected, as a policy built without the parser's checks could be. */
    private static TagPolicy protect(TagPolicy policy, String... globs) {
        return new TagPolicy(policy.mode(), policy.required(), policy.forbidden(), policy.normalizeKeyCase(), policy.exemptTag(),
                Stream.of(globs).map(KeyGlob::of).toList(), policy.checkKeyPolicy());
    }

    private static TagPlan plan(TagPolicy policy, Map<String, String> current) {
        return TagPlanner.plan(current, policy, EVENT, TODAY);
    }

    private static TagPlan plan(String policy, Map<String, String> current) {
        return plan(Policies.parse(policy), current);
    }

    /** A mutable, ordered tag map from key, value, key, value... */
    private static Map<String, String> tags(String... keysAndValues) {
        Map<String, String> tags = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            tags.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return tags;
    }

    /** {@code count} unrelated user tags, followed by the given ones. */
    private static Map<String, String> fillers(int count, String... keysAndValues) {
        return fillers(count, tags(keysAndValues));
    }

    private static Map<String, String> fillers(int count, Map<String, String> then) {
        Map<String, String> tags = new LinkedHashMap<>();
        IntStream.rangeClosed(1, count).forEach(i -> tags.put(String.format("Other%02d", i), "x"));
        tags.putAll(then);
        return tags;
    }

    private static Map<String, String> compliantWith(String... keysAndValues) {
        Map<String, String> tags = new LinkedHashMap<>(COMPLIANT);
        tags.putAll(tags(keysAndValues));
        return tags;
    }

    private static TagPolicy fiftyRequiredTags() {
        StringBuilder required = new StringBuilder();
        for (int i = 1; i <= TagSyntax.MAX_TAGS_PER_KEY; i++) {
            required.append(i > 1 ? "," : "").append(String.format("'Tag%02d':{'default':'ok','allowed':['ok']}", i));
        }
        return Policies.parse("{'required':{" + required + "}}");
    }

    /** The key's tags once both calls of the plan have been made. */
    private static Map<String, String> apply(Map<String, String> current, TagPlan plan) {
        Map<String, String> after = new LinkedHashMap<>(current);
        after.putAll(plan.toSet());
        plan.toRemove().forEach(after::remove);
        return after;
    }

    /** Plans and applies until a plan changes nothing, checking every plan against the rules; returns the runs that changed something. */
    private static int runsUntilNoChanges(Map<String, String> start) {
        Map<String, String> tags = start;
        int runs = 0;
        for (TagPlan plan = plan(SAMPLE, tags); plan.hasChanges() && runs <= 10; plan = plan(SAMPLE, tags)) {
            assertWithinTheRules(tags, plan);
            tags = apply(tags, plan);
            runs++;
        }
        return runs;
    }

    private static boolean cutShort(TagPlan plan) {
        return plan.violations().stream().anyMatch(violation -> violation.problem() == Problem.TAG_LIMIT);
    }

    private static long userTags(Map<String, String> tags) {
        return tags.keySet().stream().filter(key -> !TagSyntax.isReserved(key)).count();
    }

    /** The violations as sorted "key:PROBLEM" strings. */
    private static List<String> problems(TagPlan plan) {
        return plan.violations().stream().map(violation -> violation.key() + ":" + violation.problem()).sorted().toList();
    }

    private static void assertChanges(TagPlan plan, Map<String, String> toSet, List<String> toRemove, Map<String, String> previousValues) {
        assertEquals(toSet, plan.toSet(), "toSet");
        assertEquals(toRemove, plan.toRemove(), "toRemove");
        assertEquals(previousValues, plan.previousValues(), "previousValues");
        assertFalse(plan.exempt(), "exempt");
    }

    /** Everything the plan says: its writes, what they overwrite, and its violations (as "key:PROBLEM", in any order). */
    private static void assertPlan(TagPlan plan, Map<String, String> toSet, List<String> toRemove, Map<String, String> previousValues,
            String... violations) {
        assertChanges(plan, toSet, toRemove, previousValues);
        assertEquals(Stream.of(violations).sorted().toList(), problems(plan), "violations");
    }

    /** The plan writes nothing and reports exactly these violations (none when none are given). */
    private static void assertNoChanges(TagPlan plan, String... violations) {
        assertPlan(plan, Map.of(), List.of(), Map.of(), violations);
    }

    private static void assertWithinTheRules(Map<String, String> current, TagPlan plan) {
        String context = "current " + current + "\nplan " + plan;
        Map<String, String> afterTagging = new LinkedHashMap<>(current);
        afterTagging.putAll(plan.toSet());
        Map<String, String> afterUntagging = new LinkedHashMap<>(current);
        plan.toRemove().forEach(afterUntagging::remove);
        long intermediate = userTags(plan.order() == WriteOrder.TAG_FIRST ? afterTagging : afterUntagging);

        assertTrue(plan.toSet().size() <= TagSyntax.MAX_TAGS_PER_KEY, context);
        assertTrue(intermediate <= TagSyntax.MAX_TAGS_PER_KEY, () -> "intermediate " + intermediate + "\n" + context);
        assertTrue(userTags(apply(current, plan)) <= TagSyntax.MAX_TAGS_PER_KEY, context);
        assertTrue(Stream.concat(plan.toSet().keySet().stream(), plan.toRemove().stream()).noneMatch(TagSyntax::isReserved), context);
        assertTrue(current.keySet().containsAll(plan.toRemove()), context);
        assertTrue(Collections.disjoint(plan.toSet().keySet(), plan.toRemove()), context);
        assertEquals(expectedPreviousValues(current, plan), plan.previousValues(), context);
        if (plan.order() == WriteOrder.UNTAG_FIRST) {
            assertTrue(userTags(afterTagging) > TagSyntax.MAX_TAGS_PER_KEY, () -> "untagged first needlessly\n" + context);
            assertFalse(carriesAValue(current, plan), () -> "untagged first though a rename carries a value\n" + context);
        }
    }

    private static Map<String, String> expectedPreviousValues(Map<String, String> current, TagPlan plan) {
        Map<String, String> previous = new LinkedHashMap<>();
        plan.toSet().keySet().stream().filter(current::containsKey).forEach(key -> previous.put(key, current.get(key)));
        plan.toRemove().forEach(key -> previous.put(key, current.get(key)));
        return previous;
    }

    /** A new key takes the value of a case variant that the plan removes. */
    private static boolean carriesAValue(Map<String, String> current, TagPlan plan) {
        return plan.toSet().entrySet().stream()
                .filter(set -> !current.containsKey(set.getKey()))
                .anyMatch(set -> plan.toRemove().stream()
                        .anyMatch(removed -> removed.equalsIgnoreCase(set.getKey()) && current.get(removed).equals(set.getValue())));
    }

    private static final List<String> RANDOM_KEYS = List.of(
            "Owner", "owner", "OWNER", "CostCenter", "costcenter", "Environment", "environment", "ENVIRONMENT",
            "CreatedBy", "createdby", "tmp:a", "TMP:b", "Scratch", "scratch",
            "aws:cloudformation:stack-name", "aws:cloudformation:logical-id");
    private static final List<String> RANDOM_VALUES = List.of(
            "alice", "bob", "1234", "12345", "unassigned", "prod", "Prod", "dev", "staging", "", PRINCIPAL_ARN);

    /** Some of the policy's keys, variants, forbidden and aws: keys, and up to 50 other tags, shuffled. */
    private static Map<String, String> randomTags(Random random) {
        List<String> keys = new ArrayList<>(RANDOM_KEYS.stream().filter(key -> random.nextInt(3) == 0).toList());
        long userKeys = keys.stream().filter(key -> !TagSyntax.isReserved(key)).count();
        int others = random.nextInt(TagSyntax.MAX_TAGS_PER_KEY - (int) userKeys + 1);
        keys.addAll(fillers(random.nextBoolean() ? others : Math.min(others, 5)).keySet());
        Collections.shuffle(keys, random);
        Map<String, String> tags = new LinkedHashMap<>();
        keys.forEach(key -> tags.put(key, RANDOM_VALUES.get(random.nextInt(RANDOM_VALUES.size()))));
        return tags;
    }
}
