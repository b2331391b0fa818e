package io.kmstagenforcer.policy;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Test shorthand for policies. Policies are written with single quotes ({@code {'mode':'report'}})
 * so that they read as JSON inside Java strings; none of the fixtures needs a literal quote.
 */
public final class Policies {
    /** What the policy is called in messages, as the handler names it. */
    public static final String NAME = "TAG_POLICY";

    private Policies() {
    }

    /**
     * A valid policy of more than 10,000 characters, as a policy file may be (TAG_POLICY's 4 KB does not
     * apply to it): 50 required tags, each {@code Tag00}..{@code Tag49} defaulting to {@code value-0}
     * and allowing {@code value-0}..{@code value-39}.
     */
    public static String tenThousandCharacters() {
        String allowed = IntStream.range(0, 40).mapToObj(i -> "\"value-" + i + "\"").collect(Collectors.joining(", "));
        return "{\n  \"required\": {\n" + IntStream.range(0, 50)
                .mapToObj(i -> String.format("    \"Tag%02d\": {\"default\": \"value-0\", \"allowed\": [%s]}", i, allowed))
                .collect(Collectors.joining(",\n")) + "\n  }\n}\n";
    }

    /** The single-quoted shorthand as real JSON. */
    public static String json(String singleQuoted) {
        return singleQuoted.replace('\'', '"');
    }

    public static TagPolicy parse(String singleQuoted) {
        return PolicyParser.parse(NAME, json(singleQuoted));
    }

    /** The sample policy of the contract (src/test/resources/policies/sample-policy.json). */
    public static String sampleJson() {
        try (InputStream in = Policies.class.getResourceAsStream("/policies/sample-policy.json")) {
            if (in == null) {
                throw new IllegalStateException("policies/sample-policy.json is not on the test classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static TagPolicy sample() {
        return PolicyParser.parse(NAME, sampleJson());
    }
}
