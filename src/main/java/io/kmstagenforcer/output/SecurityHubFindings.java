package io.kmstagenforcer.output;

import io.kmstagenforcer.aws.BatchImportFindings;
import io.kmstagenforcer.aws.BatchImportFindings.Finding;
import io.kmstagenforcer.aws.BatchSend;
import io.kmstagenforcer.enforce.EnforcementResult;
import io.kmstagenforcer.event.SkipReason;
import io.kmstagenforcer.event.KeyArn;
import io.kmstagenforcer.json.JsonObjectWriter;
import io.kmstagenforcer.kms.Deadline;
import io.kmstagenforcer.policy.PolicyOrigin;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One Security Hub finding per key (docs/RESULTS.md "Security Hub findings"), imported in the key's
 * own account and region: {@code Compliance.Status} {@code FAILED} while the key breaks the policy
 * (non-compliant, reported, or remediated with a violation left), {@code PASSED} once it complies,
 * so that the finding closes itself. Its {@code Id} is derived from the key's ARN, so the next
 * import updates the same finding and nothing is kept on the key (a tag holding it would fire the
 * drift rule and can change ABAC access). A key that failed, was ignored, rejected or is being
 * retried says nothing new about its tags: its finding is left as it is.
 *
 * <p>Held per account and region and imported by {@value BatchImportFindings#MAX_FINDINGS} (the API's
 * largest batch): the event function's one finding when its invocation ends, the sweep's per hundred
 * keys of an account, and the rest before its summary.
 */
public final class SecurityHubFindings implements ResultSink {
    static final String SENT_METRIC = "FindingsImported";
    static final String FAILED_METRIC = "FindingsFailed";
    static final String WARNING = "securityHubFindings";
    /** What makes a finding this function's: its Id is the key's ARN and this suffix; its GeneratorId this. */
    public static final String GENERATOR = "kms-tag-enforcer/tag-policy";
    static final String TYPE = "Software and Configuration Checks/AWS Security Best Practices/Resource Tagging";

    /** The import of one account's findings in one region, signed with that account's session. */
    @FunctionalInterface
    public interface Importers {
        /**
         * @throws RuntimeException when the account's session cannot be opened (its member role refused):
         *         every finding of the batch is then counted failed
         */
        BatchSend<Finding> of(String account, String region, Deadline deadline);
    }

    private record Place(String account, String region) {
    }

    private final Importers importers;
    private final PolicyOrigin policy;
    private final Clock clock;
    private final Map<Place, List<Finding>> held = new LinkedHashMap<>();

    public SecurityHubFindings(Importers importers, PolicyOrigin policy, Clock clock) {
        this.importers = importers;
        this.policy = policy;
        this.clock = clock;
    }

    /**
     * The finding's compliance for this result: empty when the result says nothing about the key's tags (a failure, an
     * event that was not about a key). {@code NOT_AVAILABLE} for a key the policy no longer judges, exempt or deleted
     * (or pending deletion): its finding is archived, so that a FAILED one does not stay open for a key nobody can or
     * need fix; an exempt key's finding comes back, FAILED or PASSED, once the exemption ends.
     */
    public static Optional<String> complianceOf(EnforcementResult result) {
        return switch (result.outcome()) {
            case COMPLIANT -> Optional.of("PASSED");
            case REMEDIATED -> Optional.of(DecisionText.unresolved(result).isEmpty() ? "PASSED" : "FAILED");
            case REPORTED, NONCOMPLIANT -> Optional.of("FAILED");
            case IGNORED -> result.skipped().filter(NOT_JUDGED::contains).map(reason -> NOT_AVAILABLE);
            default -> Optional.empty();
        };
    }

    static final String NOT_AVAILABLE = "NOT_AVAILABLE";
    /** Keys the policy does not judge, whose finding is archived. An AWS managed key never gets one. */
    private static final Set<SkipReason> NOT_JUDGED = Set.of(SkipReason.EXEMPT, SkipReason.PENDING_DELETION, SkipReason.DELETED);

    /** The finding's Id: the key's ARN and {@code /}{@value #GENERATOR}, the same at every import. */
    public static String findingId(String keyArn) {
        return keyArn + "/" + GENERATOR;
    }

    @Override
    public synchronized Delivery take(EnforcementResult result, String requestId, Deadline deadline) {
        Optional<String> status = complianceOf(result);
        Optional<KeyArn> key = result.keyArn().flatMap(SecurityHubFindings::parsed);
        if (status.isEmpty() || key.isEmpty()) {
            return Delivery.nothing();
        }
        Place place = new Place(key.get().account(), key.get().region());
        List<Finding> batch = held.computeIfAbsent(place, any -> new ArrayList<>());
        batch.add(new Finding(findingId(result.keyArn().get()), json(result, key.get(), status.get(), requestId)));
        return batch.size() < BatchImportFindings.MAX_FINDINGS ? Delivery.nothing() : send(place, deadline);
    }

    @Override
    public synchronized Delivery flush(Deadline deadline) {
        int sent = 0;
        List<String> failures = new ArrayList<>();
        for (Place place : List.copyOf(held.keySet())) {
            Delivery delivery = send(place, deadline);
            sent += delivery.sent();
            failures.addAll(delivery.failures());
        }
        return sent == 0 && failures.isEmpty() ? Delivery.nothing() : new Delivery(SENT_METRIC, FAILED_METRIC, WARNING, sent, failures);
    }

    private Delivery send(Place place, Deadline deadline) {
        List<Finding> batch = held.remove(place);
        List<String> failures = new ArrayList<>();
        try {
            importers.of(place.account(), place.region(), deadline).send(batch, deadline)
                    .forEach(failed -> failures.add(failed.item().id() + ": " + failed.error()));
        } catch (RuntimeException e) {
            String why = "not imported: the session of account " + place.account() + " could not be opened ("
                    + e.getClass().getSimpleName() + ": " + e.getMessage() + ")";
            batch.forEach(finding -> failures.add(finding.id() + ": " + why));
        }
        return new Delivery(SENT_METRIC, FAILED_METRIC, WARNING, batch.size() - failures.size(), failures);
    }

    /** The finding in the AWS Security Finding Format (ASFF); never a {@code Workflow}, which a provider may not update. */
    String json(EnforcementResult result, KeyArn key, String status, String requestId) {
        boolean passed = status.equals("PASSED");
        boolean judged = !status.equals(NOT_AVAILABLE);
        String severity = passed || !judged ? "INFORMATIONAL" : "LOW";
        String title = !judged ? "KMS key not held to the tagging policy (" + result.skipped().orElseThrow().label() + ")"
                : passed ? "KMS key tags comply with the tagging policy" : "KMS key tags break the tagging policy";
        String now = clock.instant().toString();
        String keyArn = result.keyArn().orElseThrow();
        return new JsonObjectWriter()
                .string("SchemaVersion", "2018-10-08")
                .string("Id", findingId(keyArn))
                .string("ProductArn", "arn:" + key.partition() + ":securityhub:" + key.region() + ":" + key.account() + ":product/"
                        + key.account() + "/default")
                .string("GeneratorId", GENERATOR)
                .string("AwsAccountId", key.account())
                .strings("Types", List.of(TYPE))
                .string("CreatedAt", now)
                .string("UpdatedAt", now)
                .object("Severity", json -> json.string("Label", severity))
                // Where a provider updates Severity and Types after creation (the top-level fields are the customer's then).
                .object("FindingProviderFields", json -> json
                        .object("Severity", inner -> inner.string("Label", severity))
                        .strings("Types", List.of(TYPE)))
                .string("Title", title)
                .string("Description", cut(DecisionText.summary(result), 1024))
                .object("Remediation", json -> json.object("Recommendation", inner -> inner.string("Text", cut(DecisionText.nextStep(result), 512))))
                .stringMap("ProductFields", productFields(result, requestId))
                .objects("Resources", List.of(key), (json, k) -> json
                        .string("Type", "AwsKmsKey")
                        .string("Id", keyArn)
                        .string("Partition", k.partition())
                        .string("Region", k.region()))
                .object("Compliance", json -> json.string("Status", status))
                .string("RecordState", judged ? "ACTIVE" : "ARCHIVED")
                .toJson();
    }

    private Map<String, String> productFields(EnforcementResult result, String requestId) {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("kms-tag-enforcer/outcome", result.outcome().name());
        fields.put("kms-tag-enforcer/mode", result.mode().label());
        result.trigger().ifPresent(trigger -> fields.put("kms-tag-enforcer/trigger", trigger));
        fields.put("kms-tag-enforcer/policy", policy.source() + " " + policy.sha256());
        if (requestId != null) {
            fields.put("kms-tag-enforcer/requestId", requestId);
        }
        return fields;
    }

    private static String cut(String text, int max) {
        return text.length() <= max ? text : text.substring(0, max - 3) + "...";
    }

    private static Optional<KeyArn> parsed(String arn) {
        try {
            return Optional.of(KeyArn.parse(arn));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }
}
