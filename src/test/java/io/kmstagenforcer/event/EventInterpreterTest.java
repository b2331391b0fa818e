package io.kmstagenforcer.event;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kmstagenforcer.Fixtures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * How the bytes Lambda delivers become {@link Interpretation.Enforce}, {@link Interpretation.Ignore}
 * or {@link Interpretation.Reject}, specified against the sample events in {@code events/} (the
 * {@code sam local invoke} samples) and the variants in {@code src/test/resources/events/}, whose
 * README tables list the same outcomes as {@link #EVERY_FIXTURE}.
 *
 * <p>Rules: the target key is {@code responseElements.keyMetadata} for CreateKey and
 * {@code responseElements.replicaKeyMetadata} for ReplicateKey, and its region and account come
 * from its ARN. TagResource and UntagResource (drift) name their key in {@code detail.resources}, or
 * by ARN in {@code requestParameters.keyId}. Failed calls, other events, the enforcer's own tag
 * writes, AWS managed keys and keys pending deletion are ignored with a reason. Malformed input is rejected with a message naming the offending path. Nothing
 * throws.
 */
class EventInterpreterTest {
    /** The key of events/create-key.json and of most variants in src/test/resources/events. */
    static final String BASE_KEY = "arn:aws:kms:us-east-1:111122223333:key/0f8c3a5e-7b21-4d9e-a6c4-2e51b9d07f13";
    static final String MRK_ID = "mrk-8a3f61c2d94e4b07a1c5e92f3b6d8a40";
    static final String CREATE_KEY = "events/create-key.json";
    static final String REPLICATE_KEY = "events/replicate-key.json";
    /** The CreateKey record of the replication in events/replicate-key.json, as the replica's region logs it. */
    static final String REPLICA_CREATE_KEY_RECORD = "create-key-of-replica.json";

    /** The execution role the fixtures' own-write events name (events/env.json sets it for local runs). */
    static final String ENFORCER_ROLE = "kms-tag-enforcer-TagEnforcerRole-EXAMPLE";

    private final EventInterpreter interpreter = new EventInterpreter(
            new EnforcerIdentity(Optional.of(ENFORCER_ROLE), Optional.of("kms-tag-enforcer-TagEnforcerFunction-EXAMPLE")));

    enum Kind { ENFORCE, IGNORE, REJECT }

    /** What must come of an input: for ENFORCE the key's ARN, otherwise fragments of the reason. */
    record Outcome(Kind kind, List<String> fragments) {
    }

    /** An input: a fixture file, optionally edited (pairs of from/to, see {@link #variant}). */
    record Case(String name, String file, List<String> edits, Outcome outcome) {
        byte[] bytes() {
            return edits.isEmpty() ? Fixtures.bytes(file) : variant(file, edits.toArray(String[]::new));
        }

        @Override
        public String toString() {
            return name + " -> " + outcome.kind() + " " + outcome.fragments();
        }
    }

    static Outcome enforces(String keyArn) {
        return new Outcome(Kind.ENFORCE, List.of(keyArn));
    }

    static Outcome ignores(String... reason) {
        return new Outcome(Kind.IGNORE, List.of(reason));
    }

    static Outcome rejects(String... reason) {
        return new Outcome(Kind.REJECT, List.of(reason));
    }

    private static Case fixture(String file, Outcome outcome) {
        return new Case(file, file, List.of(), outcome);
    }

    private static Case edited(String file, String behaviour, Outcome outcome, String... fromTo) {
        return new Case(behaviour, file, List.of(fromTo), outcome);
    }

    /** Every fixture in both folders, as the two README tables describe it. */
    static final List<Case> EVERY_FIXTURE = List.of(
            // events/ (the sam local invoke samples)
            fixture(CREATE_KEY, enforces(BASE_KEY)),
            fixture("events/create-key-with-tags.json", enforces("arn:aws:kms:us-east-1:111122223333:key/5d2e9b74-1c3a-4f8e-b0d6-7a9c4e21f5b8")),
            fixture("events/create-multi-region-key.json", enforces("arn:aws:kms:us-east-1:111122223333:key/" + MRK_ID)),
            fixture(REPLICATE_KEY, enforces("arn:aws:kms:eu-west-1:111122223333:key/" + MRK_ID)),
            fixture("events/create-key-failed.json", ignores("CreateKey failed", "AccessDeniedException")),
            fixture("events/create-key-aws-managed.json", ignores("AWS managed")),
            fixture("events/not-a-kms-event.json", ignores("aws.s3")),
            fixture("events/tag-resource.json", enforces(BASE_KEY)),
            fixture("events/untag-resource.json", enforces(BASE_KEY)),
            fixture("events/tag-resource-by-enforcer.json", ignores("TagResource", "enforcer's own role " + ENFORCER_ROLE)),
            fixture("events/scheduled-sweep.json", ignores("aws.events")),
            // The function's own output (docs/RESULTS.md): were one sent back to it, it is no KMS call.
            fixture("events/decision-event.json", ignores("kms-tag-enforcer")),
            fixture("events/decision-event-remediated.json", ignores("kms-tag-enforcer")),
            // src/test/resources/events/: quirks that must still be processed
            fixture("create-key-root.json", enforces(BASE_KEY)),
            fixture("create-key-iam-user.json", enforces(BASE_KEY)),
            fixture("create-key-aws-service-no-arn.json", enforces(BASE_KEY)),
            fixture("create-key-identity-without-type-or-arn.json", enforces(BASE_KEY)),
            fixture("create-key-no-user-identity.json", enforces(BASE_KEY)),
            fixture("create-key-lowercase-account-field.json", enforces(BASE_KEY)),
            fixture("create-key-upper-account-field.json", enforces(BASE_KEY)),
            fixture("create-key-no-key-manager.json", enforces(BASE_KEY)),
            fixture("create-key-external-pending-import.json", enforces(BASE_KEY)),
            fixture("create-key-no-optional-fields.json", enforces(BASE_KEY)),
            fixture(REPLICA_CREATE_KEY_RECORD, enforces("arn:aws:kms:eu-west-1:111122223333:key/" + MRK_ID)),
            fixture("create-key-china-partition.json", enforces("arn:aws-cn:kms:cn-north-1:111122223333:key/9b6d2f48-3e1a-4c75-8f09-b2e4d6a81c37")),
            // well-formed, but not ours to act on
            fixture("create-key-pending-deletion.json", ignores("PendingDeletion")),
            fixture("replicate-key-pending-replica-deletion.json", ignores("PendingReplicaDeletion")),
            fixture("disable-key.json", ignores("DisableKey")),
            fixture("tag-resource-failed.json", ignores("TagResource failed", "AccessDeniedException", "no tag was changed")),
            fixture("tag-resource-by-sweep.json", ignores("enforcer's own role " + ENFORCER_ROLE)),
            // drift events name their key in resources, or by ARN in the request
            fixture("tag-resource-bare-key-id.json", enforces(BASE_KEY)),
            fixture("tag-resource-without-resources.json", enforces(BASE_KEY)),
            fixture("tag-resource-by-aws-service.json", enforces(BASE_KEY)),
            fixture("tag-resource-no-key-arn.json", rejects("detail.resources", "names no AWS::KMS::Key ARN")),
            fixture("tag-resource-resources-not-array.json", rejects("detail.resources", "must be an array")),
            // malformed: the reason names the path and what is wrong with it
            fixture("missing-detail.json", rejects("event.detail", "missing")),
            fixture("detail-is-string.json", rejects("event.detail", "must be an object", "a string")),
            fixture("key-metadata-not-object.json", rejects("responseElements.keyMetadata", "must be an object", "a number")),
            fixture("arn-not-string.json", rejects("keyMetadata.arn", "must be a string", "a number")),
            fixture("arn-missing.json", rejects("keyMetadata.arn", "missing")),
            fixture("arn-other-service.json", rejects("keyMetadata.arn", "arn:aws:s3:::my-bucket", "'s3', not kms")),
            fixture("arn-unparseable.json", rejects("keyMetadata.arn", "'not-an-arn' is not an ARN")),
            fixture("arn-alias.json", rejects("keyMetadata.arn", "alias/my-key", "not a key")),
            fixture("response-elements-missing.json", rejects("responseElements.keyMetadata", "missing")),
            fixture("not-json.txt", rejects("event is not valid JSON")),
            fixture("json-array.json", rejects("event must be an object", "an array")),
            fixture("empty.json", rejects("event is empty")));

    /** One-line edits of a sample where a whole file would be silly, each named for the rule it shows. */
    static final List<Case> EDITED_SAMPLES = List.of(
            edited(CREATE_KEY, "the key's region and account come from its ARN, not the envelope or the record", enforces(BASE_KEY),
                    "\"region\": \"us-east-1\"", "\"region\": \"eu-central-1\"",
                    "\"account\": \"111122223333\"", "\"account\": \"999988887777\"",
                    "\"awsRegion\": \"us-east-1\"", "\"awsRegion\": \"ap-south-1\"",
                    "\"recipientAccountId\": \"111122223333\"", "\"recipientAccountId\": \"999988887777\""),
            edited(CREATE_KEY, "detail.resources is never taken for the target", enforces(BASE_KEY),
                    "\"ARN\": \"" + BASE_KEY + "\"", "\"ARN\": \"arn:aws:kms:us-west-2:444455556666:key/11111111-2222-3333-4444-555555555555\""),
            edited(REPLICATE_KEY, "ReplicateKey reads only replicaKeyMetadata, never keyMetadata",
                    rejects("responseElements.replicaKeyMetadata", "missing"), "\"replicaKeyMetadata\":", "\"keyMetadata\":"),
            edited(CREATE_KEY, "an envelope without source or detail-type is judged by its record", enforces(BASE_KEY),
                    "\"source\": \"aws.kms\",", "", "\"detail-type\": \"AWS API Call via CloudTrail\",", ""),
            edited(CREATE_KEY, "a record without eventSource under a KMS envelope is taken for KMS", enforces(BASE_KEY),
                    "\"eventSource\": \"kms.amazonaws.com\",", ""),
            edited(CREATE_KEY, "source aws.kms with detail-type KMS Key State Change is ignored",
                    ignores("detail-type", "KMS Key State Change"), "\"AWS API Call via CloudTrail\"", "\"KMS Key State Change\""),
            edited(CREATE_KEY, "a record from another eventSource is ignored, even under a KMS envelope",
                    ignores("eventSource", "s3.amazonaws.com"), "\"eventSource\": \"kms.amazonaws.com\"", "\"eventSource\": \"s3.amazonaws.com\""),
            edited(CREATE_KEY, "an event from another source is ignored without looking at its detail", ignores("aws.s3"),
                    "\"source\": \"aws.kms\"", "\"source\": \"aws.s3\"", "\"detail\": {", "\"detail\": 42, \"unused\": {"),
            // EventInterpreter's own contract: "an event meant for someone else is ignored before its inner shape is judged".
            edited(CREATE_KEY, "another service's record is ignored even if its eventName is malformed", ignores("s3.amazonaws.com"),
                    "\"source\": \"aws.kms\",", "", "\"eventSource\": \"kms.amazonaws.com\"", "\"eventSource\": \"s3.amazonaws.com\"",
                    "\"eventName\": \"CreateKey\"", "\"eventName\": 7"),
            edited(CREATE_KEY, "another KMS call is ignored, naming it", ignores("ScheduleKeyDeletion"),
                    "\"eventName\": \"CreateKey\"", "\"eventName\": \"ScheduleKeyDeletion\""),
            edited(CREATE_KEY, "a KMS record without eventName is rejected", rejects("detail.eventName", "missing"),
                    "\"eventName\": \"CreateKey\",", ""),
            edited(CREATE_KEY, "responseElements of the wrong type is rejected, naming the path",
                    rejects("detail.responseElements", "must be an object"), "\"responseElements\": {", "\"responseElements\": \"ok\", \"unused\": {"),
            // Unreadable keyManager/keyState count as unsaid: DescribeKey will be asked.
            edited(CREATE_KEY, "a keyManager that is not a string counts as absent", enforces(BASE_KEY),
                    "\"keyManager\": \"CUSTOMER\"", "\"keyManager\": 1"),
            edited(CREATE_KEY, "a keyState that is not a string counts as absent", enforces(BASE_KEY),
                    "\"keyState\": \"Enabled\"", "\"keyState\": [\"Enabled\"]"));

    Interpretation interpret(String file) {
        return interpreter.interpret(Fixtures.bytes(file));
    }

    /** events/create-key.json edited as {@link #variant} does it. */
    Interpretation createKeyWith(String... fromTo) {
        return interpreter.interpret(variant(CREATE_KEY, fromTo));
    }

    static KeyEvent enforced(Interpretation result) {
        return assertInstanceOf(Interpretation.Enforce.class, result, () -> "expected Enforce, got " + result).event();
    }

    static Interpretation.Ignore ignored(Interpretation result) {
        return assertInstanceOf(Interpretation.Ignore.class, result, () -> "expected Ignore, got " + result);
    }

    static Interpretation.Reject rejected(Interpretation result) {
        return assertInstanceOf(Interpretation.Reject.class, result, () -> "expected Reject, got " + result);
    }

    static void assertContainsAll(String text, List<String> fragments) {
        assertAll(fragments.stream().map(fragment ->
                () -> assertTrue(text.contains(fragment), () -> "'" + text + "' does not contain '" + fragment + "'")));
    }

    /**
     * The fixture's text with each {@code from} replaced by the {@code to} after it. Each
     * {@code from} must occur exactly once, so that a changed fixture fails here instead of
     * silently leaving the variant equal to the original.
     */
    static byte[] variant(String file, String... fromTo) {
        String text = new String(Fixtures.bytes(file), StandardCharsets.UTF_8);
        for (int i = 0; i < fromTo.length; i += 2) {
            String from = fromTo[i];
            int at = text.indexOf(from);
            assertTrue(at >= 0 && text.indexOf(from, at + 1) < 0, () -> file + " must contain '" + from + "' exactly once");
            text = text.replace(from, fromTo[i + 1]);
        }
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Nested
    class DocumentedOutcomes {

        @ParameterizedTest(name = "{0}")
        @MethodSource("io.kmstagenforcer.event.EventInterpreterTest#everyFixture")
        void hasItsDocumentedOutcome(Case fixture) {
            assertOutcome(fixture.outcome(), interpreter.interpret(fixture.bytes()));
        }

        @ParameterizedTest(name = "{0}")
        @MethodSource("io.kmstagenforcer.event.EventInterpreterTest#editedSamples")
        void anEditedSampleHasTheOutcomeItsRuleGives(Case edited) {
            assertOutcome(edited.outcome(), interpreter.interpret(edited.bytes()));
        }

        @Test
        void everyFileInBothFoldersHasAnExpectation() throws IOException {
            Set<String> files = new TreeSet<>();
            try (Stream<Path> samples = Files.list(Fixtures.path("events/"));
                    Stream<Path> variants = Files.list(Fixtures.FIXTURE_DIR)) {
                samples.map(file -> "events/" + file.getFileName()).forEach(files::add);
                variants.map(file -> file.getFileName().toString()).forEach(files::add);
            }
            // Not events: the samples' README, sam local --env-vars, the fixtures' README.
            files.removeAll(Set.of("events/README.md", "events/env.json", "README.md"));
            assertEquals(files, EVERY_FIXTURE.stream().map(Case::file).collect(Collectors.toCollection(TreeSet::new)));
        }
    }

    static Stream<Case> everyFixture() {
        return EVERY_FIXTURE.stream();
    }

    static Stream<Case> editedSamples() {
        return EDITED_SAMPLES.stream();
    }

    static void assertOutcome(Outcome expected, Interpretation result) {
        switch (expected.kind()) {
            case ENFORCE -> assertEquals(expected.fragments().get(0), enforced(result).key().toString());
            case IGNORE -> assertContainsAll(ignored(result).reason(), expected.fragments());
            case REJECT -> assertContainsAll(rejected(result).reason(), expected.fragments());
            default -> throw new AssertionError(expected.kind());
        }
    }

    @Nested
    class TheTargetKey {

        @Test
        void createKeyTargetsKeyMetadataWithRegionAndAccountFromItsArn() {
            KeyArn key = enforced(interpret(CREATE_KEY)).key();
            assertEquals(new KeyArn("aws", "us-east-1", "111122223333", "0f8c3a5e-7b21-4d9e-a6c4-2e51b9d07f13"), key);
        }

        @Test
        void replicateKeyTargetsTheReplicaInTheReplicasRegionNotTheEventsRegion() {
            KeyEvent event = enforced(interpret(REPLICATE_KEY));
            assertEquals("eu-west-1", event.key().region(), "the replica's region: KMS must be called there");
            assertEquals(MRK_ID, event.key().keyId());
            assertEquals("ReplicateKey", event.eventName());
            assertEquals(Optional.of("Creating"), event.keyState(), "replicaKeyMetadata, not the primary's state");
        }

        @Test
        void replicateKeyEventItselfIsInThePrimarysRegion() {
            String text = new String(Fixtures.bytes(REPLICATE_KEY), StandardCharsets.UTF_8);
            assertTrue(text.contains("\"awsRegion\": \"us-east-1\""), "fixture premise: detail.awsRegion is the primary's");
            assertNotEquals("us-east-1", enforced(interpret(REPLICATE_KEY)).key().region());
        }

        @Test
        void aChinaPartitionKeyKeepsItsPartitionAndRegion() {
            KeyArn key = enforced(interpret("create-key-china-partition.json")).key();
            assertEquals(List.of("aws-cn", "cn-north-1", "111122223333"), List.of(key.partition(), key.region(), key.account()));
        }

        @Test
        void aMultiRegionPrimaryIsAddressedByItsMrkId() {
            assertEquals(MRK_ID, enforced(interpret("events/create-multi-region-key.json")).key().keyId());
        }
    }

    @Nested
    class TheKeyEvent {

        @Test
        void eventIdIsTheCloudTrailEventIdNotTheEnvelopeId() {
            // events/create-key.json: envelope id eefb379b-..., detail.eventID fc0be789-...
            assertEquals(Optional.of("fc0be789-e182-4ced-b6d5-872422d79825"), enforced(interpret(CREATE_KEY)).eventId());
        }

        @Test
        void eventNameAndEventTimeComeFromTheRecord() {
            KeyEvent event = enforced(interpret(CREATE_KEY));
            assertEquals(List.of("CreateKey", "2024-05-14T09:12:41Z"), List.of(event.eventName(), event.eventTime().orElseThrow()));
        }

        @Test
        void keyManagerAndKeyStateAreWhatTheEventSays() {
            KeyEvent event = enforced(interpret(CREATE_KEY));
            assertEquals(List.of(Optional.of("CUSTOMER"), Optional.of("Enabled")), List.of(event.keyManager(), event.keyState()));
        }

        @Test
        void aKeyWhoseManagerIsNotStatedIsEnforcedWithKeyManagerAndStateEmpty() {
            KeyEvent event = enforced(interpret("create-key-no-key-manager.json"));
            assertEquals(List.of(Optional.empty(), Optional.empty()), List.of(event.keyManager(), event.keyState()),
                    "not assumed CUSTOMER/Enabled: the enforcer asks KMS (DescribeKey)");
        }

        @Test
        void aPendingImportKeyIsEnforced() {
            assertEquals(Optional.of("PendingImport"), enforced(interpret("create-key-external-pending-import.json")).keyState());
        }

        @Test
        void theCallerIsTheRecordsUserIdentity() {
            UserIdentity caller = enforced(interpret(CREATE_KEY)).caller();
            assertEquals(List.of("AssumedRole", "alice", "KeyAdmins", "arn:aws:sts::111122223333:assumed-role/KeyAdmins/alice"),
                    List.of(caller.type().orElseThrow(), caller.principal().orElseThrow(), caller.roleName().orElseThrow(),
                            caller.arn().orElseThrow()));
        }

        @Test
        void anIamUserCallerIsNamedByUserName() {
            assertEquals(Optional.of("bob"), enforced(interpret("create-key-iam-user.json")).caller().principal());
        }

        @Test
        void aRootCallerIsNamedRoot() {
            assertEquals(Optional.of("root"), enforced(interpret("create-key-root.json")).caller().principal());
        }

        @Test
        void anAwsServiceCallerIsNamedByTheService() {
            assertEquals(Optional.of("cloudformation.amazonaws.com"),
                    enforced(interpret("create-key-aws-service-no-arn.json")).caller().principal());
        }
    }

    @Nested
    class Ignored {

        @Test
        void aFailedCallIsIgnoredWithItsEventIdAndNoKey() {
            Interpretation.Ignore ignore = ignored(interpret("events/create-key-failed.json"));
            assertEquals(Optional.of("75248833-f762-41f5-b2b2-fd9ed58b016b"), ignore.eventId());
            assertEquals(Optional.empty(), ignore.keyArn());
        }

        @ParameterizedTest(name = "errorCode {0}")
        @ValueSource(strings = {"403", "true", "{\"code\": \"AccessDenied\"}", "[]", "\"\""})
        void anyErrorCodeWhateverItsTypeMarksAFailedCallEvenWithKeyMetadata(String errorCode) {
            Interpretation result = createKeyWith("\"eventName\": \"CreateKey\",", "\"eventName\": \"CreateKey\", \"errorCode\": " + errorCode + ",");
            assertContainsAll(ignored(result).reason(), List.of("failed"));
        }

        @Test
        void anAwsManagedKeyIsIgnoredNamingTheKey() {
            Interpretation.Ignore ignore = ignored(interpret("events/create-key-aws-managed.json"));
            assertEquals(Optional.of("arn:aws:kms:us-east-1:111122223333:key/c41e7d92-6b0f-4a83-9e25-d8f1a3b7c604"), ignore.keyArn());
            assertEquals(Optional.of("0d23d55d-871e-46dc-9314-299e76259253"), ignore.eventId());
        }

        @ParameterizedTest
        @CsvSource({"PendingDeletion", "PendingReplicaDeletion"})
        void aKeyPendingDeletionIsIgnoredWhateverTheEvent(String state) {
            Interpretation.Ignore ignore = ignored(createKeyWith("\"keyState\": \"Enabled\"", "\"keyState\": \"" + state + "\""));
            assertContainsAll(ignore.reason(), List.of(state));
            assertEquals(Optional.of(BASE_KEY), ignore.keyArn());
        }
    }

    @Nested
    class Quirks {

        @ParameterizedTest(name = "creationDate {0}")
        @ValueSource(strings = {"\"May 14, 2024, 9:12:41 AM\"", "\"Jun 30, 2020 2:34:07 AM\"", "1715677961", "null", "{}"})
        void creationDateIsNeverParsed(String creationDate) {
            Interpretation result = createKeyWith("\"creationDate\": \"May 14, 2024, 9:12:41 AM\"", "\"creationDate\": " + creationDate);
            assertEquals(BASE_KEY, enforced(result).key().toString());
        }

        @ParameterizedTest
        @CsvSource({"create-key-lowercase-account-field.json", "create-key-upper-account-field.json", "events/replicate-key.json"})
        void theAccountComesFromTheArnHoweverTheAccountFieldIsSpelled(String file) {
            assertEquals("111122223333", enforced(interpret(file)).key().account());
        }

        @Test
        void aMinimalRecordIsEnforcedWithEverythingOptionalEmpty() {
            KeyEvent event = enforced(interpret("create-key-no-optional-fields.json"));
            assertEquals(new KeyEvent(KeyArn.parse(BASE_KEY), "CreateKey", Optional.of("144796b5-03cd-4d88-8ab7-d075b232bf47"),
                    Optional.of("2024-05-14T09:12:41Z"), Optional.empty(), Optional.empty(), UserIdentity.UNKNOWN,
                    Optional.empty(), false, Map.of()), event);
        }

        @ParameterizedTest(name = "{0}")
        @CsvSource(delimiter = '|', textBlock = """
                "creationDate": "May 14, 2024, 9:12:41 AM" | 2024-05-14T09:12:41Z
                "creationDate": "May 14, 2024 9:12:41 PM"  | 2024-05-14T21:12:41Z
                "creationDate": "2024-05-14T09:12:41Z"     | 2024-05-14T09:12:41Z
                """)
        void theKeysCreationDateIsReadInCloudTrailsTextFormatAsUtc(String field, String instant) {
            KeyEvent event = enforced(createKeyWith("\"creationDate\": \"May 14, 2024, 9:12:41 AM\"", field));
            assertEquals(Optional.of(Instant.parse(instant)), event.keyCreated());
        }

        @Test
        void anUnreadableCreationDateIsNoCreationDate() {
            assertEquals(Optional.empty(), enforced(createKeyWith("\"creationDate\": \"May 14, 2024, 9:12:41 AM\"",
                    "\"creationDate\": \"yesterday\"")).keyCreated());
        }

        @Test
        void aReplicaIsKnownFromItsReplicateKeyRecordAndFromTheCreateKeyRecordInItsOwnRegion() {
            assertTrue(enforced(interpret(REPLICATE_KEY)).replica());
            assertTrue(enforced(interpret(REPLICA_CREATE_KEY_RECORD)).replica());
            assertFalse(enforced(interpret("events/create-multi-region-key.json")).replica(), "a primary is no replica");
            assertFalse(enforced(interpret(CREATE_KEY)).replica());
        }

        @Test
        void aHugeFieldIsQuotedInTheReasonAtMostAHundredCharacters() {
            String huge = "x".repeat(100_000);

            String reason = ignored(createKeyWith("\"source\": \"aws.kms\"", "\"source\": \"" + huge + "\"")).reason();

            assertTrue(reason.startsWith("source is " + "x".repeat(100) + "..., not aws.kms"), () -> reason.substring(0, 200));
            assertTrue(reason.length() < 200, "a reason is for a person: " + reason.length() + " characters");
        }

        @Test
        void aKeyWhosePrimaryIsAnotherKeyIsAReplicaWhateverItsTypeSays() {
            byte[] mislabelled = variant(REPLICA_CREATE_KEY_RECORD, "\"multiRegionKeyType\": \"REPLICA\"", "\"multiRegionKeyType\": \"PRIMARY\"");

            assertTrue(enforced(interpreter.interpret(mislabelled)).replica(), "moto 5.2.1 labels replicas PRIMARY");
        }

        @Test
        void aRecordWithoutUserIdentityHasAnUnknownCaller() {
            assertEquals(UserIdentity.UNKNOWN, enforced(interpret("create-key-no-user-identity.json")).caller());
        }

        @Test
        void aUserIdentityWithoutTypeOrArnKeepsWhatItHas() {
            UserIdentity caller = enforced(interpret("create-key-identity-without-type-or-arn.json")).caller();
            assertEquals(List.of(Optional.empty(), Optional.empty(), Optional.of("111122223333")),
                    List.of(caller.type(), caller.arn(), caller.accountId()));
        }

        @ParameterizedTest(name = "userIdentity {0}")
        @ValueSource(strings = {"\"someone\"", "42", "[]", "null"})
        void aUserIdentityOfTheWrongTypeIsAnUnknownCallerNotAMalformedEvent(String identity) {
            Interpretation result = createKeyWith("\"userIdentity\": {", "\"userIdentity\": " + identity + ", \"unused\": {");
            assertEquals(UserIdentity.UNKNOWN, enforced(result).caller());
        }

        @ParameterizedTest(name = "{0} {1}")
        @CsvSource(delimiter = '|', textBlock = """
                eventID   | 42
                eventTime | false
                awsRegion | {}
                """)
        void informationalRecordFieldsOfTheWrongTypeReadAsAbsent(String field, String value) {
            Interpretation result = createKeyWith("\"" + field + "\": \"", "\"" + field + "\": " + value + ", \"unused\": \"");
            assertEquals(BASE_KEY, enforced(result).key().toString());
        }

        @Test
        void aRecordWithoutEventIdIsEnforcedWithoutOne() {
            assertEquals(Optional.empty(), enforced(createKeyWith("\"eventID\":", "\"unusedID\":")).eventId());
        }
    }

    @Nested
    class Rejected {

        @ParameterizedTest(name = "eventName {0}")
        @ValueSource(strings = {"7", "[\"CreateKey\"]", "{}", "true"})
        void aKmsRecordWhoseEventNameIsNotAStringIsRejectedNamingThePath(String eventName) {
            Interpretation result = createKeyWith("\"eventName\": \"CreateKey\"", "\"eventName\": " + eventName);
            assertContainsAll(rejected(result).reason(), List.of("detail.eventName", "must be a string"));
        }

        @Test
        void aRejectedKmsRecordStillReportsItsEventId() {
            assertEquals(Optional.of("a660c17f-90c2-47f4-b85d-344fc0fc15bc"), rejected(interpret("arn-not-string.json")).eventId());
        }

        @Test
        void aHugeArnIsQuotedOnlyInPart() {
            String huge = "arn:aws:kms:us-east-1:111122223333:key/" + "f".repeat(1 << 20);
            String reason = rejected(createKeyWith("\"arn\": \"" + BASE_KEY + "\"", "\"arn\": \"" + huge + "\"")).reason();
            assertTrue(reason.contains("keyMetadata.arn") && reason.length() < 1000, () -> "too long or pathless: " + reason.length());
        }
    }

    @Nested
    class Hostile {

        @ParameterizedTest(name = "{0}")
        @MethodSource("io.kmstagenforcer.event.EventInterpreterTest#hostileInputs")
        void noHostileInputMakesInterpretThrowAndEachIsRejected(byte[] input) {
            Interpretation[] result = new Interpretation[1];
            assertDoesNotThrow(() -> result[0] = interpreter.interpret(input));
            rejected(result[0]);
        }
    }

    static Stream<Named<byte[]>> hostileInputs() {
        byte[] randomBytes = new byte[1 << 20];
        new Random(20240514).nextBytes(randomBytes);
        byte[] createKey = Fixtures.bytes(CREATE_KEY);
        return Stream.of(
                Named.of("1 MB of random bytes", randomBytes),
                Named.of("1 MB of letters", "A".repeat(1 << 20).getBytes(StandardCharsets.UTF_8)),
                Named.of("a 1 MB JSON string", ("\"" + "A".repeat(1 << 20) + "\"").getBytes(StandardCharsets.UTF_8)),
                Named.of("100 000 nested arrays", "[".repeat(100_000).getBytes(StandardCharsets.UTF_8)),
                Named.of("100 000 nested objects", ("{\"a\":".repeat(100_000) + "1" + "}".repeat(100_000)).getBytes(StandardCharsets.UTF_8)),
                Named.of("5 000 nested objects inside detail",
                        ("{\"detail\":" + "{\"a\":".repeat(5_000) + "1" + "}".repeat(5_001)).getBytes(StandardCharsets.UTF_8)),
                Named.of("a 100 000-digit number", ("1" + "0".repeat(100_000)).getBytes(StandardCharsets.UTF_8)),
                Named.of("the sample cut in half", Arrays.copyOf(createKey, createKey.length / 2)),
                Named.of("the sample followed by more text", (new String(createKey, StandardCharsets.UTF_8) + " and more")
                        .getBytes(StandardCharsets.UTF_8)),
                Named.of("invalid UTF-8", new byte[] {'{', '"', 'a', '"', ':', '"', (byte) 0xC3, 0x28, '"', '}'}),
                Named.of("NUL bytes", new byte[16]),
                Named.of("whitespace only", " \n\t\r ".getBytes(StandardCharsets.UTF_8)),
                Named.of("JSON null", "null".getBytes(StandardCharsets.UTF_8)),
                Named.of("JSON number", "42".getBytes(StandardCharsets.UTF_8)),
                Named.of("JSON string", "\"aws.kms\"".getBytes(StandardCharsets.UTF_8)),
                Named.of("empty object", "{}".getBytes(StandardCharsets.UTF_8)),
                Named.of("detail null", "{\"source\":\"aws.kms\",\"detail\":null}".getBytes(StandardCharsets.UTF_8)),
                Named.of("detail an array", "{\"source\":\"aws.kms\",\"detail\":[{}]}".getBytes(StandardCharsets.UTF_8)),
                Named.of("arn null", "{\"detail\":{\"eventName\":\"CreateKey\",\"responseElements\":{\"keyMetadata\":{\"arn\":null}}}}"
                        .getBytes(StandardCharsets.UTF_8)),
                Named.of("single-quoted JSON", "{'detail':{}}".getBytes(StandardCharsets.UTF_8)));
    }
}
