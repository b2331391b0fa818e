package io.kmstagenforcer.cli;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/** One in-process run of a command-line tool: its exit status and what it printed, read as UTF-8. */
public record CliRun(int status, String stdout, String stderr) {
    /** The repository root (Maven's basedir, which Surefire and Failsafe set), where the docs' example paths start. */
    public static final Path ROOT = Path.of(System.getProperty("basedir", "")).toAbsolutePath();

    /** {@code scripts/simulate ARGS}, run from the repository root. */
    public static CliRun simulate(List<String> args) {
        return simulateIn(ROOT, args.toArray(String[]::new));
    }

    /** {@code scripts/simulate ARGS}, run from {@code workingDirectory}. */
    public static CliRun simulateIn(Path workingDirectory, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Simulate.run(List.of(args), out, err, workingDirectory);
        return new CliRun(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    public static CliRun simulate(String... args) {
        return simulate(List.of(args));
    }

    /** {@code scripts/report ARGS} with this environment. */
    public static CliRun report(Report.Environment environment, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Report.run(List.of(args), out, err, environment);
        return new CliRun(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
        return "exit " + status + "\n--- stdout\n" + stdout + "--- stderr\n" + stderr;
    }
}
