package io.kmstagenforcer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kmstagenforcer.docs.DocFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The policy documentation cannot drift from the tools: every {@code $ scripts/simulate ...} shown in
 * docs/POLICY.md's section "Simulate a key, offline" is run in-process on the same arguments, and
 * what it prints must be the block shown under the command; and the example policy is the sample of
 * its "Policy reference".
 */
class PolicyDocExamplesTest {
    static final String DOC = "docs/POLICY.md";
    static final String SECTION = "## Simulate a key, offline";
    static final String POLICY_REFERENCE = "## Policy reference";
    /** A console block whose first line is the command after a prompt, and whose other lines are its output. */
    private static final Pattern SIMULATOR_EXAMPLE = Pattern.compile("```console\n\\$ scripts/simulate ([^\n]*)\n(.*?)```", Pattern.DOTALL);
    private static final Pattern SAMPLE_POLICY = Pattern.compile("```json\n(.*?)```", Pattern.DOTALL);

    /** One command of the doc and the output it shows. */
    record Example(List<String> args, String output) {
        @Override
        public String toString() {
            return "scripts/simulate " + String.join(" ", args);
        }
    }

    static List<Example> simulatorExamples() {
        String section = DocFile.read(DOC).section(SECTION);
        List<Example> examples = new ArrayList<>();
        Matcher example = SIMULATOR_EXAMPLE.matcher(section);
        while (example.find()) {
            String command = example.group(1);
            assertFalse(command.contains("\"") || command.contains("'") || command.contains("$"),
                    "the doc's simulator commands are plain words, so that they split on spaces: " + command);
            examples.add(new Example(List.of(command.trim().split(" +")), example.group(2)));
        }
        assertFalse(examples.isEmpty(), "no ```console block starting with \"$ scripts/simulate\" in " + DOC + "'s section " + SECTION);
        return examples;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("simulatorExamples")
    void theSimulatorPrintsExactlyWhatTheDocShowsUnderTheCommand(Example example) {
        CliRun run = CliRun.simulate(example.args());

        assertEquals(0, run.status(), run::toString);
        assertEquals(example.output(), run.stdout(), DOC + " shows another output for " + example
                + ": update the doc's block with this output, or fix the simulator");
    }

    @Test
    void theSectionShowsTheSimulatorWithAndWithoutAnEventOnTheExampleFiles() {
        List<String> commands = simulatorExamples().stream().map(Example::toString).toList();

        assertTrue(commands.stream().allMatch(command -> command.contains("--policy examples/tag-policy.json")
                && command.contains("--tags examples/tags-noncompliant.json")), commands::toString);
        assertTrue(commands.stream().anyMatch(command -> !command.contains("--event")), commands::toString);
        assertTrue(commands.stream().anyMatch(command -> command.contains("--event events/create-key.json")), commands::toString);
    }

    @Test
    void theExamplePolicyIsThePolicyReferencesSample() throws IOException {
        Matcher sample = SAMPLE_POLICY.matcher(DocFile.read(DOC).section(POLICY_REFERENCE));
        assertTrue(sample.find(), DOC + " has no ```json block under " + POLICY_REFERENCE);

        assertEquals(sample.group(1), Files.readString(CliRun.ROOT.resolve("examples/tag-policy.json"), StandardCharsets.UTF_8));
    }
}
