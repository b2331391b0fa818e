package io.kmstagenforcer.cli;

import io.kmstagenforcer.policy.PolicyOrigin;
import java.time.Instant;
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
}
