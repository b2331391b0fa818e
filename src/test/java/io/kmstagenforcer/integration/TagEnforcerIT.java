package io.kmstagenforcer.integration;

import static io.kmstagenforcer.integration.HandlerRuns.POLICY_TAGS;
import static io.kmstagenforcer.integration.MotoKeys.ACCOUNT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kmstagenforcer.TagEnforcerHandler;
import io.kmstagenforcer.TagEnforcerHandler.Collaborators;
import io.kmstagenforcer.enforce.NotFoundRetry;
import io.kmstagenforcer.enforce.RetryableFailure;
import io.kmstagenforcer.integration.HandlerRuns.Captured;
import io.kmstagenforcer.integration.HandlerRuns.Response;
import io.kmstagenforcer.policy.Policies;
import io.kmstagenforcer.policy.PolicyOrigin;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.protocols.jsoncore.JsonNode;
import software.amazon.awssdk.services.kms.model.KeyState;

/**
 * The function, in-process, against a real KMS API (moto) over HTTP with the real SDK: every
 * scenario counts the requests that reached KMS, in order and by region, and reads the key's
 * tags back with a client of its own.
 */
class TagEnforcerIT {
    @RegisterExtension
    static final MotoServerExtension MOTO = new MotoServerExtension();

    private static final String CALLER_ARN = CloudTrailEvents.callerArn(ACCOUNT);
    private static final String LIST = "ListResourceTags@us-east-1";
    private static final String TAG = "TagResource@us-east-1";
    private static final String UNTAG = "UntagResource@us-east-1";

    private RecordingKmsClients clients;

    @BeforeEach
    void connect() {
        clients = new RecordingKmsClients(MOTO.endpoint());
    }

    @AfterEach
    void disconnect() {
        clients.close();
    }

    @Test
    void missingTagsAreAddedWithOneReadAndOneWriteAndARedeliveryWritesNothing() {
        CloudTrailEvents.Event event = MOTO.keys().createKey(Map.of());
        TagEnforcerHandler handler = handler();

        Response first = HandlerRuns.invoke(handler, event);

        assertEquals("REMEDIATED", first.outcome(), first::toString);
        assertEquals(List.of(LIST, TAG), clients.callNames(), "no DescribeKey (the event names keyManager), no UntagResource");
        assertEquals(POLICY_TAGS, first.stringMap("added"));
        assertEquals(POLICY_TAGS, MOTO.keys().tags(event.keyArn()));
        assertEquals(event.keyArn(), first.text("keyArn"));
        assertEquals(event.eventId(), first.text("eventId"));

        clients.clear();
        Response again = HandlerRuns.invoke(handler, event);

        assertEquals("COMPLIANT", again.outcome(), again::toString);
        assertEquals(List.of(LIST), clients.callNames(), "a redelivered event reads once and writes nothing");
        assertEquals(Map.of(), again.stringMap("added"));
        assertEquals(POLICY_TAGS, MOTO.keys().tags(event.keyArn()));
    }

    @Test
    void forbiddenTagsAreRemovedAndTheirValuesAreInTheDecisionLineOnly() throws Exception {
        Map<String, String> tags = compliantTagsWith(Map.of("tmp:build", "123", "Scratch", "yes"));
        CloudTrailEvents.Event event = MOTO.keys().createKey(tags);

        Captured<Response> run = HandlerRuns.capturingStdout(() -> HandlerRuns.invoke(handler(), event));

        Response response = run.result();
        assertEquals("REMEDIATED", response.outcome(), response::toString);
        assertEquals(List.of(LIST, UNTAG), clients.callNames());
        assertEquals(Set.of("tmp:build", "Scratch"), Set.copyOf(response.strings("removed")));
        assertEquals(compliantTagsWith(Map.of()), MOTO.keys().tags(event.keyArn()));
        assertFalse(response.has("previousValues"), "responses travel to destinations: no old values in them");
        Response decision = run.decisionLine();
        assertEquals("REMEDIATED", decision.outcome());
        assertEquals(Map.of("tmp:build", "123", "Scratch", "yes"), decision.stringMap("previousValues"));
    }

    @Test
    void aKeyInTheWrongCaseIsRenamedWithItsValueKeptTaggingBeforeUntagging() {
        Map<String, String> tags = compliantTagsWith(Map.of("owner", "bob"));
        tags.remove("Owner");
        CloudTrailEvents.Event event = MOTO.keys().createKey(tags);

        Response response = HandlerRuns.invoke(handler(), event);

        assertEquals("REMEDIATED", response.outcome(), response::toString);
        assertEquals(List.of(LIST, TAG, UNTAG), clients.callNames(), "the new key is written before the old one goes");
        assertEquals(Map.of("Owner", "bob"), response.stringMap("added"));
        assertEquals(List.of("owner"), response.strings("removed"));
        assertEquals(compliantTagsWith(Map.of("Owner", "bob")), MOTO.keys().tags(event.keyArn()));
    }

    @Test
    void invalidValuesAreReplacedByTheDefaults() {
        CloudTrailEvents.Event event = MOTO.keys().createKey(compliantTagsWith(Map.of("Environment", "production", "CostCenter", "12ab")));

        Response response = HandlerRuns.invoke(handler(), event);

        assertEquals("REMEDIATED", response.outcome(), response::toString);
        assertEquals(List.of(LIST, TAG), clients.callNames());
        assertEquals(Map.of("Environment", "dev", "CostCenter", "unassigned"), response.stringMap("added"));
        assertEquals(compliantTagsWith(Map.of("Environment", "dev", "CostCenter", "unassigned")), MOTO.keys().tags(event.keyArn()));
    }

    static Stream<Arguments> reportModes() {
        return Stream.of(
                Arguments.of("ENFORCEMENT_MODE=report", HandlerRuns.environment("ENFORCEMENT_MODE", "report")),
                Arguments.of("policy mode report", HandlerRuns.environment(
                        "TAG_POLICY", HandlerRuns.POLICY.replaceFirst("\\{", "{\"mode\": \"report\",")),
                        "ENFORCEMENT_MODE", "policy"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("reportModes")
    void reportModeReadsOnceAndWritesNothing(String label, Map<String, String> environment) {
        CloudTrailEvents.Event event = MOTO.keys().createKey(Map.of("tmp:build", "1"));

        Response response = HandlerRuns.invoke(new TagEnforcerHandler(Collaborators.of(environment, clients)), event);

        assertEquals("REPORTED", response.outcome(), response::toString);
        assertEquals("report", response.text("mode"));
        assertEquals(List.of(LIST), clients.callNames());
        assertEquals(POLICY_TAGS, response.stringMap("wouldAdd"));
        assertEquals(List.of("tmp:build"), response.strings("wouldRemove"));
        assertEquals(Map.of(), response.stringMap("added"));
        assertEquals(Map.of("tmp:build", "1"), MOTO.keys().tags(event.keyArn()));
    }

    @Test
    void aReplicaIsTaggedInItsOwnRegionAndThePrimaryIsLeftAlone() {
        Map<String, String> primaryTags = Map.of("Team", "core");
        CloudTrailEvents.Event primary = MOTO.keys().createMultiRegionKey(primaryTags);
        CloudTrailEvents.Event replication = MOTO.keys().replicate(primary.keyArn(), "eu-west-1");
        assertEquals(primary.keyArn().replace(":us-east-1:", ":eu-west-1:"), replication.keyArn());

        Response response = HandlerRuns.invoke(handler(), replication);

        assertEquals("REMEDIATED", response.outcome(), response::toString);
        assertEquals(List.of("ListResourceTags@eu-west-1", "TagResource@eu-west-1"), clients.callNames());
        assertEquals(replication.keyArn(), response.text("keyArn"));
        assertEquals(POLICY_TAGS, MOTO.keys().tags(replication.keyArn()));
        assertEquals(primaryTags, MOTO.keys().tags(primary.keyArn()));
    }

    @Test
    void aDisabledKeyIsStillEnforced() {
        CloudTrailEvents.Event event = MOTO.keys().createKey(Map.of());
        MOTO.keys().disable(event.keyArn());
        assertEquals(KeyState.DISABLED, MOTO.keys().state(event.keyArn()));

        Response response = HandlerRuns.invoke(handler(), event);

        assertEquals("REMEDIATED", response.outcome(), response::toString);
        assertEquals(List.of(LIST, TAG), clients.callNames());
        assertEquals(POLICY_TAGS, MOTO.keys().tags(event.keyArn()));
    }

    @Test
    void anExemptKeyIsIgnoredAfterOneRead() {
        Map<String, String> tags = Map.of("tag-enforcer:exempt", "true", "tmp:build", "1");
        CloudTrailEvents.Event event = MOTO.keys().createKey(tags);

        Response response = HandlerRuns.invoke(handler(), event);

        assertEquals("IGNORED", response.outcome(), response::toString);
        assertEquals(List.of(LIST), clients.callNames());
        assertEquals(tags, MOTO.keys().tags(event.keyArn()));
    }

    /**
     * The handler's clock says which day it is: on the day after an exemption's end date the key is
     * enforced like any other (one read, one write each way), and the response says the exemption expired.
     */
    @Test
    void aKeyWhoseExemptionEndedYesterdayIsEnforcedAndTheResponseSaysItExpired() {
        Clock clock = Clock.fixed(Instant.now(), ZoneOffset.UTC);
        String yesterday = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC).minusDays(1).toString();
        CloudTrailEvents.Event event = MOTO.keys().createKey(Map.of("tag-enforcer:exempt", "until " + yesterday, "tmp:build", "1"));

        Response response = HandlerRuns.invoke(handlerOn(clock), event);

        assertEquals("REMEDIATED", response.outcome(), response::toString);
        assertEquals(List.of(LIST, TAG, UNTAG), clients.callNames());
        Map<String, String> expected = new LinkedHashMap<>(POLICY_TAGS);
        expected.put("tag-enforcer:exempt", "until " + yesterday);
        assertEquals(expected, MOTO.keys().tags(event.keyArn()), "the exemption tag stays, as the record of what was agreed");
        assertEquals(Optional.of("expired"), response.json().field("exemption").flatMap(exemption -> exemption.field("state")).map(JsonNode::text),
                response::toString);
    }

    @Test
    void onItsLastDayAnExemptionStillHoldsAndNothingIsWritten() {
        Clock clock = Clock.fixed(Instant.now(), ZoneOffset.UTC);
        String today = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC).toString();
        Map<String, String> tags = Map.of("tag-enforcer:exempt", "until " + today + " SEC-123", "tmp:build", "1");
        CloudTrailEvents.Event event = MOTO.keys().createKey(tags);

        Response response = HandlerRuns.invoke(handlerOn(clock), event);

        assertEquals("IGNORED", response.outcome(), response::toString);
        assertEquals("key carries the exemption tag tag-enforcer:exempt until " + today, response.text("reason"));
        assertEquals(List.of(LIST), clients.callNames());
        assertEquals(tags, MOTO.keys().tags(event.keyArn()));
    }

    @Test
    void aKeyNotFoundSoonAfterTheEventIsRetriedWithinTheInvocationThenThrownForLambdaToRetry() {
        CloudTrailEvents.Event event = MOTO.keys().eventForKeyThatDoesNotExist();
        List<Duration> waits = new ArrayList<>();
        TagEnforcerHandler handler = new TagEnforcerHandler(Collaborators.of(HandlerRuns.environment(), clients)
                .withNotFoundRetry(new NotFoundRetry(NotFoundRetry.DEFAULT_DELAYS, waits::add)));

        RetryableFailure failure = assertThrows(RetryableFailure.class, () -> HandlerRuns.invoke(handler, event));

        assertEquals(List.of(LIST, LIST, LIST, LIST, LIST, LIST), clients.callNames(), "5 waits, 6 reads");
        assertEquals(List.of(Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(2),
                Duration.ofSeconds(4)), waits, "a wait between each two reads, doubling");
        assertEquals("RETRYING", failure.result().outcome().name());
        assertTrue(failure.getMessage().contains("NotFoundException"), failure::getMessage);
    }

    @Test
    void aKeyNotFoundHoursAfterTheEventFailsAtOnceWithoutThrowing() {
        CloudTrailEvents.Event event = MOTO.keys().eventForKeyThatDoesNotExist().eventTime(Instant.now().minus(Duration.ofHours(2)));

        Response response = HandlerRuns.invoke(handler(), event);

        assertEquals("FAILED", response.outcome(), response::toString);
        assertEquals(List.of(LIST), clients.callNames(), "waiting cannot make an old event's key appear");
        assertTrue(response.text("reason").contains("NotFoundException"), response::toString);
    }

    @Test
    void anEventThatDoesNotNameTheKeyManagerIsDescribedFirst() {
        CloudTrailEvents.Event event = MOTO.keys().createKey(Map.of()).withoutKeyMetadataField("keyManager");

        Response response = HandlerRuns.invoke(handler(), event);

        assertEquals("REMEDIATED", response.outcome(), response::toString);
        assertEquals(List.of("DescribeKey@us-east-1", LIST, TAG), clients.callNames());
        assertEquals(POLICY_TAGS, MOTO.keys().tags(event.keyArn()));
    }

    /** checkKeyPolicy (ABAC): Team may be added, never replaced; tmp:abac* is kept though tmp:* is forbidden. */
    private static final String ABAC_POLICY = """
            {"required": {"Owner": {"default": "${principal}"},
                          "Team": {"default": "unassigned", "allowed": ["payments", "search", "unassigned"]}},
             "forbidden": ["tmp:*"],
             "protectedTags": ["Team", "tmp:abac*"],
             "checkKeyPolicy": true}
            """;
    /** Access by Team (which the plan leaves alone), by Owner (which it adds) and by tmp:build (which it removes). */
    private static final String KEY_POLICY = """
            {"Version": "2012-10-17", "Statement": [
              {"Sid": "Enable IAM User Permissions", "Effect": "Allow",
               "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "kms:*", "Resource": "*"},
              {"Sid": "By tag", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": ["kms:Decrypt"], "Resource": "*",
               "Condition": {"StringEquals": {"aws:ResourceTag/Team": "payments"},
                             "StringLike": {"aws:ResourceTag/Owner": "*", "aws:ResourceTag/tmp:build": "*"}}}]}
            """;

    @Test
    void theDecisionNamesTheChangedTagsTheKeyPolicyGrantsAccessByAndProtectedTagsAreNeverTouched() throws Exception {
        Map<String, String> tags = new LinkedHashMap<>();
        tags.put("Team", "Payments");
        tags.put("tmp:abac-project", "atlas");
        tags.put("tmp:build", "123");
        CloudTrailEvents.Event event = MOTO.keys().createKey(tags);
        MOTO.keys().putKeyPolicy(event.keyArn(), KEY_POLICY);

        Captured<Response> run = HandlerRuns.capturingStdout(() -> HandlerRuns.invoke(
                new TagEnforcerHandler(Collaborators.of(HandlerRuns.environment("TAG_POLICY", ABAC_POLICY), clients)), event));

        Response decision = run.decisionLine();
        assertEquals("NONCOMPLIANT", decision.outcome(), "the protected tags still break the rules: a person decides");
        assertEquals("written what the policy gives, but protectedTags forbids the changes these violations call for", decision.text("reason"));
        assertEquals(List.of("Owner", "tmp:build"), decision.strings("accessControlTags"));
        assertEquals("read", decision.text("keyPolicy"));
        assertEquals(List.of(LIST, "GetKeyPolicy@us-east-1", TAG, UNTAG),
                clients.callNames());
        Map<String, String> after = MOTO.keys().tags(event.keyArn());
        assertEquals("Payments", after.get("Team"), "a protected tag keeps its value, even one the rules reject");
        assertEquals("atlas", after.get("tmp:abac-project"), "a protected tag is never removed, even a forbidden one");
        assertEquals(Map.of("Team", "Payments", "tmp:abac-project", "atlas", "Owner", CloudTrailEvents.SESSION), after);
    }

    /** The policy is a file of the package, of any reasonable size; every decision line names it and its hash. */
    @Test
    void aPolicyFileOfTenThousandCharactersIsEnforcedAndTheDecisionLineNamesItsSourceAndHash(@TempDir Path taskRoot) throws Exception {
        String policy = Policies.tenThousandCharacters();
        Files.writeString(taskRoot.resolve("tag-policy.json"), policy, StandardCharsets.UTF_8);
        Map<String, String> environment = HandlerRuns.environment("LAMBDA_TASK_ROOT", taskRoot.toString());
        environment.remove("TAG_POLICY");
        CloudTrailEvents.Event event = MOTO.keys().createKey(Map.of());

        Captured<Response> run = HandlerRuns.capturingStdout(() -> HandlerRuns.invoke(new TagEnforcerHandler(Collaborators.of(environment, clients)),
                event));

        assertEquals("REMEDIATED", run.result().outcome(), run.result()::toString);
        Map<String, String> tags = MOTO.keys().tags(event.keyArn());
        assertEquals(50, tags.size(), tags::toString);
        assertEquals(Set.of("value-0"), Set.copyOf(tags.values()));
        assertEquals(List.of(LIST, TAG), clients.callNames(), "one read, one write, whatever the policy's size");
        PolicyOrigin origin = PolicyOrigin.of("file:tag-policy.json", policy.getBytes(StandardCharsets.UTF_8));
        assertEquals(Map.of("source", origin.source(), "sha256", origin.sha256()), run.decisionLine().stringMap("policy"));
    }

    private TagEnforcerHandler handler() {
        return new TagEnforcerHandler(Collaborators.of(HandlerRuns.environment(), clients));
    }

    private TagEnforcerHandler handlerOn(Clock clock) {
        return new TagEnforcerHandler(Collaborators.of(HandlerRuns.environment(), clients).withClock(clock));
    }

    /** Tags that satisfy the policy (values unlike its defaults), with {@code extra} added or replacing. */
    private static Map<String, String> compliantTagsWith(Map<String, String> extra) {
        Map<String, String> tags = new LinkedHashMap<>();
        tags.put("Owner", "alice");
        tags.put("CostCenter", "1234");
        tags.put("Environment", "prod");
        tags.put("CreatedBy", CALLER_ARN);
        tags.putAll(extra);
        return tags;
    }
}
