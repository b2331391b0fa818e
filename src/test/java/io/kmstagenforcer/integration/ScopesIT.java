package io.kmstagenforcer.integration;

import static io.kmstagenforcer.integration.HandlerRuns.POLICY_TAGS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import io.kmstagenforcer.FakeContext;
import io.kmstagenforcer.SweepHandler;
import io.kmstagenforcer.SweepResponse;
import io.kmstagenforcer.TagEnforcerHandler;
import io.kmstagenforcer.json.JsonField;
import io.kmstagenforcer.integration.HandlerRuns.Captured;
import io.kmstagenforcer.integration.HandlerRuns.Response;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.kms.model.CreateKeyRequest;
import software.amazon.awssdk.services.kms.model.KeySpec;
import software.amazon.awssdk.services.kms.model.KeyUsageType;

/**
 * Scoped rules on a real KMS API (moto), for a new key's event, a drift event and the sweep, with
 * the KMS calls each key cost: a scope on the account or on tags reads nothing more; a scope on key
 * usage reads nothing more for a creation record (which says it) and one DescribeKey for a key met
 * later; a scope on aliases one ListAliases for the key, none in the sweep (its alias walk has them).
 */
class ScopesIT {
    @RegisterExtension
    static final MotoServerExtension MOTO = new MotoServerExtension();

    private static final String LIST = "ListResourceTags";
    private static final String DESCRIBE = "DescribeKey";
    private static final String ALIASES = "ListAliases";
    private static final String TAG = "TagResource";

    /** Free: the account from the ARN, the Environment the base policy gives a key. */
    private static final String TAG_SCOPES = scoped("{\"name\":\"home-dev\",\"match\":{\"account\":[\"" + MotoKeys.ACCOUNT + "\"],"
            + "\"tags\":{\"Environment\":[\"dev\"]}},\"required\":{\"Backup\":{\"default\":\"daily\"}}}");
    /** Key usage: from the creation record, else DescribeKey. */
    private static final String USAGE_SCOPE = scoped("{\"name\":\"signing-keys\",\"match\":{\"keyUsage\":[\"SIGN_VERIFY\"]},"
            + "\"required\":{\"Team\":{\"value\":\"pki\"}}}");
    /** Aliases: ListAliases for the key, or the sweep's listing. */
    private static final String ALIAS_SCOPE = scoped("{\"name\":\"pki-aliases\",\"match\":{\"alias\":[\"alias/pki/*\"]},"
            + "\"required\":{\"DataClassification\":{\"default\":\"restricted\"}}}");

    @RegisterExtension
    final RecordedKms kms = RecordedKms.direct(MOTO);

    // ---- events

    @Test
    void aNewKeyInATagScopeGetsItsTagsAtTodaysCost() {
        CloudTrailEvents.Event created = MOTO.keys().createKey(Map.of());

        Response response = HandlerRuns.invoke(handler(TAG_SCOPES), created);

        assertEquals("REMEDIATED", response.outcome(), response::toString);
        assertEquals(List.of("home-dev"), response.strings("scopes"));
        assertEquals("daily", MOTO.keys().tags(created.keyArn()).get("Backup"), "the scope matched Environment=dev, which the base rules set");
        assertEquals(List.of(LIST, TAG), kms.clients().operationsOn(created.keyArn()));
    }

    @Test
    void aNewSigningKeyIsInTheUsageScopeByItsCreationRecordWithoutADescribeKey() {
        CloudTrailEvents.Event created = MOTO.keys().createKey(signingKey());

        Response response = HandlerRuns.invoke(handler(USAGE_SCOPE), created);

        assertEquals(List.of("signing-keys"), response.strings("scopes"), response::toString);
        assertEquals("pki", MOTO.keys().tags(created.keyArn()).get("Team"));
        assertEquals(List.of(LIST, TAG), kms.clients().operationsOn(created.keyArn()));
    }

    @Test
    void aNewKeyWithAPkiAliasCostsOneListAliasesForItself() {
        CloudTrailEvents.Event created = MOTO.keys().createKey(Map.of());
        MOTO.keys().createAlias(created.keyArn(), "alias/pki/root-ca");

        Response response = HandlerRuns.invoke(handler(ALIAS_SCOPE), created);

        assertEquals(List.of("pki-aliases"), response.strings("scopes"), response::toString);
        assertEquals("restricted", MOTO.keys().tags(created.keyArn()).get("DataClassification"));
        assertEquals(List.of(LIST, ALIASES, TAG), kms.clients().operationsOn(created.keyArn()));
    }

    // ---- drift

    @Test
    void aCompliantKeyUnderATagScopePolicyCostsOneListResourceTags() {
        String key = MOTO.keys().createKey(with(POLICY_TAGS, "Backup", "daily")).keyArn();

        Response response = HandlerRuns.invoke(handler(TAG_SCOPES), CloudTrailEvents.tagResource(key, Map.of("Backup", "daily")));

        assertEquals("COMPLIANT", response.outcome(), response::toString);
        assertEquals(List.of("home-dev"), response.strings("scopes"));
        assertEquals(List.of(LIST), kms.clients().operationsOn(key));
    }

    @Test
    void aCompliantSigningKeyCostsADescribeKeyToKnowItsScope() {
        String key = MOTO.keys().createKey(signingKey()).keyArn();
        MOTO.keys().setTags(key, with(POLICY_TAGS, "Team", "pki"));

        Response response = HandlerRuns.invoke(handler(USAGE_SCOPE), CloudTrailEvents.tagResource(key, Map.of("Team", "pki")));

        assertEquals("COMPLIANT", response.outcome(), response::toString);
        assertEquals(List.of("signing-keys"), response.strings("scopes"));
        assertEquals(List.of(LIST, DESCRIBE), kms.clients().operationsOn(key));
    }

    @Test
    void aDriftedSigningKeyIsRepairedWithTheOneDescribeKeyReused() {
        String key = MOTO.keys().createKey(signingKey()).keyArn();
        MOTO.keys().setTags(key, with(POLICY_TAGS, "Team", "platform"));

        Response response = HandlerRuns.invoke(handler(USAGE_SCOPE), CloudTrailEvents.tagResource(key, Map.of("Team", "platform")));

        assertEquals("REMEDIATED", response.outcome(), response::toString);
        assertEquals(Map.of("Team", "pki"), response.stringMap("added"));
        assertEquals(List.of(LIST, DESCRIBE, TAG), kms.clients().operationsOn(key));
    }

    @Test
    void aDriftedKeyWithAPkiAliasCostsOneListAliasesForItself() {
        String key = MOTO.keys().createKey(POLICY_TAGS).keyArn();
        MOTO.keys().createAlias(key, "alias/pki/issuing");

        Response response = HandlerRuns.invoke(handler(ALIAS_SCOPE), CloudTrailEvents.untagResource(key, List.of("DataClassification")));

        assertEquals("REMEDIATED", response.outcome(), response::toString);
        assertEquals(List.of("pki-aliases"), response.strings("scopes"));
        assertEquals(List.of(LIST, ALIASES, DESCRIBE, TAG), kms.clients().operationsOn(key));
    }

    // ---- the sweep

    @Test
    void theSweepReadsAliasesOnceForAllKeysAndDescribesEachKeyOnceForAUsageScope() throws Exception {
        String policy = scoped("{\"name\":\"signing-keys\",\"match\":{\"keyUsage\":[\"SIGN_VERIFY\"]},\"required\":{\"Team\":{\"value\":\"pki\"}}},"
                + "{\"name\":\"pki-aliases\",\"match\":{\"alias\":[\"alias/pki/*\"]},\"required\":{\"DataClassification\":{\"default\":\"restricted\"}}}");
        String plain = MOTO.keys().createKey(POLICY_TAGS).keyArn();
        String aliased = MOTO.keys().createKey(POLICY_TAGS).keyArn();
        MOTO.keys().createAlias(aliased, "alias/pki/root-ca");
        String signing = MOTO.keys().createKey(signingKey()).keyArn();
        MOTO.keys().setTags(signing, with(POLICY_TAGS, "Team", "pki"));

        Map<String, JsonField> decisions = sweep(policy);

        assertEquals("COMPLIANT", decisions.get(plain).get("outcome").requiredString());
        assertEquals(List.of(LIST, DESCRIBE), kms.clients().operationsOn(plain), "a compliant key: its tags, and its usage");
        assertEquals("REMEDIATED", decisions.get(aliased).get("outcome").requiredString());
        assertEquals(List.of("pki-aliases"), strings(decisions.get(aliased).get("scopes")));
        assertEquals("restricted", MOTO.keys().tags(aliased).get("DataClassification"));
        assertEquals(List.of(LIST, DESCRIBE, TAG), kms.clients().operationsOn(aliased), "no ListAliases for the key: the walk had its aliases");
        assertEquals("COMPLIANT", decisions.get(signing).get("outcome").requiredString());
        assertEquals(List.of("signing-keys"), strings(decisions.get(signing).get("scopes")));
        assertEquals(List.of(LIST, DESCRIBE), kms.clients().operationsOn(signing));
        assertEquals(List.of("ListAliases@us-east-1", "ListKeys@us-east-1"), kms.clients().callsOnNoKey(), "one alias walk, one page of keys");
    }

    @Test
    void theSweepUnderATagScopePolicyCostsACompliantKeyOneListResourceTags() throws Exception {
        String compliant = MOTO.keys().createKey(with(POLICY_TAGS, "Backup", "daily")).keyArn();
        String missing = MOTO.keys().createKey(POLICY_TAGS).keyArn();

        Map<String, JsonField> decisions = sweep(TAG_SCOPES);

        assertEquals("COMPLIANT", decisions.get(compliant).get("outcome").requiredString());
        assertEquals(List.of(LIST), kms.clients().operationsOn(compliant));
        assertEquals(List.of("home-dev"), strings(decisions.get(missing).get("scopes")));
        assertEquals(List.of(LIST, DESCRIBE, TAG), kms.clients().operationsOn(missing));
    }

    // ---- helpers

    /** The integration policy with these scopes (JSON objects, comma-separated). */
    private static String scoped(String scopes) {
        String policy = HandlerRuns.POLICY.trim();
        return policy.substring(0, policy.lastIndexOf('}')) + ",\"scopes\":[" + scopes + "]}";
    }

    private static CreateKeyRequest signingKey() {
        return CreateKeyRequest.builder().keySpec(KeySpec.RSA_2048).keyUsage(KeyUsageType.SIGN_VERIFY).build();
    }

    private static Map<String, String> with(Map<String, String> tags, String key, String value) {
        Map<String, String> more = new LinkedHashMap<>(tags);
        more.put(key, value);
        return more;
    }

    private TagEnforcerHandler handler(String policy) {
        return new TagEnforcerHandler(TagEnforcerHandler.Collaborators.of(HandlerRuns.environment("TAG_POLICY", policy), kms.clients()));
    }

    /** One complete sweep of the home region with this policy; each key's decision line by its ARN. */
    private Map<String, JsonField> sweep(String policy) throws Exception {
        Map<String, String> environment = HandlerRuns.environment("TAG_POLICY", policy, "ENFORCEMENT_MODE", "enforce",
                "SWEEP_WRITES_PER_SECOND", "5", "AWS_LAMBDA_FUNCTION_NAME", "kms-tag-enforcer-SweepFunction-X");
        ScheduledEvent scheduled = EventLoader.loadScheduledEvent("events/scheduled-sweep.json");
        Captured<SweepResponse> run = HandlerRuns.capturingStdout(() -> new SweepHandler(SweepHandler.Collaborators.of(environment,
                kms.clients())).handleRequest(scheduled, FakeContext.endingIn(Duration.ofMinutes(2))), line -> false);
        assertTrue(run.result().complete(), run::toString);
        Map<String, JsonField> decisions = new HashMap<>();
        run.lines().stream().filter(line -> line.contains("\"type\":\"decision\"")).map(line -> JsonField.parse("decision", line))
                .forEach(line -> line.get("keyArn").stringIfPresent().ifPresent(arn -> decisions.put(arn, line)));
        return decisions;
    }

    private static List<String> strings(JsonField field) {
        return field.elements().stream().map(JsonField::requiredString).toList();
    }
}
