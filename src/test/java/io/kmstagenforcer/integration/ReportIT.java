package io.kmstagenforcer.integration;

import static io.kmstagenforcer.integration.MotoKeys.ACCOUNT;
import static io.kmstagenforcer.integration.MotoKeys.HOME_REGION;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kmstagenforcer.cli.CliRun;
import io.kmstagenforcer.cli.Report;
import io.kmstagenforcer.json.JsonField;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.kms.model.KeyState;

/**
 * The report, in-process, against a real KMS API (moto) through a proxy that sees every request
 * reaching KMS: a mix of keys (compliant, non-compliant, exempt, pending deletion) and what the
 * report says of each, and of KMS failures.
 */
class ReportIT {
    @RegisterExtension
    static final MotoServerExtension MOTO = new MotoServerExtension();

    private static final String POLICY = "examples/tag-policy.json";
    private static final Instant NOW = Instant.parse("2024-05-14T09:00:00Z");

    private KmsProxy proxy;
    private RecordingKmsClients clients;
    private String compliant;
    private String nonCompliant;
    private String exempt;
    private String pendingDeletion;

    @TempDir
    Path folder;

    @BeforeEach
    void keys() {
        proxy = KmsProxy.start(MOTO.endpoint());
        clients = new RecordingKmsClients(proxy.endpoint());
        compliant = MOTO.keys().createKey(Map.of("Owner", "bob", "CostCenter", "1234", "Environment", "prod",
                "CreatedBy", "arn:aws:iam::" + ACCOUNT + ":user/bob")).keyArn();
        nonCompliant = MOTO.keys().createKey(Map.of("owner", "alice", "tmp:build", "1234", "CostCenter", "12ab")).keyArn();
        exempt = MOTO.keys().createKey(Map.of("tag-enforcer:exempt", "yes", "tmp:build", "1")).keyArn();
        pendingDeletion = MOTO.keys().createKey(Map.of("Scratch", "x")).keyArn();
        MOTO.keys().scheduleDeletion(pendingDeletion);
    }

    @AfterEach
    void close() {
        clients.close();
        proxy.close();
    }

    private Report.Environment environment() {
        return new Report.Environment(clients, RecordingKmsClients.TEST_CREDENTIALS, Clock.fixed(NOW, ZoneOffset.UTC), System::nanoTime,
                duration -> { }, false, CliRun.ROOT);
    }

    private JsonField jsonReport() {
        CliRun run = CliRun.report(environment(), "--region", HOME_REGION, "--policy", POLICY, "--format", "json");
        assertEquals(0, run.status(), run::toString);
        return JsonField.parse("report", run.stdout());
    }

    @Test
    void noTagResourceOrUntagResourceReachesKmsAndEveryKeyKeepsItsTags() {
        Map<String, Map<String, String>> before = tagsOfEveryKey();

        jsonReport();

        assertFalse(proxy.received().contains("TagResource"), proxy.received()::toString);
        assertFalse(proxy.received().contains("UntagResource"), proxy.received()::toString);
        assertEquals(before, tagsOfEveryKey());
    }

    @Test
    void everyKeyAppearsOnceWithItsOutcome() {
        List<JsonField> keys = jsonReport().get("keys").elements();

        Map<String, String> outcomes = keys.stream().collect(Collectors.toMap(
                key -> key.get("keyArn").requiredString(), key -> key.get("outcome").requiredString()));
        assertEquals(4, keys.size(), keys::toString);
        assertEquals(Map.of(compliant, "COMPLIANT", nonCompliant, "REPORTED", exempt, "IGNORED", pendingDeletion, "IGNORED"), outcomes);
        Map<String, JsonField> byArn = keys.stream().collect(Collectors.toMap(key -> key.get("keyArn").requiredString(), Function.identity()));
        assertEquals("exempt", byArn.get(exempt).get("skipped").requiredString());
        assertEquals("pendingDeletion", byArn.get(pendingDeletion).get("skipped").requiredString());
    }

    @Test
    void aKeyThatWouldChangeShowsWhatWouldBeAddedReplacedAndRemovedWithTheOldValues() {
        JsonField key = jsonReport().get("keys").elements().stream()
                .filter(entry -> entry.get("keyArn").requiredString().equals(nonCompliant)).findFirst().orElseThrow();

        // moto made the key moments ago: CreatedBy (the creator's ARN) is left for its CreateKey record, not written as unknown.
        assertEquals(Map.of("Owner", "alice", "Environment", "dev"), strings(key.get("add")));
        assertEquals("12ab", key.get("replace").get("CostCenter").get("old").requiredString());
        assertEquals("unassigned", key.get("replace").get("CostCenter").get("new").requiredString());
        assertEquals(Map.of("tmp:build", "1234", "owner", "alice"), strings(key.get("remove")));
    }

    /**
     * AWS's example tag policy, as describe-effective-policy prints it: CostCenter must be 100, 200 or 300*, enforced on KMS keys.
     * The key the local policy finds compliant (CostCenter=1234) is not, and the local default "unassigned" is never proposed.
     */
    @Test
    void anOrganisationPolicyIsAppliedOnTopAndTheReportNamesItAndTheViolationsItCaused() {
        String organisation = "src/test/resources/org-policies/describe-effective-policy.json";
        CliRun run = CliRun.report(environment(), "--region", HOME_REGION, "--policy", POLICY, "--org-policy", organisation, "--format", "json");
        assertEquals(0, run.status(), run::toString);
        JsonField report = JsonField.parse("report", run.stdout());
        JsonField key = report.get("keys").elements().stream()
                .filter(entry -> entry.get("keyArn").requiredString().equals(compliant)).findFirst().orElseThrow();

        assertTrue(report.get("policy").get("source").requiredString()
                .startsWith("file:" + POLICY + " with the organisation's tag policy file:" + organisation + "@"), report::toString);
        assertEquals("NONCOMPLIANT", key.get("outcome").requiredString(), key::toString);
        JsonField violation = key.get("violations").elements().get(0);
        assertEquals("CostCenter", violation.get("key").requiredString());
        assertEquals("INVALID_VALUE", violation.get("problem").requiredString());
        assertTrue(violation.get("detail").requiredString().startsWith("not fixed: the default renders to \"unassigned\", which is refused:"
                + " \"unassigned\" is not among the values the organisation's tag policy " + organisation + " allows"),
                () -> violation.get("detail").requiredString());
        assertFalse(proxy.received().contains("TagResource"), proxy.received()::toString);
    }

    @Test
    void theSummaryCountsTheKeysByOutcomeAndTheKmsCallsThatReachedKms() {
        JsonField summary = jsonReport().get("summary");

        assertEquals(4L, number(summary.get("keysSeen")));
        assertEquals(1L, number(summary.get("compliant")));
        assertEquals(1L, number(summary.get("wouldChange")));
        assertEquals(0L, number(summary.get("nonCompliant")));
        assertEquals(1L, number(summary.get("skipped").get("exempt")));
        assertEquals(1L, number(summary.get("skipped").get("pendingDeletion")));
        assertEquals(0L, number(summary.get("failed")));
        Map<String, Long> reachedKms = new TreeMap<>(proxy.received().stream().collect(Collectors.groupingBy(op -> op, Collectors.counting())));
        Map<String, Long> counted = new TreeMap<>();
        summary.get("kmsCalls").members().forEach(call -> counted.put(call.getKey(), number(call.getValue())));
        assertEquals(reachedKms, counted);
    }

    @Test
    void aDeniedListingExitsWithStatus3NamingTheCallAndKmsReasonAndWritesNoReport() {
        proxy.failAlways("ListAliases", 400, "AccessDeniedException",
                "User: arn:aws:iam::" + ACCOUNT + ":user/reader is not authorized to perform: kms:ListAliases");
        Path output = folder.resolve("report.txt");

        CliRun run = CliRun.report(environment(), "--region", HOME_REGION, "--policy", POLICY, "--output", output.toString());

        assertEquals(3, run.status(), run::toString);
        assertTrue(run.stderr().startsWith("report: KMS ListAliases in us-east-1 failed with AccessDeniedException: User: arn:aws:iam::"
                + ACCOUNT + ":user/reader is not authorized to perform: kms:ListAliases"), run::toString);
        assertTrue(run.stderr().endsWith("; no report was written\n"), run::toString);
        assertFalse(Files.exists(output));
    }

    @Test
    void aKeyKmsWillNotShowIsFailedWithTheReasonAndTheReportIsStillWritten() {
        proxy.failAlways("ListResourceTags", 400, "AccessDeniedException", "not authorized to perform: kms:ListResourceTags");

        JsonField report = jsonReport();

        assertTrue(report.get("keys").elements().stream().allMatch(key -> key.get("outcome").requiredString().equals("FAILED")
                && key.get("reason").requiredString().equals("ListResourceTags answered AccessDeniedException")), report::toString);
        assertEquals(4L, number(report.get("summary").get("failed")));
    }

    @Test
    void outputWritesTheReportToTheFileInUtf8AndNothingToStdout() throws IOException {
        MOTO.keys().createKey(Map.of("owner", "zoë")).keyArn();
        Path output = folder.resolve("report.csv");

        CliRun run = CliRun.report(environment(), "--region", HOME_REGION, "--policy", POLICY, "--format", "csv", "--output", output.toString());

        assertEquals(0, run.status(), run::toString);
        assertEquals("", run.stdout());
        String csv = Files.readString(output, StandardCharsets.UTF_8);
        assertTrue(csv.startsWith("keyArn,outcome,skipped,reason,add,replace,remove,violations,accessControlTags,keyPolicy,exemption,exemptUntil,"
                + "exemptionEndsWithin30Days,policySource,policySha256\r\n"), csv);
        assertTrue(csv.contains("Owner=zoë"), csv);
        assertEquals(6, csv.split("\r\n").length, csv);
        assertTrue(run.stderr().startsWith("Summary\n  keys seen      5\n"), "CSV has no place for the summary: " + run.stderr());
    }

    private Map<String, Map<String, String>> tagsOfEveryKey() {
        Map<String, Map<String, String>> tags = new LinkedHashMap<>();
        for (String key : List.of(compliant, nonCompliant, exempt, pendingDeletion)) {
            tags.put(key, MOTO.keys().tags(key));
        }
        assertEquals(KeyState.PENDING_DELETION, MOTO.keys().state(pendingDeletion));
        return tags;
    }

    private static Map<String, String> strings(JsonField object) {
        Map<String, String> values = new LinkedHashMap<>();
        object.members().forEach(member -> values.put(member.getKey(), member.getValue().requiredString()));
        return values;
    }

    private static long number(JsonField field) {
        return field.optionalLong().orElseThrow(() -> new AssertionError(field.path() + " is missing"));
    }
}
