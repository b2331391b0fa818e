package io.kmstagenforcer.docs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A markdown file of the repository (README.md, docs/*.md), read the way the tests that hold the
 * documentation to the code need it: one section's text, its headings as GitHub anchors, its
 * relative links. Fenced code blocks are neither headings nor links ({@code # comment} in a shell
 * block is not a heading). Files are read from the source tree: the repository root is Maven's
 * {@code basedir} (Surefire sets it), else the working directory.
 *
 * @param path the file, absolute
 * @param lines its lines
 */
public record DocFile(Path path, List<String> lines) {
    public static final Path ROOT = Path.of(System.getProperty("basedir", "")).toAbsolutePath();
    private static final Pattern HEADING = Pattern.compile("^(#{1,6})\\s+(.*?)\\s*#*\\s*$");
    private static final Pattern CODE_SPAN = Pattern.compile("`[^`]*`");
    /** {@code [text](target)} or {@code [text](target "title")}; an image's {@code ![alt](target)} too. */
    private static final Pattern LINK = Pattern.compile("\\[[^\\]]*\\]\\(([^)\\s]+)(?:\\s+\"[^\"]*\")?\\)");
    /** What GitHub drops from a heading's text to make its anchor: all but letters, marks, digits, '_', '-' and spaces. */
    private static final Pattern NOT_IN_ANCHOR = Pattern.compile("[^\\p{L}\\p{M}\\p{N}_\\- ]");

    /** A relative link of this file: where it points and on which line. */
    public record Link(String target, int lineNumber) {
    }

    /** {@code name} relative to the repository root, e.g. {@code "docs/OPERATE.md"}. */
    public static DocFile read(String name) {
        return read(ROOT.resolve(name));
    }

    public static DocFile read(Path path) {
        try {
            return new DocFile(path, Files.readAllLines(path, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path, e);
        }
    }

    /** The file's name relative to the repository root, for messages. */
    public String name() {
        return ROOT.relativize(path).toString();
    }

    /**
     * The section that starts with this heading line (exactly as written, e.g. {@code "## Failure
     * modes"}): that line and every line up to the next heading of the same or a higher level,
     * each line ending in a line break. Fails, naming the file, when there is no such heading.
     */
    public String section(String heading) {
        int level = level(heading);
        boolean[] fenced = fencedLines();
        int start = -1;
        for (int i = 0; i < lines.size(); i++) {
            if (!fenced[i] && lines.get(i).equals(heading)) {
                start = i;
                break;
            }
        }
        if (start < 0) {
            throw new AssertionError(name() + " has no heading \"" + heading + "\"");
        }
        StringBuilder section = new StringBuilder(lines.get(start)).append('\n');
        for (int i = start + 1; i < lines.size(); i++) {
            int other = fenced[i] ? 0 : level(lines.get(i));
            if (other > 0 && other <= level) {
                break;
            }
            section.append(lines.get(i)).append('\n');
        }
        return section.toString();
    }

    /** The text of each heading, without its {@code #}s, in order. */
    public List<String> headings() {
        boolean[] fenced = fencedLines();
        List<String> headings = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            Matcher heading = HEADING.matcher(lines.get(i));
            if (!fenced[i] && heading.matches()) {
                headings.add(heading.group(2));
            }
        }
        return headings;
    }

    /** The anchors GitHub gives this file's headings, in order (a repeated one gets -1, -2, ...). */
    public List<String> anchors() {
        Map<String, Integer> seen = new HashMap<>();
        List<String> anchors = new ArrayList<>();
        for (String heading : headings()) {
            String anchor = anchor(heading);
            int repeats = seen.merge(anchor, 1, Integer::sum) - 1;
            anchors.add(repeats == 0 ? anchor : anchor + "-" + repeats);
        }
        return anchors;
    }

    /** GitHub's anchor for a heading's text: lower case, punctuation but '-' and '_' dropped, spaces to '-'. */
    public static String anchor(String headingText) {
        return NOT_IN_ANCHOR.matcher(headingText.toLowerCase(Locale.ROOT)).replaceAll("").replace(' ', '-');
    }

    /** The links that stay inside the repository: no scheme ({@code https:}, {@code mailto:}), outside code. */
    public List<Link> relativeLinks() {
        boolean[] fenced = fencedLines();
        List<Link> links = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (fenced[i]) {
                continue;
            }
            Matcher link = LINK.matcher(CODE_SPAN.matcher(lines.get(i)).replaceAll(""));
            while (link.find()) {
                String target = link.group(1);
                if (!target.matches("^[a-zA-Z][a-zA-Z0-9+.-]*:.*")) {
                    links.add(new Link(target, i + 1));
                }
            }
        }
        return links;
    }

    /** Each line that is inside a fenced code block, its fences included. */
    private boolean[] fencedLines() {
        boolean[] fenced = new boolean[lines.size()];
        boolean inside = false;
        for (int i = 0; i < lines.size(); i++) {
            boolean fence = lines.get(i).stripLeading().startsWith("```");
            fenced[i] = inside || fence;
            if (fence) {
                inside = !inside;
            }
        }
        return fenced;
    }

    /** A heading line's level (1 for {@code #}), or 0 for any other line. */
    private static int level(String line) {
        Matcher heading = HEADING.matcher(line);
        return heading.matches() ? heading.group(1).length() : 0;
    }
}
