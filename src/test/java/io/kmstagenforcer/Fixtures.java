package io.kmstagenforcer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads test input files by a short name, for every test that needs an event or other fixture.
 *
 * <ul>
 *   <li>{@code "events/create-key.json"} (any name with a {@code /}): relative to the repository
 *       root, e.g. the {@code sam local invoke} samples in {@code events/}.
 *   <li>{@code "fixtures:arn-alias.json"} or just {@code "arn-alias.json"}: a file in
 *       {@code src/test/resources/events/}, the hostile and quirky variants (see its README.md).
 * </ul>
 *
 * <p>Files are read from the source tree, not the classpath, so a fixture edited in place is seen
 * without a resources copy. The repository root is Maven's {@code basedir} (Surefire sets it),
 * else the working directory.
 */
public final class Fixtures {
    private static final String FIXTURES_PREFIX = "fixtures:";
    private static final Path ROOT = Path.of(System.getProperty("basedir", "")).toAbsolutePath();
    /** The folder that {@code "fixtures:"} and plain names resolve against. */
    public static final Path FIXTURE_DIR = ROOT.resolve("src/test/resources/events");

    private Fixtures() {
    }

    /** Where {@code name} resolves to (see the class comment); the file need not exist. */
    public static Path path(String name) {
        if (name.startsWith(FIXTURES_PREFIX)) {
            return FIXTURE_DIR.resolve(name.substring(FIXTURES_PREFIX.length()));
        }
        return name.contains("/") ? ROOT.resolve(name) : FIXTURE_DIR.resolve(name);
    }

    /** The bytes of the named file; a missing file fails with its resolved path. */
    public static byte[] bytes(String name) {
        Path file = path(name);
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read fixture '" + name + "' at " + file, e);
        }
    }
}
