package io.kmstagenforcer.enforce;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kmstagenforcer.event.KeyArn;
import io.kmstagenforcer.kms.Deadline;
import io.kmstagenforcer.kms.KmsKeys;
import io.kmstagenforcer.policy.Mode;
import io.kmstagenforcer.policy.Policies;
import io.kmstagenforcer.policy.TagPolicy;
import io.kmstagenforcer.sweep.FakeKms;
import java.time.Clock;
import java.util.LinkedHashMap;

import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Report mode is a preview of enforce mode: for the same key and policy, what a REPORTED result says
 * it would add and remove is exactly what enforce mode writes, with the same previous values, and the
 * tags enforce mode leaves behind are the report's "after". Checked through the whole enforcer, on an
 * in-memory KMS, over generated tag sets (the planner's own properties are in TagPlannerPropertiesTest).
 */
class ReportAndEnforceModesPropertiesTest {
    /** Fixed, so a failure repeats; jqwik prints it with the counterexample. */
    private static final String SEED = "20241203";
    private static final TagPolicy SAMPLE = Policies.sample();
    private static final String KEY_ID = "0f8c3a5e-7b21-4d9e-a6c4-2e51b9d07f13";

    @Property(seed = SEED, tries = 500)
    void whatReportModeSaysItWouldWriteIsWhatEnforceModeWrites(@ForAll("tagSets") Map<String, String> tags) {
        FakeKms reported = new FakeKms(System::nanoTime).key(KEY_ID, tags);
        FakeKms enforced = new FakeKms(System::nanoTime).key(KEY_ID, tags);

        KeyArn key = KeyArn.parse(reported.arn(KEY_ID));
        EnforcementResult report = enforcer(reported, Mode.REPORT).enforceListedKey(key, Deadline.NONE);
        EnforcementResult enforce = enforcer(enforced, Mode.ENFORCE).enforceListedKey(key, Deadline.NONE);

        assertEquals(tags, reported.tagsOf(KEY_ID), "report mode changed nothing");
        assertEquals(report.wouldAdd(), enforce.added());
        assertEquals(report.wouldRemove(), enforce.removed());
        assertEquals(report.violations(), enforce.violations());
        Map<String, String> previewed = new LinkedHashMap<>(report.previousValues());
        previewed.keySet().retainAll(enforce.previousValues().keySet());
        assertEquals(enforce.previousValues(), previewed, "every value enforce mode replaced was in the report");
        Map<String, String> after = new LinkedHashMap<>(tags);
        after.putAll(report.wouldAdd());
        report.wouldRemove().forEach(after::remove);
        assertEquals(after, enforced.tagsOf(KEY_ID), "the report's after is enforce mode's after");
        assertEquals(report.outcome() == Outcome.REPORTED, enforce.outcome() == Outcome.REMEDIATED, () -> report + "\n" + enforce);
    }

    @Provide
    Arbitrary<Map<String, String>> tagSets() {
        Arbitrary<String> keys = Arbitraries.of("Owner", "owner", "OWNER", "CostCenter", "costcenter", "Environment", "environment",
                "CreatedBy", "tmp:build", "TMP:x", "Scratch", "scratch", "Team", "aws:cloudformation:stack-name", "tag-enforcer:exempt",
                "Other1", "Other2");
        Arbitrary<String> values = Arbitraries.of("alice", "", "1234", "12ab", "unassigned", "prod", "dev", "production",
                "arn:aws:sts::111122223333:assumed-role/KeyAdmins/alice", "x");
        return Arbitraries.maps(keys, values).ofMaxSize(9).map(LinkedHashMap::new);
    }

    private static TagEnforcer enforcer(FakeKms kms, Mode mode) {
        return new TagEnforcer(SAMPLE.withMode(mode), new KmsKeys(region -> kms), NotFoundRetry.NONE, Clock.systemUTC());
    }

}
