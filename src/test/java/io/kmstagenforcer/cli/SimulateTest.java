package io.kmstagenforcer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kmstagenforcer.json.JsonField;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import io.kmstagenforcer.policy.PolicyOrigin;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The simulator, in-process, on the example files and on files a test writes. */
class SimulateTest {
    private static final String POLICY = "examples/tag-policy.json";
    private static final String NONCOMPLIANT = "examples/tags-noncompliant.json";
    private static final String KEY = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

    @TempDir
    Path folder;

    private Path file(String name, String content) throws IOException {
        return Files.writeString(folder.resolve(name), content, StandardCharsets.UTF_8);
    }

    private static CliRun simulate(String... args) {
        CliRun run = CliRun.simulate(args);
        assertEquals(0, run.status(), run::toString);
        assertEquals("", run.stderr(), run::toString);
        return run;
    }

    @ParameterizedTest
    @MethodSource("io.kmstagenforcer.cli.InvalidPolicies#examples")
    void anInvalidPolicyIsRefusedWithTheFunctionsOwnInitMessageAndExitStatus2(String policy) {
        InvalidPolicies.write(folder, policy);
        CliRun run = CliRun.simulateIn(folder, "--tags", CliRun.ROOT.resolve(NONCOMPLIANT).toString());

        assertEquals(2, run.status(), run::toString);
        assertEquals(InvalidPolicies.initMessage(folder) + "\n", run.stderr());
        assertEquals("", run.stdout());
    }

    @Test
    void withoutAnEventTheKeyIsAnExistingOneWhosePrincipalRendersAsUnknown() {
        String out = simulate("--policy", POLICY, "--tags", NONCOMPLIANT).stdout();

        assertTrue(out.contains("key      arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
                + " (a placeholder: --key-arn names a key)\n"), out);
        assertTrue(out.contains("an existing key (KeyContext.ofExistingKey)"), out);
        assertTrue(out.contains("${principal} and ${principal.arn} render as \"unknown\""), out);
        assertTrue(out.contains("1. TagResource    Owner=alice, CostCenter=unassigned, CreatedBy=unknown\n"), out);
    }

    /** checkKeyPolicy, with Team protected: it may be added, never replaced. */
    private static final String ABAC_POLICY = "{\"required\":{\"Owner\":{\"default\":\"${principal}\"},"
            + "\"Team\":{\"default\":\"unassigned\"}},\"forbidden\":[\"tmp:*\"],\"protectedTags\":[\"tmp:abac*\"],\"checkKeyPolicy\":true}";

    @Test
    void withCheckKeyPolicyItShowsTheChangedTagsTheKeyPolicyGivenAsGetKeyPolicyOutputNames() throws IOException {
        Path policy = file("policy.json", ABAC_POLICY);
        Path tags = file("tags.json", "{\"tmp:build\":\"1\",\"tmp:abac-x\":\"2\"}");
        Path keyPolicy = file("key-policy.json", "{\"PolicyName\":\"default\",\"Policy\":\"{\\\"Statement\\\":[{\\\"Condition\\\":"
                + "{\\\"StringEquals\\\":{\\\"aws:ResourceTag/tmp:build\\\":\\\"1\\\"}}}]}\"}");

        String out = simulate("--policy", policy.toString(), "--tags", tags.toString(), "--key-policy", keyPolicy.toString()).stdout();

        assertTrue(out.contains("key policy  " + keyPolicy + "\n"), out);
        assertTrue(out.contains("changed tags a key policy condition names (accessControlTags)\n  tmp:build  aws:ResourceTag/tmp:build\n"), out);
        assertTrue(out.contains("tmp:abac-x  PROTECTED"), out);
    }

    @Test
    void withCheckKeyPolicyAndNoKeyPolicyFileTheKeyHasTheDefaultKeyPolicy() throws IOException {
        Path policy = file("policy.json", ABAC_POLICY);
        Path tags = file("tags.json", "{\"tmp:build\":\"1\"}");

        String out = simulate("--policy", policy.toString(), "--tags", tags.toString(), "--format", "json").stdout();

        JsonField json = JsonField.parse("simulation", out);
        assertEquals("read", json.get("enforce").get("keyPolicy").requiredString());
        assertEquals(List.of(), json.get("enforce").get("accessControlTags").elements());
        assertFalse(json.get("keyPolicy").isPresent());
    }

    @Test
    void keyArnNamesTheKeyInsteadOfThePlaceholder() {
        String out = simulate("--policy", POLICY, "--tags", NONCOMPLIANT, "--key-arn", KEY).stdout();

        assertTrue(out.contains("key      " + KEY + "\n"), out);
        assertFalse(out.contains("placeholder"), out);
    }

    @Test
    void aCreationEventGivesTheCreationContextWithTheCallerFromTheEvent() {
        String out = simulate("--policy", POLICY, "--tags", NONCOMPLIANT, "--event", "events/create-key.json").stdout();

        assertTrue(out.contains("event    events/create-key.json: CreateKey\n"), out);
        assertTrue(out.contains("a creation event (KeyContext.ofCreation): ${principal} = alice, "
                + "${principal.arn} = arn:aws:sts::111122223333:assumed-role/KeyAdmins/alice\n"), out);
        assertTrue(out.contains("CreatedBy=arn:aws:sts::111122223333:assumed-role/KeyAdmins/alice"), out);
    }

    @Test
    void aTagResourceEventIsDriftAndUsesTheExistingKeyContext() throws IOException {
        Path event = file("tag-resource.json", """
                {"version": "0", "source": "aws.kms", "detail-type": "AWS API Call via CloudTrail",
                 "detail": {"eventSource": "kms.amazonaws.com", "eventName": "TagResource", "eventTime": "2024-05-14T09:12:41Z",
                            "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/bob", "userName": "bob"},
                            "requestParameters": {"keyId": "%s", "tags": [{"tagKey": "tmp:build", "tagValue": "1234"}]},
                            "resources": [{"type": "AWS::KMS::Key", "ARN": "%s"}]}}""".formatted(KEY, KEY));

        String out = simulate("--policy", POLICY, "--tags", NONCOMPLIANT, "--event", event.toString()).stdout();

        assertTrue(out.contains(": TagResource (drift: the key is re-evaluated as it stands)\n"), out);
        assertTrue(out.contains("key      " + KEY + "\n"), out);
        assertTrue(out.contains("an existing key (KeyContext.ofExistingKey)"), out);
        assertFalse(out.contains("bob"), "the tag editor is not the key's creator: " + out);
    }

    @Test
    void anIgnoredEventPrintsItsOutcomeAndReasonInBothModes() {
        String out = simulate("--policy", POLICY, "--tags", NONCOMPLIANT, "--event", "events/create-key-aws-managed.json").stdout();

        assertEquals("""
                policy  file:examples/tag-policy.json, sha256 0a8171b89b3b (its mode: enforce)
                event   events/create-key-aws-managed.json

                outcome
                  enforce mode  IGNORED (AWS managed key: only customer managed keys can be tagged)
                  report mode   IGNORED (AWS managed key: only customer managed keys can be tagged)
                """, out);
    }

    @Test
    void aRejectedEventPrintsItsOutcomeAndReason() {
        String out = simulate("--policy", POLICY, "--tags", NONCOMPLIANT, "--event", "src/test/resources/events/arn-alias.json").stdout();

        assertTrue(out.contains("enforce mode  REJECTED (event.detail.responseElements.keyMetadata.arn: "
                + "'arn:aws:kms:us-east-1:111122223333:alias/my-key' names a KMS alias, not a key)\n"), out);
    }

    /** AWS's example tag policy, as describe-effective-policy prints it: CostCenter 100, 200 or 300*, required and enforced on KMS keys. */
    private static final String ORG_POLICY = "src/test/resources/org-policies/describe-effective-policy.json";

    @Test
    void anOrganisationPolicyIsAppliedOnTopAndTheOutputNamesItAndTheViolationsItCaused() {
        String out = simulate("--policy", POLICY, "--org-policy", ORG_POLICY, "--tags", NONCOMPLIANT).stdout();

        assertTrue(out.contains("policy   file:examples/tag-policy.json with the organisation's tag policy file:" + ORG_POLICY + "@"), out);
        assertTrue(out.contains("  CostCenter  INVALID_VALUE  not fixed: the default renders to \"unassigned\", which is refused: \"unassigned\""
                + " is not among the values the organisation's tag policy " + ORG_POLICY + " allows for \"CostCenter\" [100, 200, 300*]"
                + " (enforced_for kms:key: KMS refuses it)\n"), out);
        assertTrue(out.contains("  1. TagResource    Owner=alice, CreatedBy=unknown\n"), "CostCenter is never written: " + out);
    }

    @Test
    void everyFormOfTheOrganisationPolicySimulatesTheSame() {
        String root = "src/test/resources/org-policies/";
        List<String> violations = List.of("effective-costcenter.json", "describe-effective-policy.json", "authored-costcenter.json").stream()
                .map(file -> simulate("--policy", POLICY, "--org-policy", root + file, "--tags", NONCOMPLIANT).stdout())
                .map(out -> out.substring(out.indexOf("\nviolations\n")).replaceAll("org-policies/[a-z-]+\\.json", "FILE"))
                .distinct().toList();

        assertEquals(1, violations.size(), violations::toString);
    }

    @Test
    void anAuthoredPolicyWithAppendIsRefusedWithExitStatus2SayingToUseTheEffectivePolicy() {
        CliRun run = CliRun.simulate("--policy", POLICY, "--org-policy", "src/test/resources/org-policies/authored-append.json",
                "--tags", NONCOMPLIANT);

        assertEquals(2, run.status(), run::toString);
        assertTrue(run.stderr().startsWith("src/test/resources/org-policies/authored-append.json.tags.costcenter.tag_value.@@append: @@append"
                + " combines policies down the OU tree"), run::toString);
        assertTrue(run.stderr().contains("aws organizations describe-effective-policy --policy-type TAG_POLICY"), run::toString);
        assertEquals("", run.stdout());
    }

    @Test
    void anOrganisationKeyTheLocalPolicyForbidsIsAWarningOnStderr() throws IOException {
        Path organisation = file("org.json", "{\"tags\":{\"scratch\":{\"tag_key\":\"Scratch\",\"report_required_tag_for\":[\"kms:key\"]}}}");

        CliRun run = CliRun.simulate("--policy", POLICY, "--org-policy", organisation.toString(), "--tags", NONCOMPLIANT);

        assertEquals(0, run.status(), run::toString);
        assertEquals("simulate: warning: the organisation's tag policy " + organisation + " names \"Scratch\", but the local policy forbids it"
                + " (\"Scratch\"): left out (the local policy wins)\n", run.stderr());
    }

    /** The function reads each account's tag policy live; a preview without it must say it does not apply it. */
    @Test
    void aPolicyThatReadsTheOrganisationsTagPolicyWithoutOrgPolicyIsNotedOnStderr() throws IOException {
        Path policy = file("policy.json", "{\"organizationTagPolicy\": \"effective\", \"required\": {\"Owner\": {\"default\": \"nobody\"}}}");

        CliRun run = CliRun.simulate("--policy", policy.toString(), "--tags", NONCOMPLIANT);

        assertEquals(0, run.status(), run::toString);
        assertTrue(run.stderr().startsWith("simulate: note: the policy's organizationTagPolicy is \"effective\": the function also enforces"
                + " each account's Organizations tag policy, which this run does not apply; give --org-policy FILE"), run::toString);
    }

    @Test
    void writesAreListedInTheOrderTheFunctionSendsThemRemovalFirstWhenTaggingFirstWouldPassFiftyTags() throws IOException {
        Path policy = file("policy.json", "{\"required\": {\"Owner\": {\"default\": \"nobody\"}}, \"forbidden\": [\"tmp:*\"]}");
        Path tags = file("tags.json", IntStream.range(0, 50).mapToObj(i -> "\"tmp:" + i + "\": \"x\"")
                .collect(Collectors.joining(", ", "{", "}")));

        String out = simulate("--policy", policy.toString(), "--tags", tags.toString()).stdout();

        assertTrue(out.contains("  1. UntagResource  tmp:0, tmp:1,"), out);
        assertTrue(out.contains("  2. TagResource    Owner=nobody\n"), out);
    }

    @Test
    void theOutputOfListResourceTagsSimulatesExactlyAsTheSameTagsAsAnObject() throws IOException {
        Path listing = file("listing.json", """
                {"Tags": [{"TagKey": "owner", "TagValue": "alice"}, {"TagKey": "tmp:build", "TagValue": "1234"},
                          {"TagKey": "CostCenter", "TagValue": "12ab"}, {"TagKey": "Environment", "TagValue": "prod"}]}""");

        String fromObject = simulate("--policy", POLICY, "--tags", NONCOMPLIANT).stdout();
        String fromListing = simulate("--policy", POLICY, "--tags", listing.toString()).stdout();

        assertEquals(fromObject, fromListing);
    }

    @Test
    void bothModesAreShownWhateverModeThePolicyNames() throws IOException {
        Path policy = file("policy.json", "{\"mode\": \"report\", \"forbidden\": [\"tmp:*\"]}");

        String out = simulate("--policy", policy.toString(), "--tags", NONCOMPLIANT).stdout();

        assertTrue(out.contains("(its mode: report)"), out);
        assertTrue(out.contains("  enforce mode  REMEDIATED\n  report mode   REPORTED (report mode: nothing written)\n"), out);
    }

    @Test
    void anExemptKeyIsIgnoredAndNothingIsWritten() throws IOException {
        Path tags = file("tags.json", "{\"tag-enforcer:exempt\": \"yes\", \"tmp:build\": \"1\"}");

        String out = simulate("--policy", POLICY, "--tags", tags.toString()).stdout();

        assertTrue(out.contains("\nenforce mode writes, in this order: none\n"), out);
        assertTrue(out.contains("enforce mode  IGNORED (key carries the exemption tag tag-enforcer:exempt)"), out);
    }

    @Test
    void todayDecidesWhetherAnExemptionWithAnEndDateStillHolds() throws IOException {
        Path tags = file("tags.json", "{\"tag-enforcer:exempt\": \"until 2027-03-31\", \"tmp:build\": \"1\"}");

        String lastDay = simulate("--policy", POLICY, "--tags", tags.toString(), "--today", "2027-03-31").stdout();
        String dayAfter = simulate("--policy", POLICY, "--tags", tags.toString(), "--today", "2027-04-01").stdout();

        assertTrue(lastDay.contains("  exemption     active: key carries the exemption tag tag-enforcer:exempt until 2027-03-31 "
                + "(judged on 2027-03-31)\n"), lastDay);
        assertTrue(lastDay.contains("enforce mode  IGNORED"), lastDay);
        assertTrue(dayAfter.contains("  exemption     expired: exemption tag-enforcer:exempt expired on 2027-03-31: the key is enforced again "
                + "(judged on 2027-04-01)\n"), dayAfter);
        assertTrue(dayAfter.contains("enforce mode  REMEDIATED"), dayAfter);
        assertTrue(dayAfter.contains("UntagResource"), dayAfter);
    }

    @Test
    void aTodayThatIsNotADateIsAUsageError() {
        CliRun run = CliRun.simulate("--policy", POLICY, "--tags", NONCOMPLIANT, "--today", "2027-02-30");

        assertEquals(2, run.status(), run::toString);
        assertTrue(run.stderr().contains("--today \"2027-02-30\" is not a date (YYYY-MM-DD)"), run::toString);
    }

    @Test
    void theJsonDocumentHoldsTheWritesInOrderAndEachModesResponse() throws Exception {
        JsonField json = JsonField.parse("simulation", simulate("--policy", POLICY, "--tags", NONCOMPLIANT, "--format", "json").stdout());

        assertEquals("existingKey", json.get("context").requiredString());
        assertEquals("file:" + POLICY, json.get("policy").get("source").requiredString());
        assertEquals(PolicyOrigin.of("", Files.readAllBytes(CliRun.ROOT.resolve(POLICY))).sha256(), json.get("policy").get("sha256").requiredString());
        assertTrue(json.get("keyArnIsPlaceholder").optionalBoolean().orElseThrow());
        assertEquals(List.of("principal", "principal.arn"),
                json.get("unknownVariables").elements().stream().map(JsonField::requiredString).toList());
        List<JsonField> writes = json.get("writes").elements();
        assertEquals("TagResource", writes.get(0).get("operation").requiredString());
        assertEquals("unassigned", writes.get(0).get("tags").get("CostCenter").requiredString());
        assertEquals("UntagResource", writes.get(1).get("operation").requiredString());
        assertEquals(List.of("tmp:build", "owner"), writes.get(1).get("tagKeys").elements().stream().map(JsonField::requiredString).toList());
        assertEquals("12ab", json.get("previousValues").get("CostCenter").requiredString());
        assertEquals("REMEDIATED", json.get("enforce").get("outcome").requiredString());
        JsonField report = json.get("report");
        assertEquals("REPORTED", report.get("outcome").requiredString());
        assertEquals(0, report.get("added").members().size(), "report mode writes nothing");
        assertEquals("unassigned", report.get("wouldAdd").get("CostCenter").requiredString());
        assertEquals("unassigned", json.get("tagsAfterEnforce").get("CostCenter").requiredString());
    }

    @Test
    void aMissingFileIsAUsageErrorThatNamesIt() {
        CliRun run = CliRun.simulate("--policy", POLICY, "--tags", "no-such-tags.json");

        assertEquals(2, run.status());
        assertTrue(run.stderr().startsWith("simulate: --tags " + CliRun.ROOT.resolve("no-such-tags.json") + ": no such file\n"), run::toString);
    }

    @Test
    void keyArnTogetherWithAnEventIsAUsageError() {
        CliRun run = CliRun.simulate("--policy", POLICY, "--tags", NONCOMPLIANT, "--event", "events/create-key.json", "--key-arn", KEY);

        assertEquals(2, run.status());
        assertTrue(run.stderr().startsWith("simulate: --key-arn is for a run without --event: the event names its key\n"), run::toString);
    }

    @Test
    void helpPrintsTheUsageAndSucceeds() {
        CliRun run = CliRun.simulate("--help");

        assertEquals(0, run.status());
        assertTrue(run.stdout().startsWith("usage: scripts/simulate [--policy FILE] [--org-policy FILE] --tags FILE"), run::toString);
    }
}
