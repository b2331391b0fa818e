package io.kmstagenforcer.cli;

import static org.junit.jupiter.api.Assertions.assertThrows;

import io.kmstagenforcer.TagEnforcerHandler;
import io.kmstagenforcer.TagEnforcerHandler.Collaborators;
import io.kmstagenforcer.policy.PolicyException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;

/** Policies the function refuses at initialisation, and the message it refuses each with. */
final class InvalidPolicies {
    private InvalidPolicies() {
    }

    /** An invalid regular expression, an unknown field, and a document that is not JSON. */
    static Stream<String> examples() {
        return Stream.of(
                "{\"required\": {\"CostCenter\": {\"pattern\": \"^([0-9]{4}\"}}}",
                "{\"required\": {}, \"forbiden\": [\"tmp:*\"]}",
                "{\"mode\": \"enforce\",");
    }

    /** The message of the function's initialisation (its handler's constructor) with this policy in TAG_POLICY. */
    static String initMessage(String policyJson) {
        return assertThrows(PolicyException.class, () -> new TagEnforcerHandler(Collaborators.of(Map.of("TAG_POLICY", policyJson), region -> {
            throw new AssertionError("the policy is checked before any KMS client is built");
        }))).getMessage();
    }

    static Path write(Path folder, String policyJson) {
        try {
            return Files.writeString(folder.resolve("policy.json"), policyJson, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
