package io.kmstagenforcer.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every relative link of the documentation leads somewhere: to a file or folder of the repository,
 * and, with a {@code #anchor}, to a heading of that file (or of the same file) by GitHub's anchor rules.
 */
class DocsLinksTest {
    /** A doc named in code: {@code docs/<name>.md} or {@code README(.md)}, with an optional quoted section after it. */
    private static final Pattern DOC_REFERENCE = Pattern.compile("(docs/[A-Za-z_-]+\\.md|README\\.md|README(?= \"|, \"))(?:,? \"([^\"\n]+)\")?");

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

    /**
     * Code, templates and scripts point readers at the docs as {@code docs/DEPLOY.md "Remove"} or
     * {@code README.md "Quick start"}: the file exists and, when a section is quoted, a heading of
     * it starts with that text.
     */
    @Test
    void everyDocTheCodeTemplatesAndScriptsNameExistsWithTheSectionTheyQuote() throws IOException {
        List<String> broken = new ArrayList<>();
        for (Path source : sourcesThatNameDocs()) {
            String text = Files.readString(source);
            Matcher reference = DOC_REFERENCE.matcher(text);
            while (reference.find()) {
                String file = reference.group(1).equals("README") ? "README.md" : reference.group(1);
                String where = DocFile.ROOT.relativize(source) + ": " + reference.group();
                if (!Files.isRegularFile(DocFile.ROOT.resolve(file))) {
                    broken.add(where + " (no file " + file + ")");
                } else if (reference.group(2) != null
                        && DocFile.read(file).headings().stream().noneMatch(heading -> heading.startsWith(reference.group(2)))) {
                    broken.add(where + " (no heading \"" + reference.group(2) + "...\" in " + file + ")");
                }
            }
        }
        assertEquals(List.of(), broken, "references to the docs that lead nowhere");
    }

    private static List<Path> sourcesThatNameDocs() throws IOException {
        List<Path> sources = new ArrayList<>();
        for (String root : List.of("src/main", "src/test/java", "scripts", ".ci", "template.yaml", "member-role.yaml", "pom.xml")) {
            try (Stream<Path> files = Files.walk(DocFile.ROOT.resolve(root))) {
                files.filter(Files::isRegularFile).forEach(sources::add);
            }
        }
        return sources;
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
