package io.kmstagenforcer.cli;

import io.kmstagenforcer.policy.PolicyOrigin;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;

/**
 * A finished report: which region, which policy, when, every key's line, and the totals.
 *
 * @param policy the policy file (as the user named it) and its hash
 */
record ReportDocument(String region, PolicyOrigin policy, Instant generatedAt, List<KeyReport> keys, ReportSummary summary) {
    ReportDocument {
        keys = List.copyOf(keys);
    }

    /** The day (UTC) the report was made: exemptions' end dates are judged and counted from it. */
    LocalDate today() {
        return LocalDate.ofInstant(generatedAt, ZoneOffset.UTC);
    }
}
