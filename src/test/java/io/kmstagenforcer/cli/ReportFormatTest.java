package io.kmstagenforcer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kmstagenforcer.enforce.Outcome;
import io.kmstagenforcer.event.SkipReason;
import io.kmstagenforcer.json.JsonField;
import io.kmstagenforcer.plan.Exemption;
import io.kmstagenforcer.plan.Problem;
import io.kmstagenforcer.policy.Policies;
import io.kmstagenforcer.plan.Violation;
import io.kmstagenforcer.policy.PolicyOrigin;
import java.time.Instant;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ReportFormatTest {
    private static final String COMPLIANT_KEY = "arn:aws:kms:eu-west-1:111122223333:key/1111";
    private static final String CHANGED_KEY = "arn:aws:kms:eu-west-1:111122223333:key/2222";
    private static final String EXEMPT_KEY = "arn:aws:kms:eu-west-1:111122223333:key/3333";
    private static final String STUCK_KEY = "arn:aws:kms:eu-west-1:111122223333:key/4444";
    private static final String DENIED_KEY = "arn:aws:kms:eu-west-1:111122223333:key/5555";
    private static final Violation FORBIDDEN = new Violation("tmp:build", Problem.FORBIDDEN, "matches forbidden \"tmp:*\"");
    /** The policy every report here was made with. */
    private static final PolicyOrigin POLICY = new PolicyOrigin("file:tag-policy.json", "0123abcd4567");
    private static final Violation NO_DEFAULT = new Violation("Team", Problem.MISSING, "not fixed: the policy gives no default");

    private static final ReportDocument REPORT = report();

    private static ReportDocument report() {
        Map<String, String> toSet = new LinkedHashMap<>();
        toSet.put("Owner", "alice");
        toSet.put("CostCenter", "unassigned");
        TagChanges changes = TagChanges.of(toSet, List.of("tmp:build"), Map.of("CostCenter", "12ab", "tmp:build", "1,2"));
        List<KeyReport> keys = List.of(
                new KeyReport(COMPLIANT_KEY, Outcome.COMPLIANT, Optional.empty(), Optional.empty(), TagChanges.NONE, List.of()),
                new KeyReport(CHANGED_KEY, Outcome.REPORTED, Optional.of("report mode: nothing written"), Optional.empty(), changes,
                        List.of(FORBIDDEN)),
                new KeyReport(EXEMPT_KEY, Outcome.IGNORED, Optional.of("key carries the exemption tag tag-enforcer:exempt"),
                        Optional.of(SkipReason.EXEMPT), TagChanges.NONE, List.of()),
                new KeyReport(STUCK_KEY, Outcome.NONCOMPLIANT, Optional.of("the policy gives no value to fix these violations with"),
                        Optional.empty(), TagChanges.NONE, List.of(NO_DEFAULT)),
                new KeyReport(DENIED_KEY, Outcome.FAILED, Optional.of("ListResourceTags answered AccessDeniedException"),
                        Optional.empty(), TagChanges.NONE, List.of()));
        return new ReportDocument("eu-west-1", POLICY, Instant.parse("2024-05-14T09:00:00Z"), keys,
                ReportSummary.of(keys, Map.of("ListResourceTags", 5L, "ListKeys", 1L, "ListAliases", 1L, "DescribeKey", 2L),
                        LocalDate.of(2024, 5, 14)));
    }

    @Test
    void theTableAlignsKeysOutcomesAndOneChangeALineThenTheSummary() {
        assertEquals("""
                KMS tag report for eu-west-1, policy file:tag-policy.json (sha256 0123abcd4567), 2024-05-14T09:00:00Z
                Report mode: nothing was written.

                KEY                                          OUTCOME       DETAIL
                arn:aws:kms:eu-west-1:111122223333:key/1111  COMPLIANT
                arn:aws:kms:eu-west-1:111122223333:key/2222  REPORTED      ADD      Owner=alice
                                                                           REPLACE  CostCenter: 12ab -> unassigned
                                                                           REMOVE   tmp:build (1,2)
                arn:aws:kms:eu-west-1:111122223333:key/3333  IGNORED       key carries the exemption tag tag-enforcer:exempt
                arn:aws:kms:eu-west-1:111122223333:key/4444  NONCOMPLIANT  Team MISSING: not fixed: the policy gives no default
                arn:aws:kms:eu-west-1:111122223333:key/5555  FAILED        ListResourceTags answered AccessDeniedException

                Summary
                  keys seen      5
                  compliant      1
                  would change   1
                  non-compliant  1
                  skipped        1  exempt 1
                  failed         1
                  KMS calls      9  DescribeKey 2, ListAliases 1, ListKeys 1, ListResourceTags 5
                """, ReportFormat.TABLE.render(REPORT));
    }

    @Test
    void theJsonDocumentHasOneObjectPerKeyWithItsChangesAndTheSummary() {
        JsonField json = JsonField.parse("report", ReportFormat.JSON.render(REPORT));

        assertEquals("eu-west-1", json.get("region").requiredString());
        assertEquals("report", json.get("mode").requiredString());
        assertEquals("file:tag-policy.json", json.get("policy").get("source").requiredString());
        assertEquals("0123abcd4567", json.get("policy").get("sha256").requiredString());
        assertEquals("2024-05-14T09:00:00Z", json.get("generatedAt").requiredString());
        List<JsonField> keys = json.get("keys").elements();
        assertEquals(List.of(COMPLIANT_KEY, CHANGED_KEY, EXEMPT_KEY, STUCK_KEY, DENIED_KEY),
                keys.stream().map(key -> key.get("keyArn").requiredString()).toList());
        JsonField changed = keys.get(1);
        assertEquals("REPORTED", changed.get("outcome").requiredString());
        assertEquals("alice", changed.get("add").get("Owner").requiredString());
        assertEquals("12ab", changed.get("replace").get("CostCenter").get("old").requiredString());
        assertEquals("unassigned", changed.get("replace").get("CostCenter").get("new").requiredString());
        assertEquals("1,2", changed.get("remove").get("tmp:build").requiredString());
        assertEquals("FORBIDDEN", changed.get("violations").elements().get(0).get("problem").requiredString());
        assertEquals("exempt", keys.get(2).get("skipped").requiredString());
        assertFalse(keys.get(0).get("skipped").isPresent());
        JsonField summary = json.get("summary");
        assertEquals(5L, summary.get("keysSeen").optionalLong().orElseThrow());
        assertEquals(1L, summary.get("wouldChange").optionalLong().orElseThrow());
        assertEquals(1L, summary.get("skipped").get("exempt").optionalLong().orElseThrow());
        assertEquals(0L, summary.get("skipped").get("pendingDeletion").optionalLong().orElseThrow());
        assertEquals(1L, summary.get("failed").optionalLong().orElseThrow());
        assertEquals(5L, summary.get("kmsCalls").get("ListResourceTags").optionalLong().orElseThrow());
    }

    @Test
    void theCsvHasAHeaderAndOneQuotedWhereNeededRecordPerKey() {
        String csv = ReportFormat.CSV.render(REPORT);

        assertEquals(List.of(
                "keyArn,outcome,skipped,reason,add,replace,remove,violations,accessControlTags,keyPolicy,exemption,exemptUntil,"
                        + "exemptionEndsWithin30Days,policySource,policySha256",
                COMPLIANT_KEY + ",COMPLIANT,,,,,,,,,,,,file:tag-policy.json,0123abcd4567",
                CHANGED_KEY + ",REPORTED,,report mode: nothing written,Owner=alice,CostCenter: 12ab -> unassigned,"
                        + "\"tmp:build (1,2)\",\"tmp:build FORBIDDEN: matches forbidden \"\"tmp:*\"\"\",,,,,,file:tag-policy.json,0123abcd4567",
                EXEMPT_KEY + ",IGNORED,exempt,key carries the exemption tag tag-enforcer:exempt,,,,,,,,,,file:tag-policy.json,0123abcd4567",
                STUCK_KEY + ",NONCOMPLIANT,,the policy gives no value to fix these violations with,,,,"
                        + "Team MISSING: not fixed: the policy gives no default,,,,,,file:tag-policy.json,0123abcd4567",
                DENIED_KEY + ",FAILED,,ListResourceTags answered AccessDeniedException,,,,,,,,,,file:tag-policy.json,0123abcd4567"),
                List.of(csv.split("\r\n")));
        assertTrue(csv.endsWith("\r\n"));
    }

    /** checkKeyPolicy: one key whose changed Team tag a key policy condition names, one whose key policy could not be read. */
    private static final ReportDocument ABAC_REPORT = new ReportDocument("eu-west-1", POLICY, Instant.EPOCH, List.of(
            new KeyReport(CHANGED_KEY, Outcome.REPORTED, Optional.of("report mode: nothing written"), Optional.empty(),
                    TagChanges.of(Map.of("Team", "unassigned"), List.of(), Map.of()), List.of(), List.of("Team"), Optional.of("read"),
                    Optional.empty(), List.of()),
            new KeyReport(STUCK_KEY, Outcome.REPORTED, Optional.of("report mode: nothing written"), Optional.empty(),
                    TagChanges.of(Map.of("Team", "unassigned"), List.of(), Map.of()), List.of(), List.of(),
                    Optional.of("could not be read (GetKeyPolicy answered AccessDeniedException): which of the changed tags it names is not known"),
                    Optional.empty(), List.of())),
            ReportSummary.of(List.of(), Map.of(), LocalDate.EPOCH));

    @Test
    void theTableShowsEachChangedTagAKeyPolicyConditionNamesAndAKeyPolicyThatCouldNotBeRead() {
        String table = ReportFormat.TABLE.render(ABAC_REPORT);

        assertTrue(table.contains("ABAC  Team: a key policy condition (aws:ResourceTag) names it\n"), table);
        assertTrue(table.contains("ABAC  key policy could not be read (GetKeyPolicy answered AccessDeniedException)"), table);
    }

    @Test
    void theJsonAndCsvCarryAccessControlTagsAndTheKeyPolicyCheck() {
        JsonField keys = JsonField.parse("report", ReportFormat.JSON.render(ABAC_REPORT)).get("keys");
        String csv = ReportFormat.CSV.render(ABAC_REPORT);

        assertEquals("Team", keys.elements().get(0).get("accessControlTags").elements().get(0).requiredString());
        assertEquals("read", keys.elements().get(0).get("keyPolicy").requiredString());
        assertTrue(csv.contains(CHANGED_KEY + ",REPORTED,,report mode: nothing written,Team=unassigned,,,,Team,read,,,,file:tag-policy.json,0123abcd4567\r\n"), csv);
    }

    @Test
    void severalChangesOfOneKindShareACsvFieldSeparatedBySemicolons() {
        TagChanges changes = TagChanges.of(Map.of(), List.of("a", "b"), Map.of("a", "1", "b", "2"));
        ReportDocument report = new ReportDocument("eu-west-1", POLICY, Instant.EPOCH, List.of(
                new KeyReport(CHANGED_KEY, Outcome.REPORTED, Optional.empty(), Optional.empty(), changes, List.of())),
                ReportSummary.of(List.of(), Map.of(), LocalDate.EPOCH));

        assertTrue(ReportFormat.CSV.render(report).contains(",a (1); b (2),"), ReportFormat.CSV.render(report));
    }

    @Test
    void aCsvCellThatBeginsWithATagKeyASpreadsheetWouldReadAsAFormulaIsNeutralised() {
        TagChanges changes = TagChanges.of(Map.of("=HYPERLINK(\"http://example.com\")", "x"), List.of("@SUM(A1)"), Map.of("@SUM(A1)", "1"));
        ReportDocument report = new ReportDocument("eu-west-1", POLICY, Instant.EPOCH, List.of(
                new KeyReport(CHANGED_KEY, Outcome.REPORTED, Optional.empty(), Optional.empty(), changes, List.of())),
                ReportSummary.of(List.of(), Map.of(), LocalDate.EPOCH));

        assertEquals(CHANGED_KEY + ",REPORTED,,,\"'=HYPERLINK(\"\"http://example.com\"\")=x\",,\"'@SUM(A1) (1)\",,,,,,,file:tag-policy.json,0123abcd4567",
                ReportFormat.CSV.render(report).split("\r\n")[1]);
    }

    /** The report's day is 2024-05-14: one exemption ends in 6 days, one in 31, one has no end, one ended, one names no date. */
    private static final LocalDate REPORT_DAY = LocalDate.of(2024, 5, 14);
    private static final ReportDocument EXEMPTIONS_REPORT = exemptionsReport();

    private static ReportDocument exemptionsReport() {
        List<KeyReport> keys = List.of(
                exempted("arn:aws:kms:eu-west-1:111122223333:key/e1", Outcome.IGNORED, "until 2024-05-20 SEC-123"),
                exempted("arn:aws:kms:eu-west-1:111122223333:key/e2", Outcome.IGNORED, "until 2024-06-14"),
                exempted("arn:aws:kms:eu-west-1:111122223333:key/e3", Outcome.IGNORED, "yes"),
                exempted("arn:aws:kms:eu-west-1:111122223333:key/e4", Outcome.REPORTED, "until 2024-05-13"),
                exempted("arn:aws:kms:eu-west-1:111122223333:key/e5", Outcome.COMPLIANT, "until 2024-02-30"),
                new KeyReport(COMPLIANT_KEY, Outcome.COMPLIANT, Optional.empty(), Optional.empty(), TagChanges.NONE, List.of()));
        return new ReportDocument("eu-west-1", POLICY, Instant.parse("2024-05-14T09:00:00Z"), keys,
                ReportSummary.of(keys, Map.of(), REPORT_DAY));
    }

    private static KeyReport exempted(String keyArn, Outcome outcome, String value) {
        Exemption exemption = Exemption.of(Map.of("tag-enforcer:exempt", value), Policies.parse("{'exemptTag':'tag-enforcer:exempt'}"),
                REPORT_DAY).orElseThrow();
        return new KeyReport(keyArn, outcome, Optional.of(exemption.detail()),
                exemption.honoured() ? Optional.of(SkipReason.EXEMPT) : Optional.empty(), TagChanges.NONE, List.of(), List.of(), Optional.empty(),
                Optional.of(exemption), List.of());
    }

    @Test
    void theTableListsEveryExemptionWithItsEndAndFlagsThoseEndingWithinThirtyDays() {
        String table = ReportFormat.TABLE.render(EXEMPTIONS_REPORT);

        assertTrue(table.contains("""
                Exemptions (the exemption tag of file:tag-policy.json, judged on 2024-05-14)
                KEY                                        EXEMPTION        ENDS         NOTE
                arn:aws:kms:eu-west-1:111122223333:key/e1  active           2024-05-20   ends within 30 days (6 left)
                arn:aws:kms:eu-west-1:111122223333:key/e2  active           2024-06-14
                arn:aws:kms:eu-west-1:111122223333:key/e3  active           no end date
                arn:aws:kms:eu-west-1:111122223333:key/e4  expired          2024-05-13   exemption tag-enforcer:exempt expired on 2024-05-13: \
                the key is enforced again
                arn:aws:kms:eu-west-1:111122223333:key/e5  endDateNotADate  not a date   exemption tag-enforcer:exempt not honoured: \
                its end date "2024-02-30" is not a date (until YYYY-MM-DD); the key is enforced
                """), table);
        assertTrue(table.contains("  exemptions     5  active 3, ending within 30 days 1, expired 1, not honoured 1\n"), table);
    }

    @Test
    void theTableOfAReportWithoutExemptionsHasNoExemptionsSection() {
        String table = ReportFormat.TABLE.render(REPORT);

        assertFalse(table.contains("Exemptions"), table);
        assertFalse(table.contains("exemptions"), table);
    }

    @Test
    void theJsonListsEveryExemptionWithItsDaysLeftAndCountsThem() {
        JsonField json = JsonField.parse("report", ReportFormat.JSON.render(EXEMPTIONS_REPORT));

        List<JsonField> exemptions = json.get("exemptions").elements();
        assertEquals(5, exemptions.size(), "the key without the tag is not listed");
        JsonField soon = exemptions.get(0);
        assertEquals("arn:aws:kms:eu-west-1:111122223333:key/e1", soon.get("keyArn").requiredString());
        assertEquals("active", soon.get("state").requiredString());
        assertEquals("2024-05-20", soon.get("until").requiredString());
        assertEquals(6L, soon.get("daysLeft").optionalLong().orElseThrow());
        assertEquals(true, soon.get("endsWithin30Days").optionalBoolean().orElseThrow());
        assertEquals(false, exemptions.get(1).get("endsWithin30Days").optionalBoolean().orElseThrow());
        assertFalse(exemptions.get(2).get("until").isPresent(), "no end date");
        assertEquals("expired", exemptions.get(3).get("state").requiredString());
        JsonField counts = json.get("summary").get("exemptions");
        assertEquals(List.of(3L, 1L, 1L, 1L), List.of("active", "endingWithin30Days", "expired", "notHonoured").stream()
                .map(name -> counts.get(name).optionalLong().orElseThrow()).toList());
    }

    /** The last two columns of every CSV record: the policy the key was judged by. */
    private static final String POLICY_COLUMNS = ",file:tag-policy.json,0123abcd4567";

    @Test
    void theCsvSaysEachKeysExemptionItsEndAndWhetherItEndsWithinThirtyDays() {
        List<String> rows = List.of(ReportFormat.CSV.render(EXEMPTIONS_REPORT).split("\r\n"));

        assertTrue(rows.get(1).endsWith(",active,2024-05-20,yes" + POLICY_COLUMNS), rows.get(1));
        assertTrue(rows.get(2).endsWith(",active,2024-06-14," + POLICY_COLUMNS), rows.get(2));
        assertTrue(rows.get(3).endsWith(",active,no end date," + POLICY_COLUMNS), rows.get(3));
        assertTrue(rows.get(4).endsWith(",expired,2024-05-13," + POLICY_COLUMNS), rows.get(4));
        assertTrue(rows.get(5).endsWith(",endDateNotADate,not a date," + POLICY_COLUMNS), rows.get(5));
        assertTrue(rows.get(6).endsWith(",,," + POLICY_COLUMNS), rows.get(6));
    }

    @Test
    void onlyCsvLeavesTheSummaryOutOfTheDocument() {
        assertFalse(ReportFormat.CSV.includesSummary());
        assertTrue(ReportFormat.TABLE.includesSummary());
        assertTrue(ReportFormat.JSON.includesSummary());
    }
}
