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

    /**
     * The message of the function's initialisation (its handler's constructor) with {@code folder} as its
     * package root, whose tag-policy.json ({@link #write}) it reads.
     */
    static String initMessage(Path folder) {
        return assertThrows(PolicyException.class, () -> new TagEnforcerHandler(Collaborators.of(Map.of("LAMBDA_TASK_ROOT", folder.toString()),
                region -> {
                    throw new AssertionError("the policy is checked before any KMS client is built");
                }))).getMessage();
    }

    /** The policy as {@code folder}'s tag-policy.json: the file the function and the tools read by default. */
    static Path write(Path folder, String policyJson) {
        try {
            return Files.writeString(folder.resolve("tag-policy.json"), policyJson, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
