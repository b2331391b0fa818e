package io.kmstagenforcer.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kmstagenforcer.TagEnforcerHandler;
import io.kmstagenforcer.integration.HandlerRuns.Captured;
import io.kmstagenforcer.integration.HandlerRuns.Response;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Tags that grant access (ABAC), against moto: a key policy with {@code aws:ResourceTag/...}
 * conditions set by PutKeyPolicy and read back by the function's GetKeyPolicy, and protected tags
 * that no rule may remove or change.
 */
class AbacIT {
    @RegisterExtension
    static final MotoServerExtension MOTO = new MotoServerExtension();

    /** Team may be added, never replaced; tmp:abac* is kept though tmp:* is forbidden. */
    private static final String POLICY = """
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
    void theDecisionNamesTheChangedTagsTheKeyPolicyGrantsAccessByAndProtectedTagsAreNeverTouched() throws Exception {
        Map<String, String> tags = new LinkedHashMap<>();
        tags.put("Team", "Payments");
        tags.put("tmp:abac-project", "atlas");
        tags.put("tmp:build", "123");
        CloudTrailEvents.Event event = MOTO.keys().createKey(tags);
        MOTO.keys().putKeyPolicy(event.keyArn(), KEY_POLICY);

        Captured<Response> run = HandlerRuns.capturingStdout(() -> HandlerRuns.invoke(handler(), event));

        Response decision = run.decisionLine();
        assertEquals("REMEDIATED", decision.outcome(), decision::toString);
        assertEquals(List.of("Owner", "tmp:build"), decision.strings("accessControlTags"));
        assertEquals("read", decision.text("keyPolicy"));
        assertEquals(List.of("ListResourceTags@us-east-1", "GetKeyPolicy@us-east-1", "TagResource@us-east-1", "UntagResource@us-east-1"),
                clients.callNames());
        Map<String, String> after = MOTO.keys().tags(event.keyArn());
        assertEquals("Payments", after.get("Team"), "a protected tag keeps its value, even one the rules reject");
        assertEquals("atlas", after.get("tmp:abac-project"), "a protected tag is never removed, even a forbidden one");
        assertEquals(Map.of("Team", "Payments", "tmp:abac-project", "atlas", "Owner", CloudTrailEvents.SESSION), after);
    }

    private TagEnforcerHandler handler() {
        return new TagEnforcerHandler(HandlerRuns.environment("TAG_POLICY", POLICY), clients);
    }
}
