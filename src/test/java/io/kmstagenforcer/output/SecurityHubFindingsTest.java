package io.kmstagenforcer.output;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kmstagenforcer.aws.BatchImportFindings.Finding;
import io.kmstagenforcer.aws.BatchSend;
import io.kmstagenforcer.enforce.EnforcementResult;
import io.kmstagenforcer.enforce.Outcome;
import io.kmstagenforcer.event.SkipReason;
import io.kmstagenforcer.json.JsonField;
import io.kmstagenforcer.kms.Deadline;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What a finding says for each result, and how findings are grouped and batched (the import itself: SecurityHubFindingsIT). */
class SecurityHubFindingsTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-03-02T04:17:09Z"), ZoneOffset.UTC);

    private record Call(String account, String region, List<Finding> batch) {
    }

    private final List<Call> calls = new ArrayList<>();
    private final SecurityHubFindings findings = new SecurityHubFindings((account, region, deadline) -> new BatchSend<>(batch -> {
        calls.add(new Call(account, region, batch));
        return List.of();
    }, duration -> { }), DecisionEventsTest.POLICY, CLOCK);

    @Test
    void aKeyThatNeedsAPersonIsAFailedFindingWithTheRequiredFieldsAndNoWorkflow() {
        findings.take(DecisionEventsTest.needsAPerson(), DecisionEventsTest.REQUEST_ID, Deadline.NONE);
        findings.flush(Deadline.NONE);

        JsonField finding = JsonField.parse("finding", calls.get(0).batch().get(0).json());
        for (String required : List.of("SchemaVersion", "Id", "ProductArn", "GeneratorId", "AwsAccountId", "CreatedAt", "UpdatedAt",
                "Title", "Description", "Resources", "Severity", "Types")) {
            assertTrue(finding.get(required).isPresent(), required);
        }
        assertEquals(DecisionEventsTest.KEY + "/kms-tag-enforcer/tag-policy", finding.get("Id").requiredString());
        assertEquals("arn:aws:securityhub:eu-west-1:111122223333:product/111122223333/default", finding.get("ProductArn").requiredString());
        assertEquals("FAILED", finding.get("Compliance").get("Status").requiredString());
        assertEquals("LOW", finding.get("FindingProviderFields").get("Severity").get("Label").requiredString());
        assertEquals("2026-03-02T04:17:09Z", finding.get("UpdatedAt").requiredString());
        assertFalse(finding.get("Workflow").isPresent());
        assertTrue(finding.get("Description").requiredString().contains("CostCenter missing"));
    }

    @Test
    void eachOutcomeGivesItsComplianceOrLeavesTheFindingAlone() {
        assertEquals(Optional.of("PASSED"), SecurityHubFindings.complianceOf(DecisionEventsTest.remediated()), "every violation fixed");
        assertEquals(Optional.of("FAILED"), SecurityHubFindings.complianceOf(DecisionEventsTest.needsAPerson()));
        assertEquals(Optional.of("FAILED"), SecurityHubFindings.complianceOf(withOutcome(Outcome.REPORTED)));
        assertEquals(Optional.of("PASSED"), SecurityHubFindings.complianceOf(withOutcome(Outcome.COMPLIANT)));
        for (Outcome unknown : List.of(Outcome.FAILED, Outcome.IGNORED, Outcome.REJECTED, Outcome.RETRYING)) {
            assertEquals(Optional.empty(), SecurityHubFindings.complianceOf(withOutcome(unknown)), unknown.name());
        }
    }

    @Test
    void aKeyThePolicyNoLongerJudgesIsNotAvailableAndArchivedButAnAwsManagedKeyHasNoFinding() {
        for (SkipReason reason : List.of(SkipReason.EXEMPT, SkipReason.PENDING_DELETION, SkipReason.DELETED)) {
            assertEquals(Optional.of("NOT_AVAILABLE"), SecurityHubFindings.complianceOf(skipped(reason)), reason.name());
        }
        assertEquals(Optional.empty(), SecurityHubFindings.complianceOf(skipped(SkipReason.AWS_MANAGED)));

        findings.take(skipped(SkipReason.DELETED), DecisionEventsTest.REQUEST_ID, Deadline.NONE);
        findings.flush(Deadline.NONE);

        JsonField finding = JsonField.parse("finding", calls.get(0).batch().get(0).json());
        assertEquals("ARCHIVED", finding.get("RecordState").requiredString());
        assertEquals("INFORMATIONAL", finding.get("Severity").get("Label").requiredString());
        assertEquals("KMS key not held to the tagging policy (deleted)", finding.get("Title").requiredString());
    }

    private static EnforcementResult skipped(SkipReason reason) {
        EnforcementResult r = withOutcome(Outcome.IGNORED);
        return new EnforcementResult(r.outcome(), r.mode(), r.trigger(), r.eventId(), r.keyArn(), r.added(), r.removed(), r.wouldAdd(),
                r.wouldRemove(), r.previousValues(), r.violations(), Optional.of("skipped"), Optional.of(reason), r.accessControlTags(),
                r.keyPolicy(), r.organizationTagPolicy(), r.editedValuesGone(), r.exemption(), r.scopes());
    }

    @Test
    void findingsAreImportedPerAccountAndRegionAHundredToACall() {
        for (int i = 0; i < 150; i++) {
            findings.take(inAccount("111122223333", i), DecisionEventsTest.REQUEST_ID, Deadline.NONE);
            findings.take(inAccount("444455556666", i), DecisionEventsTest.REQUEST_ID, Deadline.NONE);
        }
        Delivery last = findings.flush(Deadline.NONE);

        assertEquals(List.of("111122223333 100", "444455556666 100", "111122223333 50", "444455556666 50"),
                calls.stream().map(call -> call.account() + " " + call.batch().size()).toList());
        assertEquals(100, last.sent());
    }

    @Test
    void anAccountWhoseSessionCannotBeOpenedCountsEachOfItsFindingsFailed() {
        SecurityHubFindings refused = new SecurityHubFindings((account, region, deadline) -> {
            throw new IllegalStateException("AssumeRole answered AccessDenied");
        }, DecisionEventsTest.POLICY, CLOCK);
        refused.take(DecisionEventsTest.needsAPerson(), DecisionEventsTest.REQUEST_ID, Deadline.NONE);

        Delivery delivery = refused.flush(Deadline.NONE);

        assertEquals(0, delivery.sent());
        assertEquals(1, delivery.failures().size());
        assertTrue(delivery.failures().get(0).contains("AssumeRole answered AccessDenied"), delivery.failures()::toString);
    }

    private static EnforcementResult inAccount(String account, int n) {
        EnforcementResult r = DecisionEventsTest.needsAPerson();
        String key = "arn:aws:kms:eu-west-1:" + account + ":key/" + String.format("%08d-0000-4000-8000-000000000000", n);
        return new EnforcementResult(r.outcome(), r.mode(), r.trigger(), r.eventId(), Optional.of(key), r.added(), r.removed(),
                r.wouldAdd(), r.wouldRemove(), r.previousValues(), r.violations(), r.reason(), r.skipped(), r.accessControlTags(),
                r.keyPolicy(), r.organizationTagPolicy(), r.editedValuesGone(), r.exemption(), r.scopes());
    }

    private static EnforcementResult withOutcome(Outcome outcome) {
        EnforcementResult r = DecisionEventsTest.needsAPerson();
        return new EnforcementResult(outcome, r.mode(), r.trigger(), r.eventId(), r.keyArn(), Map.of(), List.of(), Map.of(), List.of(),
                Map.of(), List.of(), r.reason(), r.skipped(), r.accessControlTags(), r.keyPolicy(), r.organizationTagPolicy(),
                r.editedValuesGone(), r.exemption(), r.scopes());
    }
}
