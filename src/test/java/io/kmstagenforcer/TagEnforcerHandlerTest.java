package io.kmstagenforcer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.inOrder;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.mockito.Mockito.verifyNoMoreInteractions;
import static org.mockito.Mockito.when;

import io.kmstagenforcer.TagEnforcerHandler.Collaborators;
import io.kmstagenforcer.docs.DocFile;
import io.kmstagenforcer.enforce.NotFoundRetry;
import io.kmstagenforcer.enforce.RetryableFailure;
import io.kmstagenforcer.json.JsonField;
import io.kmstagenforcer.localrun.EmbeddedMetricExtraction;
import io.kmstagenforcer.localrun.LambdaLogLevelFilter;
import io.kmstagenforcer.policy.PolicyException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.mockito.InOrder;
import org.mockito.Mock;
import org.mockito.junit.jupiter.MockitoExtension;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.model.DescribeKeyRequest;
import software.amazon.awssdk.services.kms.model.DescribeKeyResponse;
import software.amazon.awssdk.services.kms.model.GetKeyPolicyRequest;
import software.amazon.awssdk.services.kms.model.GetKeyPolicyResponse;
import software.amazon.awssdk.services.kms.model.KmsException;
import software.amazon.awssdk.services.kms.model.ListResourceTagsRequest;
import software.amazon.awssdk.services.kms.model.ListResourceTagsResponse;
import software.amazon.awssdk.services.kms.model.NotFoundException;
import software.amazon.awssdk.services.kms.model.Tag;
import software.amazon.awssdk.services.kms.model.TagResourceRequest;
import software.amazon.awssdk.services.kms.model.UntagResourceRequest;

/**
 * The handler as Lambda sees it: event bytes in, response and log lines out, with a mocked KMS
 * client standing in for every answer KMS can give, and the exact calls it receives verified.
 */
@ExtendWith(MockitoExtension.class)
class TagEnforcerHandlerTest {
    private static final String KEY_ARN = "arn:aws:kms:us-east-1:111122223333:key/0f8c3a5e-7b21-4d9e-a6c4-2e51b9d07f13";
    private static final String TAGGED_KEY_ARN = "arn:aws:kms:us-east-1:111122223333:key/5d2e9b74-1c3a-4f8e-b0d6-7a9c4e21f5b8";
    private static final String REPLICA_ARN = "arn:aws:kms:eu-west-1:111122223333:key/mrk-8a3f61c2d94e4b07a1c5e92f3b6d8a40";
    private static final String ALICE_ROLE_SESSION = "arn:aws:sts::111122223333:assumed-role/KeyAdmins/alice";
    /** Shortly after the sample events' eventTime, so "not found" still means "not visible yet". */
    private static final Instant NOW = Instant.parse("2024-05-14T09:13:00Z");

    @Mock
    private KmsClient kms;
    private final List<String> clientRegions = new ArrayList<>();
    private final List<Duration> waits = new ArrayList<>();
    private final ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
    private final Map<String, String> environment = new HashMap<>();

    @BeforeEach
    void sampleEnvironment() {
        environment.put("TAG_POLICY", resource("handler/policy.json"));
        environment.put("AWS_LAMBDA_FUNCTION_NAME", "kms-tag-enforcer");
        environment.put("AWS_REGION", "us-east-1");
    }

    @Nested
    class Remediation {
        @Test
        void tagsANewKeyWithOneReadAndOneWriteAndNoDescribeKey() {
            givenTags(KEY_ARN);

            JsonField response = invoke("events/create-key.json");

            assertEquals("REMEDIATED", text(response, "outcome"));
            InOrder calls = inOrder(kms);
            calls.verify(kms).listResourceTags(list(KEY_ARN));
            calls.verify(kms).tagResource(tag(KEY_ARN, ordered(
                    "Owner", "alice", "CostCenter", "unassigned", "Environment", "dev", "CreatedBy", ALICE_ROLE_SESSION)));
            verifyNoMoreInteractions(kms);
        }

        @Test
        void redeliveryOfACompliantKeyReadsOnceAndWritesNothing() {
            givenTags(KEY_ARN, "Owner", "alice", "CostCenter", "unassigned", "Environment", "dev", "CreatedBy", ALICE_ROLE_SESSION);

            JsonField response = invoke("events/create-key.json");

            assertEquals("COMPLIANT", text(response, "outcome"));
            verify(kms).listResourceTags(list(KEY_ARN));
            verifyNoMoreInteractions(kms);
        }

        @Test
        void writesTheRenamedTagBeforeRemovingTheOldKeyAndStripsForbiddenTags() {
            givenTags(TAGGED_KEY_ARN, "owner", "alice", "tmp:build", "123", "CostCenter", "12ab");

            JsonField response = invoke("events/create-key-with-tags.json");

            assertEquals("REMEDIATED", text(response, "outcome"));
            InOrder calls = inOrder(kms);
            calls.verify(kms).listResourceTags(list(TAGGED_KEY_ARN));
            calls.verify(kms).tagResource(tag(TAGGED_KEY_ARN, ordered("Owner", "alice", "CostCenter", "unassigned",
                    "Environment", "dev", "CreatedBy", "arn:aws:iam::111122223333:user/alice")));
            calls.verify(kms).untagResource(untag(TAGGED_KEY_ARN, "tmp:build", "owner"));
            verifyNoMoreInteractions(kms);
        }

        @Test
        void logsThePreviousValueOfEveryReplacedOrRemovedTag() {
            givenTags(TAGGED_KEY_ARN, "owner", "alice", "tmp:build", "123", "CostCenter", "12ab");

            invoke("events/create-key-with-tags.json");

            JsonField decision = logLine("decision");
            assertEquals(Map.of("owner", "alice", "tmp:build", "123", "CostCenter", "12ab"), stringMap(decision.get("previousValues")));
        }

        @Test
        void neverReturnsPreviousValuesInTheResponse() {
            givenTags(TAGGED_KEY_ARN, "owner", "alice", "tmp:build", "123");

            JsonField response = invoke("events/create-key-with-tags.json");

            assertFalse(response.get("previousValues").isPresent());
        }

        @Test
        void callsKmsInTheReplicasRegionForReplicateKey() {
            givenTags(REPLICA_ARN);

            JsonField response = invoke("events/replicate-key.json");

            assertEquals("REMEDIATED", text(response, "outcome"));
            assertEquals(REPLICA_ARN, text(response, "keyArn"));
            assertEquals(List.of("eu-west-1"), clientRegions);
            verify(kms).listResourceTags(list(REPLICA_ARN));
            verify(kms).tagResource(any(TagResourceRequest.class));
        }

        @Test
        void asksDescribeKeyOnlyWhenTheEventDoesNotSayWhoManagesTheKey() {
            when(kms.describeKey(any(DescribeKeyRequest.class))).thenReturn(description("CUSTOMER", "Enabled"));
            givenTags(KEY_ARN);

            invoke("src/test/resources/events/create-key-no-key-manager.json");

            InOrder calls = inOrder(kms);
            calls.verify(kms).describeKey(DescribeKeyRequest.builder().keyId(KEY_ARN).build());
            calls.verify(kms).listResourceTags(list(KEY_ARN));
            calls.verify(kms).tagResource(any(TagResourceRequest.class));
        }

        @Test
        void reportModeReadsAndLogsButNeverWrites() {
            environment.put("ENFORCEMENT_MODE", "report");
            givenTags(KEY_ARN, "Scratch", "x");

            JsonField response = invoke("events/create-key.json");

            assertEquals("REPORTED", text(response, "outcome"));
            assertEquals("alice", text(response.get("wouldAdd"), "Owner"));
            assertEquals("Scratch", response.get("wouldRemove").elements().get(0).requiredString());
            verify(kms).listResourceTags(list(KEY_ARN));
            verifyNoMoreInteractions(kms);
        }
    }

    @Nested
    class LeftAlone {
        @ParameterizedTest(name = "{1}: {0}")
        @CsvSource({
                "events/create-key-failed.json, IGNORED",
                "events/create-key-aws-managed.json, IGNORED",
                "events/not-a-kms-event.json, IGNORED",
                "src/test/resources/events/disable-key.json, IGNORED",
                "src/test/resources/events/create-key-pending-deletion.json, IGNORED",
                "src/test/resources/events/replicate-key-pending-replica-deletion.json, IGNORED",
                "src/test/resources/events/not-json.txt, REJECTED",
                "src/test/resources/events/empty.json, REJECTED",
                "src/test/resources/events/json-array.json, REJECTED",
                "src/test/resources/events/missing-detail.json, REJECTED",
                "src/test/resources/events/detail-is-string.json, REJECTED",
                "src/test/resources/events/arn-other-service.json, REJECTED",
                "src/test/resources/events/arn-unparseable.json, REJECTED",
                "src/test/resources/events/arn-not-string.json, REJECTED"})
        void leavesEventsWithNothingToEnforceAloneWithAReasonAndNoKmsCall(String event, String outcome) {
            JsonField response = invoke(event);

            assertEquals(outcome, text(response, "outcome"));
            assertTrue(response.get("reason").requiredString().length() > 10, "a reason is given");
            verifyNoInteractions(kms);
            assertEquals(List.of(), clientRegions);
        }

        @ParameterizedTest(name = "{0} key in state {1}")
        @CsvSource({"AWS, Enabled", "CUSTOMER, PendingDeletion", "CUSTOMER, PendingReplicaDeletion"})
        void ignoresAKeyThatDescribeKeyShowsCannotBeTagged(String keyManager, String keyState) {
            when(kms.describeKey(any(DescribeKeyRequest.class))).thenReturn(description(keyManager, keyState));

            JsonField response = invoke("src/test/resources/events/create-key-no-key-manager.json");

            assertEquals("IGNORED", text(response, "outcome"));
            verify(kms).describeKey(any(DescribeKeyRequest.class));
            verifyNoMoreInteractions(kms);
        }

        @Test
        void ignoresAnExemptKeyAfterReadingItsTags() {
            givenTags(KEY_ARN, "tag-enforcer:exempt", "true", "Scratch", "x");

            JsonField response = invoke("events/create-key.json");

            assertEquals("IGNORED", text(response, "outcome"));
            verify(kms).listResourceTags(list(KEY_ARN));
            verifyNoMoreInteractions(kms);
        }

        /** The clock says 2024-05-14: an exemption until that day still holds, to its end (UTC). */
        @Test
        void onItsLastDayAnExemptionStillHoldsAndTheResponseSaysUntilWhen() {
            givenTags(KEY_ARN, "tag-enforcer:exempt", "until 2024-05-14", "Scratch", "x");

            JsonField response = invoke("events/create-key.json", Instant.parse("2024-05-14T23:59:59Z"));

            assertEquals("IGNORED", text(response, "outcome"));
            assertEquals("exempt", text(response, "skipped"));
            assertEquals("key carries the exemption tag tag-enforcer:exempt until 2024-05-14", text(response, "reason"));
            assertEquals("active", text(response.get("exemption"), "state"));
            assertEquals("2024-05-14", text(response.get("exemption"), "until"));
            verify(kms).listResourceTags(list(KEY_ARN));
            verifyNoMoreInteractions(kms);
        }

        @Test
        void theDayAfterItsEndDateTheKeyIsEnforcedAndTheDecisionSaysTheExemptionExpired() {
            givenTags(KEY_ARN, "tag-enforcer:exempt", "until 2024-05-13", "Scratch", "x");

            JsonField response = invoke("events/create-key.json", Instant.parse("2024-05-14T00:00:00Z"));

            assertEquals("REMEDIATED", text(response, "outcome"));
            assertFalse(response.get("skipped").isPresent(), "not skipped");
            InOrder calls = inOrder(kms);
            calls.verify(kms).listResourceTags(list(KEY_ARN));
            calls.verify(kms).tagResource(tag(KEY_ARN, ordered(
                    "Owner", "alice", "CostCenter", "unassigned", "Environment", "dev", "CreatedBy", ALICE_ROLE_SESSION)));
            calls.verify(kms).untagResource(untag(KEY_ARN, "Scratch"));
            verifyNoMoreInteractions(kms);
            JsonField exemption = logLine("decision").get("exemption");
            assertEquals("expired", text(exemption, "state"));
            assertEquals("2024-05-13", text(exemption, "until"));
            assertEquals("until 2024-05-13", text(exemption, "value"));
            assertEquals("exemption tag-enforcer:exempt expired on 2024-05-13: the key is enforced again", text(exemption, "detail"));
        }
    }

    @Nested
    class KmsFailures {
        @Test
        void waitsForAFreshKeyThatKmsDoesNotKnowYet() {
            when(kms.listResourceTags(any(ListResourceTagsRequest.class)))
                    .thenThrow(notFound())
                    .thenThrow(notFound())
                    .thenReturn(tags());

            JsonField response = invoke("events/create-key.json");

            assertEquals("REMEDIATED", text(response, "outcome"));
            assertEquals(NotFoundRetry.DEFAULT_DELAYS.subList(0, 2), waits);
        }

        @Test
        void failsTheInvocationForLambdaToRetryWhenAFreshKeyStaysNotFound() {
            when(kms.listResourceTags(any(ListResourceTagsRequest.class))).thenThrow(notFound());

            RetryableFailure failure = assertThrows(RetryableFailure.class, () -> invoke("events/create-key.json"));

            assertTrue(failure.getMessage().contains("NotFoundException"), failure.getMessage());
            verify(kms, times(NotFoundRetry.DEFAULT_DELAYS.size() + 1)).listResourceTags(list(KEY_ARN));
            assertEquals(NotFoundRetry.DEFAULT_DELAYS, waits);
            assertEquals("RETRYING", text(logLine("decision"), "outcome"));
        }

        @Test
        void reportsAKeyStillNotFoundLongAfterItsEventAsFailedWithoutRetrying() {
            when(kms.listResourceTags(any(ListResourceTagsRequest.class))).thenThrow(notFound());

            JsonField response = invoke("events/create-key.json", NOW.plus(Duration.ofHours(2)));

            assertEquals("FAILED", text(response, "outcome"));
            verify(kms, times(1)).listResourceTags(list(KEY_ARN));
            assertEquals(List.of(), waits);
        }

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"ThrottlingException", "KMSInternalException", "DependencyTimeoutException"})
        void failsTheInvocationForLambdaToRetryOnTransientKmsErrors(String errorCode) {
            givenTags(KEY_ARN);
            when(kms.tagResource(any(TagResourceRequest.class))).thenThrow(kmsError(errorCode, 400));

            assertThrows(RetryableFailure.class, () -> invoke("events/create-key.json"));

            assertEquals("RETRYING", text(logLine("decision"), "outcome"));
        }

        @Test
        void failsTheInvocationForLambdaToRetryOnServerErrors() {
            givenTags(KEY_ARN);
            when(kms.tagResource(any(TagResourceRequest.class))).thenThrow(kmsError("InternalFailure", 503));

            assertThrows(RetryableFailure.class, () -> invoke("events/create-key.json"));
        }

        @Test
        void failsTheInvocationForLambdaToRetryWhenKmsCannotBeReached() {
            when(kms.listResourceTags(any(ListResourceTagsRequest.class)))
                    .thenThrow(SdkClientException.create("Unable to execute HTTP request: Connection refused"));

            assertThrows(RetryableFailure.class, () -> invoke("events/create-key.json"));
        }

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"AccessDeniedException", "KMSInvalidStateException", "TagException", "LimitExceededException", "InvalidArnException"})
        void endsInFailedWithoutRetryingWhenKmsRefusesForGood(String errorCode) {
            givenTags(KEY_ARN);
            when(kms.tagResource(any(TagResourceRequest.class))).thenThrow(kmsError(errorCode, 400));

            JsonField response = invoke("events/create-key.json");

            assertEquals("FAILED", text(response, "outcome"));
            assertTrue(text(response, "reason").contains("TagResource answered " + errorCode), text(response, "reason"));
            assertEquals(Map.of(), stringMap(response.get("added")));
        }

        @Test
        void reportsTheTagsAlreadyWrittenWhenTheRemovalThenFails() {
            givenTags(TAGGED_KEY_ARN, "owner", "alice", "tmp:build", "123");
            when(kms.untagResource(any(UntagResourceRequest.class))).thenThrow(kmsError("ThrottlingException", 400));

            assertThrows(RetryableFailure.class, () -> invoke("events/create-key-with-tags.json"));

            JsonField decision = logLine("decision");
            assertEquals("alice", text(decision.get("added"), "Owner"));
            assertEquals(List.of(), decision.get("removed").elements());
        }

        @Test
        void endsInFailedWhenAccessIsDeniedBeforeAnythingIsRead() {
            when(kms.listResourceTags(any(ListResourceTagsRequest.class))).thenThrow(kmsError("AccessDeniedException", 400));

            JsonField response = invoke("events/create-key.json");

            assertEquals("FAILED", text(response, "outcome"));
            verifyNoMoreInteractions(kms);
        }
    }

    @Nested
    class Configuration {
        @Test
        void refusesToStartWithoutAPolicyNamingTheMissingFile(@TempDir Path emptyPackage) {
            environment.remove("TAG_POLICY");
            environment.put("LAMBDA_TASK_ROOT", emptyPackage.toString());

            PolicyException error = assertThrows(PolicyException.class, TagEnforcerHandlerTest.this::handler);

            assertTrue(error.getMessage().startsWith("tag-policy.json is not in the deployment package (" + emptyPackage.resolve("tag-policy.json")),
                    error.getMessage());
        }

        @Test
        void refusesToStartWithAnInvalidPolicyAndNamesTheField() {
            environment.put("TAG_POLICY", "{\"required\":{\"CostCenter\":{\"pattern\":\"([0-9\"}}}");

            PolicyException error = assertThrows(PolicyException.class, TagEnforcerHandlerTest.this::handler);

            assertTrue(error.getMessage().startsWith("TAG_POLICY.required.CostCenter.pattern"), error.getMessage());
        }

        @Test
        void refusesToStartWithAnUnknownEnforcementMode() {
            environment.put("ENFORCEMENT_MODE", "audit");

            PolicyException error = assertThrows(PolicyException.class, TagEnforcerHandlerTest.this::handler);

            assertTrue(error.getMessage().contains("ENFORCEMENT_MODE"), error.getMessage());
        }

        @Test
        void letsThePolicyDecideTheModeWhenEnforcementModeIsPolicy() {
            environment.put("ENFORCEMENT_MODE", "policy");
            givenTags(KEY_ARN);

            JsonField response = invoke("events/create-key.json");

            assertEquals("enforce", text(response, "mode"));
        }
    }

    @Nested
    class Logging {
        @Test
        void writesExactlyOneDecisionLineAndOneMetricsDocumentPerEvent() {
            givenTags(KEY_ARN);

            invoke("events/create-key.json");

            List<String> lines = logLines();
            assertEquals(2, lines.size(), String.join("\n", lines));
            assertEquals("decision", text(JsonField.parse("line", lines.get(0)), "type"));
            assertTrue(JsonField.parse("line", lines.get(1)).get("_aws").isObject());
        }

        @Test
        void neverLogsTheCallersIdentityFromTheEvent() {
            givenTags(KEY_ARN, "Owner", "alice", "CostCenter", "unassigned", "Environment", "dev", "CreatedBy", ALICE_ROLE_SESSION);

            invoke("events/create-key.json");

            String log = logBytes.toString(StandardCharsets.UTF_8);
            assertFalse(log.contains("ASIAIOSFODNN7EXAMPLE"), "access key id from userIdentity");
            assertFalse(log.contains("192.0.2.0"), "source IP");
        }

        @Test
        void countsTheOutcomeAndTheTagsChangedInTheMetricsDocument() {
            givenTags(TAGGED_KEY_ARN, "owner", "alice", "tmp:build", "123");

            invoke("events/create-key-with-tags.json");

            JsonField metrics = logLine("metrics");
            JsonField directive = metrics.get("_aws").get("CloudWatchMetrics").elements().get(0);
            assertEquals("KmsTagEnforcer", text(directive, "Namespace"));
            assertEquals("kms-tag-enforcer", text(metrics, "FunctionName"));
            assertEquals(1L, metrics.get("Remediated").optionalLong().orElseThrow());
            assertEquals(0L, metrics.get("Compliant").optionalLong().orElseThrow());
            assertEquals(4L, metrics.get("TagsAdded").optionalLong().orElseThrow());
            assertEquals(2L, metrics.get("TagsRemoved").optionalLong().orElseThrow());
        }

        /**
         * What reaches CloudWatch is what Lambda's log-level filter passes (LambdaLogLevelFilter, the
         * documented rule): the metrics document passes at every level the template offers, and
         * CloudWatch extracts the event's counts from it.
         */
        @ParameterizedTest
        @ValueSource(strings = {"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"})
        void theMetricsDocumentPassesLambdasLogLevelFilterAtEveryLevel(String level) {
            environment.put("AWS_LAMBDA_LOG_LEVEL", level);
            givenTags(KEY_ARN);

            invoke("events/create-key.json");

            Map<String, Double> metrics = EmbeddedMetricExtraction.metrics(LambdaLogLevelFilter.passed(log(), level));
            assertEquals(1.0, metrics.get("KmsTagEnforcer/Remediated"), metrics::toString);
            assertEquals(0.0, metrics.get("KmsTagEnforcer/Failed"), metrics::toString);
            assertEquals(4.0, metrics.get("KmsTagEnforcer/TagsAdded"), metrics::toString);
        }

        /** A replaced or removed tag value is never lost: its decision line passes every level, with the value. */
        @ParameterizedTest
        @ValueSource(strings = {"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"})
        void aDecisionThatReplacedOrRemovedAValuePassesEveryLevelWithTheValue(String level) {
            environment.put("AWS_LAMBDA_LOG_LEVEL", level);
            givenTags(TAGGED_KEY_ARN, "owner", "alice", "tmp:build", "123", "CostCenter", "12ab");

            invoke("events/create-key-with-tags.json");

            JsonField decision = passedDecision(level).orElseThrow(() -> new AssertionError("no decision line passed: " + log()));
            assertEquals("123", decision.get("previousValues").get("tmp:build").requiredString());
            assertEquals("12ab", decision.get("previousValues").get("CostCenter").requiredString());
        }

        /**
         * The line written before the first write, naming what it will replace, is the only record of
         * those values if the function stops between its writes: it passes every level too.
         */
        @ParameterizedTest
        @ValueSource(strings = {"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"})
        void theLineNamingTheValuesAboutToBeReplacedPassesEveryLevel(String level) {
            environment.put("AWS_LAMBDA_LOG_LEVEL", level);
            givenTags(TAGGED_KEY_ARN, "owner", "alice", "tmp:build", "123", "CostCenter", "12ab");

            invoke("events/create-key-with-tags.json");

            JsonField replacing = LambdaLogLevelFilter.passed(log(), level).stream()
                    .map(line -> JsonField.parse("a log line", line))
                    .filter(line -> line.get("type").stringIfPresent().filter("replacing"::equals).isPresent())
                    .findFirst().orElseThrow(() -> new AssertionError("no replacing line passed at " + level + ": " + log()));
            assertEquals("123", replacing.get("previousValues").get("tmp:build").requiredString());
            assertEquals("12ab", replacing.get("previousValues").get("CostCenter").requiredString());
        }

        /**
         * Any other decision line has its outcome's level: INFO for the ordinary ones, WARN for those
         * that need a person (NONCOMPLIANT: no value to fix the key with) or a retry.
         */
        @ParameterizedTest(name = "{0} at {1}: passes {2}")
        @CsvSource({
                "REMEDIATED, INFO, true", "REMEDIATED, WARN, false",
                "NONCOMPLIANT, DEBUG, true", "NONCOMPLIANT, WARN, true", "NONCOMPLIANT, ERROR, false",
        })
        void anyOtherDecisionLinePassesUpToItsOutcomesLevel(String outcome, String level, boolean passes) {
            environment.put("AWS_LAMBDA_LOG_LEVEL", level);
            if (outcome.equals("NONCOMPLIANT")) {
                environment.put("TAG_POLICY", "{\"required\":{\"Team\":{}}}");
            }
            givenTags(KEY_ARN);

            JsonField response = invoke("events/create-key.json");

            assertEquals(outcome, text(response, "outcome"));
            assertEquals(passes, passedDecision(level).isPresent(), log());
        }
    }

    private String log() {
        return logBytes.toString(StandardCharsets.UTF_8);
    }

    /** The event's decision line, if Lambda's filter at {@code level} lets it through. */
    private java.util.Optional<JsonField> passedDecision(String level) {
        return LambdaLogLevelFilter.passed(log(), level).stream().map(line -> JsonField.parse("log line", line))
                .filter(line -> line.get("type").stringIfPresent().equals(java.util.Optional.of("decision"))).findFirst();
    }

    // --- the handler, its input and its output

    private TagEnforcerHandler handler() {
        return handler(NOW);
    }

    /**
     * TagResource and UntagResource by someone else: the key is re-evaluated by the same planner,
     * without re-rendering the creator's values from whoever changed the tags, and never for the
     * enforcer's own writes.
     */
    @Nested
    class Drift {
        private static final String ENFORCER_ROLE = "kms-tag-enforcer-TagEnforcerRole-EXAMPLE";
        /** The creator's values, as CreateKey wrote them: the drift event's caller is bob, not alice. */
        private final String[] creatorsTags = {"Owner", "alice", "CostCenter", "1234", "Environment", "prod", "CreatedBy", ALICE_ROLE_SESSION};

        @BeforeEach
        void enforcerRole() {
            environment.put("ENFORCER_ROLE_NAME", ENFORCER_ROLE);
        }

        @Test
        void aTagChangeThatKeepsTheKeyCompliantCostsOneRead() {
            givenTags(KEY_ARN, creatorsTags);

            JsonField response = invoke("events/tag-resource.json");

            assertEquals("COMPLIANT", text(response, "outcome"));
            assertEquals("TagResource", text(response, "trigger"));
            verify(kms).listResourceTags(list(KEY_ARN));
            verifyNoMoreInteractions(kms);
        }

        @Test
        void aValueThePolicyDoesNotAllowIsReplacedAfterDescribeKeyAndItsOldValueLogged() {
            givenTags(KEY_ARN, "Owner", "alice", "CostCenter", "1234", "Environment", "production", "CreatedBy", ALICE_ROLE_SESSION);
            when(kms.describeKey(any(DescribeKeyRequest.class))).thenReturn(description("CUSTOMER", "Enabled"));

            JsonField response = invoke("events/tag-resource.json");

            assertEquals("REMEDIATED", text(response, "outcome"));
            InOrder calls = inOrder(kms);
            calls.verify(kms).listResourceTags(list(KEY_ARN));
            calls.verify(kms).describeKey(any(DescribeKeyRequest.class));
            calls.verify(kms).tagResource(tag(KEY_ARN, ordered("Environment", "dev")));
            verifyNoMoreInteractions(kms);
            assertEquals(Map.of("Environment", "production"), stringMap(logLine("decision").get("previousValues")));
        }

        @Test
        void theCreatorsValuesAreNeverRewrittenFromTheDriftEventsCaller() {
            givenTags(KEY_ARN, "Owner", "alice", "CostCenter", "1234", "Environment", "production", "CreatedBy", ALICE_ROLE_SESSION);
            when(kms.describeKey(any(DescribeKeyRequest.class))).thenReturn(description("CUSTOMER", "Enabled"));

            JsonField response = invoke("events/tag-resource.json");

            assertEquals(Map.of("Environment", "dev"), stringMap(response.get("added")), "Owner and CreatedBy stay alice's, not bob's");
        }

        @Test
        void onAKeyOlderThanItsCreationRecordsDeliveryARemovedTagIsRestoredAndOneFromTheCreatorFallsBackToUnknown() {
            givenTags(KEY_ARN, "Owner", "alice", "Environment", "prod");
            when(kms.describeKey(any(DescribeKeyRequest.class))).thenReturn(description("CUSTOMER", "Enabled", Instant.parse("2024-01-02T03:04:05Z")));

            JsonField response = invoke("events/untag-resource.json");

            assertEquals("REMEDIATED", text(response, "outcome"));
            assertEquals(Map.of("CostCenter", "unassigned", "CreatedBy", "unknown"), stringMap(response.get("added")));
        }

        @Test
        void onAKeyCreatedMinutesAgoATagFromTheCreatorIsLeftForItsCreationRecord() {
            givenTags(KEY_ARN, "Owner", "alice", "Environment", "prod");
            when(kms.describeKey(any(DescribeKeyRequest.class))).thenReturn(description("CUSTOMER", "Enabled"));

            JsonField response = invoke("events/untag-resource.json");

            assertEquals("REMEDIATED", text(response, "outcome"));
            assertEquals(Map.of("CostCenter", "unassigned"), stringMap(response.get("added")), "CreatedBy waits for the CreateKey record");
        }

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"events/tag-resource-by-enforcer.json", "tag-resource-by-sweep.json"})
        void theEnforcersOwnWritesAreIgnoredWithoutAKmsCall(String event) {
            JsonField response = invoke(event);

            assertEquals("IGNORED", text(response, "outcome"));
            assertTrue(text(response, "reason").contains("enforcer's own role " + ENFORCER_ROLE), () -> text(response, "reason"));
            verifyNoInteractions(kms);
        }

        @Test
        void withoutTheRoleNameTheFunctionsOwnSessionIsRecognised() {
            environment.remove("ENFORCER_ROLE_NAME");
            environment.put("AWS_LAMBDA_FUNCTION_NAME", "kms-tag-enforcer-TagEnforcerFunction-EXAMPLE");

            JsonField response = invoke("events/tag-resource-by-enforcer.json");

            assertEquals("IGNORED", text(response, "outcome"));
            verifyNoInteractions(kms);
        }

        @Test
        void aKeyPendingDeletionIsLeftAloneAfterDescribeKey() {
            givenTags(KEY_ARN, "Owner", "alice");
            when(kms.describeKey(any(DescribeKeyRequest.class))).thenReturn(description("CUSTOMER", "PendingDeletion"));

            JsonField response = invoke("events/untag-resource.json");

            assertEquals("IGNORED", text(response, "outcome"));
            assertTrue(text(response, "reason").contains("PendingDeletion"));
            verify(kms, times(0)).tagResource(any(TagResourceRequest.class));
        }

        @Test
        void aDriftEventThatNamesTheKeyOnlyByItsBareIdIsTakenFromResources() {
            givenTags(KEY_ARN, creatorsTags);

            JsonField response = invoke("tag-resource-bare-key-id.json");

            assertEquals("COMPLIANT", text(response, "outcome"));
            assertEquals(KEY_ARN, text(response, "keyArn"));
        }
    }

    /**
     * docs/OPERATE.md's "Failure modes" table of KMS errors, row by row: KMS answers the error, and the
     * outcome and metric must be the ones the table promises. A row added to the table is tested;
     * a behaviour changed without the table fails here.
     */
    @Nested
    class FailureModesTable {
        static final String FAILURE_MODES_DOC = "docs/OPERATE.md";
        static final String FAILURE_MODES = "## Failure modes";

        /** One row: the error KMS answers, its HTTP status, and what the doc says comes of it. */
        record Row(String errorCode, int status, String outcome, String metric) {
        }

        static List<Row> rows() {
            List<String> lines = DocFile.read(FAILURE_MODES_DOC).section(FAILURE_MODES).lines().toList();
            int start = lines.indexOf("| KMS answers | HTTP | outcome | metric | what Lambda and the alarms see | what to do |");
            assertTrue(start > 0, FAILURE_MODES_DOC + " has the KMS errors table under " + FAILURE_MODES);
            List<Row> rows = new ArrayList<>();
            for (String line : lines.subList(start + 2, lines.size())) {
                if (!line.startsWith("| `")) {
                    break;
                }
                String[] cells = line.split("\\|");
                rows.add(new Row(unquote(cells[1]), Integer.parseInt(cells[2].trim()), unquote(cells[3]), unquote(cells[4])));
            }
            assertTrue(rows.size() >= 9, "the table lists every KMS error class: " + rows);
            return rows;
        }

        private static String unquote(String cell) {
            return cell.trim().replace("`", "");
        }

        @ParameterizedTest(name = "{0}")
        @MethodSource("rows")
        void theOutcomeAndMetricAreTheOnesTheDocPromises(Row row) {
            givenTags(KEY_ARN);
            when(kms.tagResource(any(TagResourceRequest.class))).thenThrow(kmsError(row.errorCode(), row.status()));

            String outcome;
            try {
                outcome = text(invoke("events/create-key.json"), "outcome");
            } catch (RetryableFailure failure) {
                outcome = failure.result().outcome().name();
            }

            assertEquals(row.outcome(), outcome);
            assertEquals(1L, logLine("metrics").get(row.metric()).optionalLong().orElseThrow(), () -> row.metric() + " in " + logLines());
            assertTrue(logLine("decision").get("reason").requiredString().contains(row.errorCode()));
        }
    }

    /** checkKeyPolicy: which changed tags the key policy grants or denies access by. */
    @Nested
    class KeyPolicy {
        private static final String POLICY = "{'required':{'Owner':{'default':'${principal}'},'Team':{'default':'unassigned'}},"
                + "'forbidden':['tmp:*'],'checkKeyPolicy':true}";
        /** Conditions on Team and, in other case, on tmp:build; an alias condition, which is not a tag. */
        private static final String KEY_POLICY = json("{'Version':'2012-10-17','Statement':["
                + "{'Sid':'Enable IAM User Permissions','Effect':'Allow','Principal':{'AWS':'arn:aws:iam::111122223333:root'},"
                + "'Action':'kms:*','Resource':'*'},"
                + "{'Sid':'Team members','Effect':'Allow','Principal':{'AWS':'*'},'Action':'kms:Decrypt','Resource':'*',"
                + "'Condition':{'StringEquals':{'aws:ResourceTag/Team':'payments'},"
                + "'ForAnyValue:StringLike':{'AWS:RESOURCETAG/TMP:BUILD':'*','kms:ResourceAliases':'alias/payments-*'}}}]}");

        @BeforeEach
        void checkKeyPolicy() {
            environment.put("TAG_POLICY", json(POLICY));
        }

        @Test
        void namesTheChangedTagsAKeyPolicyConditionNamesAndStillMakesTheChanges() {
            givenTags(KEY_ARN, "Owner", "alice", "tmp:build", "1", "Scratch", "x");
            when(kms.getKeyPolicy(any(GetKeyPolicyRequest.class))).thenReturn(keyPolicy(KEY_POLICY));

            JsonField response = invoke("events/create-key.json");

            assertEquals("REMEDIATED", text(response, "outcome"));
            assertEquals(List.of("Team", "tmp:build"), strings(logLine("decision").get("accessControlTags")));
            assertEquals("read", text(logLine("decision"), "keyPolicy"));
            InOrder calls = inOrder(kms);
            calls.verify(kms).listResourceTags(list(KEY_ARN));
            calls.verify(kms).getKeyPolicy(GetKeyPolicyRequest.builder().keyId(KEY_ARN).policyName("default").build());
            calls.verify(kms).tagResource(tag(KEY_ARN, ordered("Team", "unassigned")));
            calls.verify(kms).untagResource(untag(KEY_ARN, "tmp:build"));
            verifyNoMoreInteractions(kms);
        }

        @Test
        void aKeyPolicyItMayNotReadDoesNotStopTheChangesAndTheDecisionSaysSo() {
            givenTags(KEY_ARN, "Owner", "alice", "tmp:build", "1");
            when(kms.getKeyPolicy(any(GetKeyPolicyRequest.class))).thenThrow(kmsError("AccessDeniedException", 400));

            JsonField response = invoke("events/create-key.json");

            assertEquals("REMEDIATED", text(response, "outcome"));
            assertTrue(text(logLine("decision"), "keyPolicy").startsWith("could not be read (GetKeyPolicy answered AccessDeniedException)"),
                    text(logLine("decision"), "keyPolicy"));
            assertEquals(List.of(), strings(logLine("decision").get("accessControlTags")));
            verify(kms).tagResource(any(TagResourceRequest.class));
            verify(kms).untagResource(any(UntagResourceRequest.class));
        }

        @Test
        void aThrottledGetKeyPolicyIsRetriedLikeAnyOtherCallAndNothingIsWritten() {
            givenTags(KEY_ARN, "Owner", "alice");
            when(kms.getKeyPolicy(any(GetKeyPolicyRequest.class))).thenThrow(kmsError("ThrottlingException", 400));

            assertThrows(RetryableFailure.class, () -> invoke("events/create-key.json"));

            verify(kms, never()).tagResource(any(TagResourceRequest.class));
        }

        @Test
        void reportModeReadsTheKeyPolicyAndNamesTheTagsItWouldChange() {
            environment.put("ENFORCEMENT_MODE", "report");
            givenTags(KEY_ARN, "Owner", "alice", "tmp:build", "1");
            when(kms.getKeyPolicy(any(GetKeyPolicyRequest.class))).thenReturn(keyPolicy(KEY_POLICY));

            JsonField response = invoke("events/create-key.json");

            assertEquals("REPORTED", text(response, "outcome"));
            assertEquals(List.of("Team", "tmp:build"), strings(response.get("accessControlTags")));
            verify(kms, never()).tagResource(any(TagResourceRequest.class));
            verify(kms, never()).untagResource(any(UntagResourceRequest.class));
        }

        @Test
        void aCompliantKeyCostsNoGetKeyPolicy() {
            givenTags(KEY_ARN, "Owner", "alice", "Team", "payments");

            JsonField response = invoke("events/create-key.json");

            assertEquals("COMPLIANT", text(response, "outcome"));
            assertFalse(response.get("keyPolicy").isPresent());
            verify(kms).listResourceTags(list(KEY_ARN));
            verifyNoMoreInteractions(kms);
        }

        @Test
        void withoutCheckKeyPolicyTheKeyPolicyIsNeverRead() {
            environment.put("TAG_POLICY", json(POLICY.replace(",'checkKeyPolicy':true", "")));
            givenTags(KEY_ARN, "Owner", "alice", "tmp:build", "1");

            JsonField response = invoke("events/create-key.json");

            assertEquals("REMEDIATED", text(response, "outcome"));
            verify(kms, never()).getKeyPolicy(any(GetKeyPolicyRequest.class));
            assertFalse(logLine("decision").get("keyPolicy").isPresent());
        }

        private static String json(String singleQuoted) {
            return singleQuoted.replace('\'', '"');
        }

        private static GetKeyPolicyResponse keyPolicy(String document) {
            return GetKeyPolicyResponse.builder().policyName("default").policy(document).build();
        }

        private static List<String> strings(JsonField array) {
            return array.elements().stream().map(JsonField::requiredString).toList();
        }
    }

    private TagEnforcerHandler handler(Instant now) {
        return new TagEnforcerHandler(Collaborators.of(environment, region -> {
            clientRegions.add(region);
            return kms;
        }).withNotFoundRetry(new NotFoundRetry(NotFoundRetry.DEFAULT_DELAYS, waits::add)).withClock(Clock.fixed(now, ZoneOffset.UTC))
                .withLogOutput(new PrintStream(logBytes, true, StandardCharsets.UTF_8)));
    }

    private JsonField invoke(String eventFile) {
        return invoke(eventFile, NOW);
    }

    private JsonField invoke(String eventFile, Instant now) {
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        try {
            handler(now).handleRequest(new ByteArrayInputStream(Fixtures.bytes(eventFile)), output, null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return JsonField.parse("response", output.toByteArray());
    }

    private List<String> logLines() {
        return logBytes.toString(StandardCharsets.UTF_8).lines().toList();
    }

    /** The decision line ("decision") or the EMF document ("metrics") written for the event. */
    private JsonField logLine(String kind) {
        return logLines().stream()
                .map(line -> JsonField.parse("log line", line))
                .filter(line -> kind.equals("metrics") ? line.get("_aws").isPresent() : kind.equals(line.get("type").stringIfPresent().orElse("")))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " line in " + logLines()));
    }

    // --- KMS answers and the requests expected

    private void givenTags(String keyArn, String... keysAndValues) {
        when(kms.listResourceTags(list(keyArn))).thenReturn(tags(keysAndValues));
    }

    private static ListResourceTagsResponse tags(String... keysAndValues) {
        List<Tag> tags = new ArrayList<>();
        ordered(keysAndValues).forEach((key, value) -> tags.add(Tag.builder().tagKey(key).tagValue(value).build()));
        return ListResourceTagsResponse.builder().tags(tags).truncated(false).build();
    }

    /** A key created when the sample CreateKey record says, moments before {@link #NOW}. */
    private static DescribeKeyResponse description(String keyManager, String keyState) {
        return description(keyManager, keyState, Instant.parse("2024-05-14T09:12:41Z"));
    }

    private static DescribeKeyResponse description(String keyManager, String keyState, Instant created) {
        return DescribeKeyResponse.builder()
                .keyMetadata(metadata -> metadata.keyId("0f8c3a5e-7b21-4d9e-a6c4-2e51b9d07f13").keyManager(keyManager).keyState(keyState)
                        .creationDate(created))
                .build();
    }

    private static ListResourceTagsRequest list(String keyArn) {
        return ListResourceTagsRequest.builder().keyId(keyArn).build();
    }

    private static TagResourceRequest tag(String keyArn, Map<String, String> tags) {
        List<Tag> kmsTags = new ArrayList<>();
        tags.forEach((key, value) -> kmsTags.add(Tag.builder().tagKey(key).tagValue(value).build()));
        return TagResourceRequest.builder().keyId(keyArn).tags(kmsTags).build();
    }

    private static UntagResourceRequest untag(String keyArn, String... keys) {
        return UntagResourceRequest.builder().keyId(keyArn).tagKeys(keys).build();
    }

    private static NotFoundException notFound() {
        return NotFoundException.builder().statusCode(400)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode("NotFoundException").build()).build();
    }

    private static KmsException kmsError(String errorCode, int status) {
        return (KmsException) KmsException.builder().statusCode(status)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode(errorCode).errorMessage("from test").build()).build();
    }

    // --- small readers

    private static Map<String, String> ordered(String... keysAndValues) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }

    private static String text(JsonField object, String name) {
        return object.get(name).requiredString();
    }

    private static Map<String, String> stringMap(JsonField object) {
        Map<String, String> map = new LinkedHashMap<>();
        object.members().forEach(member -> map.put(member.getKey(), member.getValue().requiredString()));
        return map;
    }

    private static String resource(String name) {
        try {
            return Files.readString(Path.of("src/test/resources", name), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
