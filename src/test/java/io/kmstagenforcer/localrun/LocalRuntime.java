package io.kmstagenforcer.localrun;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the packaged function the way Lambda does, for integration tests (failsafe, after
 * {@code package}): through {@code scripts/invoke-local --no-build}, i.e. under the real AWS Lambda
 * Java Runtime Interface Client, against a local Runtime API on 127.0.0.1.
 *
 * <p>It deliberately goes through the script rather than calling the handler class: the script
 * launches a separate JVM with Lambda's flags and environment, the RIC loads the handler from
 * {@code target/lambda} (classes + {@code lib/*.jar}, what {@code sam build} and the deployment
 * package contain) through its own class loader, by the {@code Handler} string in
 * {@code template.yaml}, with the template's environment variables, and it serializes the
 * response and reports init errors, function errors and the SnapStart hooks itself. A handler
 * that only works when called directly (a missing runtime dependency, a wrong handler string, a
 * constructor that needs something only a test sets up, an environment variable the template
 * does not declare, an exception the runtime reports differently from a direct call) cannot pass here.
 *
 * <p>The child process starts from an almost empty environment (PATH, HOME, JAVA_HOME, LANG,
 * TMPDIR, pyenv's variables, KMS_ENFORCER_JAVA_OPTS) plus {@code env}: the developer's shell
 * (in particular real AWS credentials, or a variable that {@code sam local}-style resolution would
 * let override a template variable) never leaks into a test. {@code env} is applied the way the
 * script applies a caller's environment: {@code AWS_*} entries (endpoint URLs, credentials) pass
 * through to the function; other entries override a variable only if {@code template.yaml}
 * declares it (as with {@code sam local invoke}); use {@code --env-vars} for the same through a
 * file.
 */
public final class LocalRuntime {

    /** Default bound on one call: JVM start, init and all the events. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(120);

    private static final List<String> INHERITED = List.of(
            "PATH", "HOME", "JAVA_HOME", "LANG", "LC_ALL", "TMPDIR", "PYENV_ROOT", "PYENV_VERSION",
            "KMS_ENFORCER_JAVA_OPTS");

    /**
     * What one run of {@code scripts/invoke-local} produced.
     *
     * @param exitCode 0 every invocation succeeded, 1 a function error (also a timeout or a runtime
     *     exit), 2 an init or SnapStart restore error, 3 the harness could not run
     * @param responses stdout: one JSON document per invoked event, in order: the response, or the
     *     error body Lambda would return ({@code errorType}, {@code errorMessage}); after an init
     *     error, that error's body once
     * @param stderr the function's logs, START/END/REPORT lines and {@code invoke-local:} notes
     */
    public record Result(int exitCode, List<String> responses, String stderr) {
        public boolean succeeded() {
            return exitCode == 0;
        }

        /** The only response; fails when there is not exactly one. */
        public String response() {
            if (responses.size() != 1) {
                throw new AssertionError("expected one response, got " + responses + "\n" + stderr);
            }
            return responses.get(0);
        }
    }

    private LocalRuntime() {
    }

    /** Invokes the function once per event, in order, in one runtime (one cold start). */
    public static Result invoke(Map<String, String> env, Path... events) {
        return invoke(env, List.of(), DEFAULT_TIMEOUT, events);
    }

    /**
     * As {@link #invoke(Map, Path...)}, with extra {@code invoke-local} options (for example
     * {@code --snap-start}, {@code --env-vars FILE}, {@code --template FILE}, {@code --timeout S})
     * and a bound on the whole run, after which the script and its children are killed.
     */
    public static Result invoke(Map<String, String> env, List<String> options, Duration timeout, Path... events) {
        if (events.length == 0) {
            throw new IllegalArgumentException("no event");
        }
        Path root = projectRoot();
        List<String> command = new ArrayList<>(List.of("bash", root.resolve("scripts/invoke-local").toString(), "--no-build"));
        command.addAll(options);
        for (Path event : events) {
            command.add("--event");
            command.add(event.toAbsolutePath().toString());
        }
        Path out = null;
        Path err = null;
        Process process = null;
        try {
            out = Files.createTempFile("invoke-local", ".stdout");
            err = Files.createTempFile("invoke-local", ".stderr");
            ProcessBuilder builder = new ProcessBuilder(command)
                    .directory(root.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile());
            Map<String, String> environment = builder.environment();
            Map<String, String> parent = Map.copyOf(environment);
            environment.clear();
            for (String name : INHERITED) {
                if (parent.containsKey(name)) {
                    environment.put(name, parent.get(name));
                }
            }
            environment.putAll(env);
            // The script's own limit, a little inside ours so that it reports what was running.
            environment.putIfAbsent("INVOKE_LOCAL_MAX_SECONDS", String.valueOf(Math.max(5, timeout.toSeconds() - 5)));

            process = builder.start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                kill(process);
                throw new AssertionError("invoke-local did not finish within " + timeout + "; stderr:\n"
                        + tail(Files.readString(err, StandardCharsets.UTF_8)));
            }
            List<String> responses = Files.readAllLines(out, StandardCharsets.UTF_8).stream()
                    .filter(line -> !line.isBlank())
                    .toList();
            return new Result(process.exitValue(), responses, Files.readString(err, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for invoke-local", e);
        } finally {
            if (process != null && process.isAlive()) {
                kill(process);
            }
            deleteQuietly(out);
            deleteQuietly(err);
        }
    }

    /** SIGTERM first (the script's trap stops the JVM and the API server), then SIGKILL for all. */
    private static void kill(Process process) {
        List<ProcessHandle> descendants = process.descendants().toList();  // before they are orphaned
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        for (ProcessHandle child : descendants) {
            child.destroyForcibly();
        }
    }

    private static Path projectRoot() {
        for (String candidate : new String[] {System.getProperty("basedir"), System.getProperty("user.dir")}) {
            if (candidate == null) {
                continue;
            }
            for (Path dir = Path.of(candidate).toAbsolutePath(); dir != null; dir = dir.getParent()) {
                if (Files.isRegularFile(dir.resolve("scripts/invoke-local")) && Files.isRegularFile(dir.resolve("pom.xml"))) {
                    return dir;
                }
            }
        }
        throw new IllegalStateException("scripts/invoke-local not found above " + System.getProperty("user.dir"));
    }

    private static String tail(String text) {
        return text.length() <= 8000 ? text : "...\n" + text.substring(text.length() - 8000);
    }

    private static void deleteQuietly(Path path) {
        if (path != null) {
            try {
                Files.deleteIfExists(path);
            } catch (IOException ignored) {
                // a temp file; nothing to do
            }
        }
    }
}
