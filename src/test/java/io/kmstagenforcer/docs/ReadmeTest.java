package io.kmstagenforcer.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kmstagenforcer.policy.PolicyParser;
import io.kmstagenforcer.policy.RequiredTag;
import io.kmstagenforcer.policy.TagPolicy;
import java.nio.file.Files;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The README is the front door: short enough to be read, and what it tells a newcomer to type works.
 * (Its links are checked by {@link DocsLinksTest}.)
 */
class ReadmeTest {
    static final int MAX_LINES = 300;
    private static final DocFile README = DocFile.read("README.md");

    @Test
    void theReadmeIsAtMost300Lines() {
        assertTrue(README.lines().size() <= MAX_LINES, "README.md has " + README.lines().size()
                + " lines; keep it to " + MAX_LINES + " and move the detail into docs/");
    }

    @Test
    void theMinimalPolicyIsAValidPolicy() {
        String policy = firstBlock(README.section("## A minimal policy"), "json");

        TagPolicy parsed = PolicyParser.parse("README.md's minimal policy", policy);

        assertEquals(List.of("Owner", "CostCenter"), parsed.required().stream().map(RequiredTag::key).toList());
    }

    @Test
    void theQuickStartsTestCommandIsExactlyWhatCiRuns() throws Exception {
        List<String> quickStart = commands(firstBlock(README.section("## Quick start"), "bash"));
        List<String> ci = Files.readAllLines(DocFile.ROOT.resolve(".ci/run")).stream().map(String::trim).toList();

        assertEquals(2, quickStart.size(), "the demo and the tests: " + quickStart);
        assertEquals("scripts/demo", quickStart.get(0));
        assertTrue(Files.isExecutable(DocFile.ROOT.resolve("scripts/demo")));
        assertTrue(ci.contains(quickStart.get(1)), ".ci/run does not run the README's test command \""
                + quickStart.get(1) + "\": " + ci);
        assertEquals(List.of(quickStart.get(1)), ci.stream().filter(line -> line.startsWith("mvn ")).toList(),
                "the Maven command .ci/run runs is the README's");
    }

    /** The first fenced block of this language in the text. */
    private static String firstBlock(String text, String language) {
        Matcher block = Pattern.compile("```" + language + "\n(.*?)```", Pattern.DOTALL).matcher(text);
        assertTrue(block.find(), "no ```" + language + " block in\n" + text);
        return block.group(1);
    }

    /** A shell block's commands: each line without its {@code # comment}, blank lines left out. */
    private static List<String> commands(String block) {
        return block.lines().map(line -> line.replaceFirst("\\s+#.*$", "").trim()).filter(line -> !line.isEmpty()).toList();
    }
}
