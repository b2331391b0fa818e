package io.kmstagenforcer.cli;

import java.time.Instant;
import java.util.List;

/**
 * A finished report: which region, which policy, when, every key's line, and the totals.
 *
 * @param policy the policy file as the user named it
 */
record ReportDocument(String region, String policy, Instant generatedAt, List<KeyReport> keys, ReportSummary summary) {
    ReportDocument {
        keys = List.copyOf(keys);
    }
}
