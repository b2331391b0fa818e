package io.kmstagenforcer.plan;

import static io.kmstagenforcer.policy.TemplateVariable.ACCOUNT;
import static io.kmstagenforcer.policy.TemplateVariable.EVENT_DATE;
import static io.kmstagenforcer.policy.TemplateVariable.EVENT_NAME;
import static io.kmstagenforcer.policy.TemplateVariable.EVENT_TIME;
import static io.kmstagenforcer.policy.TemplateVariable.KEY_ARN;
import static io.kmstagenforcer.policy.TemplateVariable.KEY_ID;
import static io.kmstagenforcer.policy.TemplateVariable.PRINCIPAL;
import static io.kmstagenforcer.policy.TemplateVariable.PRINCIPAL_ARN;
import static io.kmstagenforcer.policy.TemplateVariable.PRINCIPAL_ROLE;
import static io.kmstagenforcer.policy.TemplateVariable.PRINCIPAL_TYPE;
import static io.kmstagenforcer.policy.TemplateVariable.REGION;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.kmstagenforcer.Fixtures;
import io.kmstagenforcer.event.EventInterpreter;
import io.kmstagenforcer.event.Interpretation;
import io.kmstagenforcer.event.KeyArn;
import io.kmstagenforcer.event.KeyEvent;
import io.kmstagenforcer.event.UserIdentity;
import io.kmstagenforcer.policy.TemplateVariable;
import io.kmstagenforcer.policy.ValueTemplate;
import java.time.Instant;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The values of the tag policy's {@code ${...}} template variables for one key (a key met after
 * its creation, by a drift event or the sweep, knows nothing of who created it). The key's
 * region, account and ID come from its ARN (for a replica, the replica's region); a value the
 * event does not give is absent from the map, never empty or null.
 */
class KeyContextTest {
    private static final String MRK = "mrk-8a3f61c2d94e4b07a1c5e92f3b6d8a40";
    private static final Set<TemplateVariable> KEY_VARIABLES = EnumSet.of(ACCOUNT, REGION, KEY_ID, KEY_ARN, EVENT_NAME);

    private static KeyEvent event(String fixture) {
        Interpretation result = new EventInterpreter().interpret(Fixtures.bytes(fixture));
        return assertInstanceOf(Interpretation.Enforce.class, result, result::toString).event();
    }

    private static Map<TemplateVariable, String> creation(KeyEvent event) {
        KeyContext context = KeyContext.ofCreation(event);
        assertEquals(Set.of(), context.unknown(), "a creation record leaves nothing unknown");
        return context.values();
    }

    private static KeyEvent eventAt(Optional<String> eventTime) {
        return new KeyEvent(KeyArn.parse("arn:aws:kms:us-east-1:111122223333:key/" + MRK), "CreateKey",
                Optional.empty(), eventTime, Optional.empty(), Optional.empty(), UserIdentity.UNKNOWN, Optional.empty(), false, Map.of());
    }

    @Test
    void aCreateKeyByAnAssumedRoleDefinesEveryVariable() {
        assertEquals(Map.ofEntries(
                Map.entry(ACCOUNT, "111122223333"),
                Map.entry(REGION, "us-east-1"),
                Map.entry(KEY_ID, "0f8c3a5e-7b21-4d9e-a6c4-2e51b9d07f13"),
                Map.entry(KEY_ARN, "arn:aws:kms:us-east-1:111122223333:key/0f8c3a5e-7b21-4d9e-a6c4-2e51b9d07f13"),
                Map.entry(EVENT_NAME, "CreateKey"),
                Map.entry(PRINCIPAL, "alice"),
                Map.entry(PRINCIPAL_ROLE, "KeyAdmins"),
                Map.entry(PRINCIPAL_ARN, "arn:aws:sts::111122223333:assumed-role/KeyAdmins/alice"),
                Map.entry(PRINCIPAL_TYPE, "AssumedRole"),
                Map.entry(EVENT_TIME, "2024-05-14T09:12:41Z"),
                Map.entry(EVENT_DATE, "2024-05-14")),
                creation(event("events/create-key.json")));
    }

    @Test
    void aReplicateKeyDescribesTheReplicaInItsOwnRegion() {
        Map<TemplateVariable, String> values = creation(event("events/replicate-key.json"));
        assertEquals(Map.of(REGION, "eu-west-1", KEY_ID, MRK, KEY_ARN, "arn:aws:kms:eu-west-1:111122223333:key/" + MRK,
                        ACCOUNT, "111122223333", EVENT_NAME, "ReplicateKey", EVENT_DATE, "2024-05-14"),
                subMap(values, EnumSet.of(REGION, KEY_ID, KEY_ARN, ACCOUNT, EVENT_NAME, EVENT_DATE)));
    }

    @Test
    void theChinaPartitionKeepsItsRegionAndArn() {
        Map<TemplateVariable, String> values = creation(event("create-key-china-partition.json"));
        assertEquals(Map.of(REGION, "cn-north-1", KEY_ARN, "arn:aws-cn:kms:cn-north-1:111122223333:key/9b6d2f48-3e1a-4c75-8f09-b2e4d6a81c37"),
                subMap(values, EnumSet.of(REGION, KEY_ARN)));
    }

    @Test
    void anIamUserHasNoRole() {
        Map<TemplateVariable, String> values = creation(event("create-key-iam-user.json"));
        assertEquals(Map.of(PRINCIPAL, "bob", PRINCIPAL_TYPE, "IAMUser", PRINCIPAL_ARN, "arn:aws:iam::111122223333:user/bob"),
                subMap(values, EnumSet.of(PRINCIPAL, PRINCIPAL_TYPE, PRINCIPAL_ARN, PRINCIPAL_ROLE)));
    }

    @Test
    void anAwsServiceWithoutArnHasOnlyItsNameAndType() {
        Map<TemplateVariable, String> values = creation(event("create-key-aws-service-no-arn.json"));
        assertEquals(Map.of(PRINCIPAL, "cloudformation.amazonaws.com", PRINCIPAL_TYPE, "AWSService"),
                subMap(values, EnumSet.of(PRINCIPAL, PRINCIPAL_TYPE, PRINCIPAL_ARN, PRINCIPAL_ROLE)));
    }

    @Test
    void aMinimalEventDefinesOnlyTheKeyTheNameAndTheTime() {
        Map<TemplateVariable, String> values = creation(event("create-key-no-optional-fields.json"));
        Set<TemplateVariable> expected = EnumSet.copyOf(KEY_VARIABLES);
        expected.addAll(EnumSet.of(EVENT_TIME, EVENT_DATE));
        assertEquals(expected, values.keySet());
    }

    @Test
    void withoutAnEventTimeNeitherTimeNorDateIsDefined() {
        assertEquals(KEY_VARIABLES, creation(eventAt(Optional.empty())).keySet());
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            2024-05-14T09:12:41Z     | 2024-05-14
            2024-05-14T23:59:59.999Z | 2024-05-14
            2024-12-31               | 2024-12-31
            """)
    void eventDateIsTheDatePartOfAnIsoEventTime(String eventTime, String eventDate) {
        assertEquals(eventDate, creation(eventAt(Optional.of(eventTime))).get(EVENT_DATE));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            May 14, 2024, 9:12:41 AM
            14/05/2024
            2024-5-14T09:12:41Z
            """)
    void aNonIsoEventTimeIsKeptButGivesNoEventDate(String eventTime) {
        Map<TemplateVariable, String> values = creation(eventAt(Optional.of(eventTime)));
        assertEquals(Map.of(EVENT_TIME, eventTime), subMap(values, EnumSet.of(EVENT_TIME, EVENT_DATE)));
    }

    private static Map<TemplateVariable, String> subMap(Map<TemplateVariable, String> values, Set<TemplateVariable> keys) {
        Map<TemplateVariable, String> selected = new EnumMap<>(TemplateVariable.class);
        keys.stream().filter(values::containsKey).forEach(key -> selected.put(key, values.get(key)));
        return selected;
    }

    @Test
    void anExistingKeyWithoutACreationDateKnowsOnlyItsArn() {
        KeyContext context = KeyContext.ofExistingKey(KeyArn.parse("arn:aws:kms:eu-west-1:111122223333:key/" + MRK), Optional.empty());

        assertEquals(Map.of(ACCOUNT, "111122223333", REGION, "eu-west-1", KEY_ID, MRK, KEY_ARN, "arn:aws:kms:eu-west-1:111122223333:key/" + MRK),
                context.values());
        assertEquals(EnumSet.of(PRINCIPAL, PRINCIPAL_ROLE, PRINCIPAL_ARN, PRINCIPAL_TYPE, EVENT_NAME, EVENT_TIME, EVENT_DATE),
                context.unknown());
    }

    @Test
    void anExistingKeyTakesItsEventTimeAndDateFromItsCreationDate() {
        KeyContext context = KeyContext.ofExistingKey(KeyArn.parse("arn:aws:kms:eu-west-1:111122223333:key/" + MRK),
                Optional.of(Instant.parse("2023-02-03T04:05:06Z")));

        assertEquals(Map.of(EVENT_TIME, "2023-02-03T04:05:06Z", EVENT_DATE, "2023-02-03"),
                subMap(context.values(), EnumSet.of(EVENT_TIME, EVENT_DATE)));
        assertEquals(EnumSet.of(PRINCIPAL, PRINCIPAL_ROLE, PRINCIPAL_ARN, PRINCIPAL_TYPE, EVENT_NAME), context.unknown());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            team-${account}         | true
            ${principal}            | false
            by ${principal.arn}     | false
            ${eventName}            | false
            fixed                   | true
            """)
    void anExistingKeyCanRenderOnlyTemplatesThatNeedNoCreationRecord(String template, boolean renderable) {
        KeyContext context = KeyContext.ofExistingKey(KeyArn.parse("arn:aws:kms:eu-west-1:111122223333:key/" + MRK),
                Optional.of(Instant.parse("2023-02-03T04:05:06Z")));

        assertEquals(renderable, context.canRender(ValueTemplate.parse(template)));
    }

    @Test
    void bothRecordsOfOneReplicationRenderTheSameNameAndTimeAndOnlyReplicateKeyNamesTheCreator() {
        Map<TemplateVariable, String> fromReplicateKey = creation(event("events/replicate-key.json"));
        KeyContext replicasCreateKey = KeyContext.ofCreation(event("create-key-of-replica.json"));
        Set<TemplateVariable> creator = EnumSet.of(PRINCIPAL, PRINCIPAL_ROLE, PRINCIPAL_ARN, PRINCIPAL_TYPE);

        assertEquals(creator, replicasCreateKey.unknown(), "its caller need not be who replicated the key");
        assertEquals(KeyContext.CreatorSource.LATER_RECORD, replicasCreateKey.creator());
        Map<TemplateVariable, String> withoutCreator = new java.util.EnumMap<>(fromReplicateKey);
        withoutCreator.keySet().removeAll(creator);
        assertEquals(withoutCreator, replicasCreateKey.values());
        assertEquals(Map.of(EVENT_NAME, "ReplicateKey", EVENT_TIME, "2024-05-14T11:26:48Z", EVENT_DATE, "2024-05-14"),
                subMap(fromReplicateKey, EnumSet.of(EVENT_NAME, EVENT_TIME, EVENT_DATE)), "the replica's creationDate, not either record's eventTime");
    }
}
