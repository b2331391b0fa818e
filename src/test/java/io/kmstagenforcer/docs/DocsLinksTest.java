package io.kmstagenforcer.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every relative link of the documentation leads somewhere: to a file or folder of the repository,
 * and, with a {@code #anchor}, to a heading of that file (or of the same file) by GitHub's anchor rules.
 */
class DocsLinksTest {

    /** Every markdown file of the repository outside build output and hidden folders. */
    static List<Path> markdownFiles() throws IOException {
        try (Stream<Path> files = Files.walk(DocFile.ROOT)) {
            return files.filter(file -> file.toString().endsWith(".md"))
                    .filter(file -> !isBuildOutputOrHidden(DocFile.ROOT.relativize(file)))
                    .sorted()
                    .toList();
        }
    }

    private static boolean isBuildOutputOrHidden(Path relative) {
        for (Path part : relative) {
            if (part.toString().equals("target") || part.toString().startsWith(".")) {
                return true;
            }
        }
        return false;
    }

    @Test
    void theFrontDoorAndTheManualAreAmongTheFilesChecked() throws IOException {
        List<Path> files = markdownFiles();

        assertTrue(files.contains(DocFile.ROOT.resolve("README.md")), files::toString);
        assertTrue(files.contains(DocFile.ROOT.resolve("events/README.md")), files::toString);
        assertTrue(files.stream().anyMatch(file -> file.startsWith(DocFile.ROOT.resolve("docs"))), files::toString);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("markdownFiles")
    void everyRelativeLinkResolvesToAFileAndEveryAnchorToAHeadingInIt(Path path) {
        DocFile doc = DocFile.read(path);
        List<String> broken = new ArrayList<>();
        for (DocFile.Link link : doc.relativeLinks()) {
            String target = link.target();
            int hash = target.indexOf('#');
            String file = hash < 0 ? target : target.substring(0, hash);
            Path resolved = file.isEmpty() ? path : path.getParent().resolve(file).normalize();
            if (!resolved.startsWith(DocFile.ROOT) || !Files.exists(resolved)) {
                broken.add("line " + link.lineNumber() + ": " + target + " (no file " + resolved + ")");
            } else if (hash >= 0) {
                String anchor = target.substring(hash + 1);
                if (Files.isDirectory(resolved) || !DocFile.read(resolved).anchors().contains(anchor)) {
                    broken.add("line " + link.lineNumber() + ": " + target + " (no heading with anchor #" + anchor + " in " + file + ")");
                }
            }
        }
        assertEquals(List.of(), broken, doc.name() + " has links that lead nowhere");
    }

    @Test
    void anchorsFollowGitHubsRules() {
        assertEquals("drift-tags-changed-after-creation", DocFile.anchor("Drift: tags changed after creation"));
        assertEquals("changing-only-a-parameter-important", DocFile.anchor("Changing only a parameter (important)"));
        assertEquals("1-the-member-role-in-every-member-account-stackset", DocFile.anchor("1. The member role in every member account (StackSet)"));
        assertEquals("scripts_report-and-sweep-summary", DocFile.anchor("`scripts_report` and sweep-summary"));
        assertFalse(DocFile.anchor("A, B").contains(","));
    }
}
