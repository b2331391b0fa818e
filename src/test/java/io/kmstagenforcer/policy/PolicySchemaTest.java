package io.kmstagenforcer.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import io.kmstagenforcer.json.JsonField;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * tag-policy.schema.json, what editors validate the policy file with, and {@link PolicyParser}, what
 * the function validates it with, agree: every policy of the repository the parser accepts validates
 * against the schema, and every invalid fixture (src/test/resources/policies/invalid) is refused by
 * both, by the parser with the message its fixture expects. The parser checks more than the schema
 * can (a pattern that compiles, a default its own pattern accepts, rules that contradict each other);
 * those refusals are PolicyParserTest's.
 */
class PolicySchemaTest {
    private static final Path ROOT = Path.of(System.getProperty("basedir", "")).toAbsolutePath();
    private static final Path INVALID = ROOT.resolve("src/test/resources/policies/invalid");
    private static final Schema SCHEMA = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12)
            .getSchema(read(ROOT.resolve("tag-policy.schema.json")), InputFormat.JSON);

    /** Every policy file the repository ships or tests with that the parser accepts. */
    static Stream<Path> acceptedPolicies() throws IOException {
        return Stream.of(
                        Stream.of(ROOT.resolve("tag-policy.json")),
                        // tags-*: a key's tags; org-*: an Organizations tag policy (OrganizationTagPolicy), not a local one.
                        jsonFiles(ROOT.resolve("examples")).filter(file -> !file.getFileName().toString().startsWith("tags-")
                                && !file.getFileName().toString().startsWith("org-")),
                        jsonFiles(ROOT.resolve("src/test/resources/policies")),
                        Stream.of(ROOT.resolve("src/test/resources/integration/tag-policy.json"),
                                ROOT.resolve("src/test/resources/handler/policy.json")))
                .flatMap(files -> files);
    }

    static Stream<Path> invalidPolicies() throws IOException {
        return jsonFiles(INVALID);
    }

    @ParameterizedTest
    @MethodSource("acceptedPolicies")
    void aPolicyTheParserAcceptsValidatesAgainstTheSchema(Path file) {
        String text = read(file);
        PolicyParser.parse(file.getFileName().toString(), text);

        assertEquals(List.of(), messages(SCHEMA.validate(text, InputFormat.JSON)), () -> ROOT.relativize(file).toString());
    }

    @ParameterizedTest
    @MethodSource("invalidPolicies")
    void anInvalidPolicyIsRefusedByTheParserWithItsFieldAndByTheSchema(Path file) {
        String name = file.getFileName().toString();
        String text = read(file);

        PolicyException refusal = assertThrows(PolicyException.class, () -> PolicyParser.parse(name, text));

        String expected = expectedMessages().getProperty(name);
        assertTrue(refusal.getMessage().contains(expected), () -> name + ": expected \"" + expected + "\" in \"" + refusal.getMessage() + "\"");
        assertFalse(SCHEMA.validate(text, InputFormat.JSON).isEmpty(), () -> name + " validates against the schema, which the parser refuses: "
                + refusal.getMessage());
    }

    @Test
    void everyInvalidFixtureHasItsExpectedMessageAndEveryMessageItsFixture() throws IOException {
        Set<String> fixtures = invalidPolicies().map(file -> file.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));

        assertEquals(fixtures, new TreeSet<>(expectedMessages().stringPropertyNames()));
    }

    /** The files that point editors at the schema name it by a path that leads to it. */
    @Test
    void thePolicyFileAndTheExampleNameTheSchemaRelativeToThemselves() {
        for (Path file : List.of(ROOT.resolve("tag-policy.json"), ROOT.resolve("examples/tag-policy.json"))) {
            String schema = JsonField.parse(file.toString(), read(file)).get("$schema").requiredString();
            assertEquals(ROOT.resolve("tag-policy.schema.json"), file.getParent().resolve(schema).normalize(), file::toString);
        }
    }

    /** Every top-level field the parser knows is a property of the schema, and no other: a new field goes into both. */
    @Test
    void theSchemaKnowsExactlyTheParsersTopLevelFields() {
        JsonField schema = JsonField.parse("schema", read(ROOT.resolve("tag-policy.schema.json")));
        Set<String> properties = schema.get("properties").members().stream().map(java.util.Map.Entry::getKey)
                .collect(Collectors.toCollection(TreeSet::new));
        PolicyException refusal = assertThrows(PolicyException.class, () -> PolicyParser.parse("p", "{\"no such field\": 1}"));
        String known = refusal.getMessage().replaceFirst(".*\\(known: (.*)\\)$", "$1");

        assertEquals(new TreeSet<>(List.of(known.split(", "))), properties);
        assertFalse(schema.get("additionalProperties").optionalBoolean().orElse(true), "additionalProperties: false catches typos");
    }

    private static List<String> messages(List<Error> errors) {
        return errors.stream().map(Error::toString).toList();
    }

    private static Properties expectedMessages() {
        Properties messages = new Properties();
        try (InputStream in = Files.newInputStream(INVALID.resolve("expected-messages.properties"))) {
            messages.load(new java.io.InputStreamReader(in, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return messages;
    }

    private static Stream<Path> jsonFiles(Path folder) throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(file -> file.toString().endsWith(".json")).sorted().toList().stream();
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
