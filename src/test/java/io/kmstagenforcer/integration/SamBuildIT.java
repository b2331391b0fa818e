package io.kmstagenforcer.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kmstagenforcer.json.JsonField;
import io.kmstagenforcer.localrun.LocalRuntime;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code sam build} makes of this repository, without the SAM CLI: {@code template.yaml} gives
 * both functions {@code Metadata: BuildMethod: makefile}, so SAM runs aws-lambda-builders'
 * CustomMakeWorkflow, which copies {@code CodeUri} (less {@code .git} and {@code .aws-sam}) to a
 * scratch folder and runs {@code make --makefile <CodeUri>/Makefile build-<LogicalId>} there with
 * {@code ARTIFACTS_DIR} set. This test does the same, once, into an empty folder, then checks the
 * artifact's layout and runs it under the real Lambda runtime client ({@code scripts/invoke-local
 * --task-root}) as both functions of the template.
 */
class SamBuildIT {
    @RegisterExtension
    static final MotoServerExtension MOTO = new MotoServerExtension();

    private static final Path ROOT = HandlerRuns.projectFile("Makefile").toAbsolutePath().getParent();
    /** What CustomMakeWorkflow leaves out of its copy, and target/, which a fresh clone does not have. */
    private static final Set<String> NOT_COPIED = Set.of(".git", ".aws-sam", "target");
    private static final long BUILD_BOUND_SECONDS = 600;

    @TempDir
    static Path scratch;
    @TempDir
    static Path artifacts;
    @TempDir
    Path work;

    private static String buildLog;

    @BeforeAll
    static void buildAsSamDoes() throws Exception {
        copySource(ROOT, scratch);
        Path log = Files.createTempFile("sam-build", ".log");
        try {
            ProcessBuilder make = new ProcessBuilder("make", "--makefile", scratch.resolve("Makefile").toString(),
                    "build-TagEnforcerFunction")
                    .directory(scratch.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            make.environment().put("ARTIFACTS_DIR", artifacts.toString());
            long started = System.nanoTime();
            Process process = make.start();
            if (!process.waitFor(BUILD_BOUND_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("make build-TagEnforcerFunction did not end within " + BUILD_BOUND_SECONDS + " s");
            }
            buildLog = Files.readString(log, StandardCharsets.UTF_8);
            assertEquals(0, process.exitValue(), () -> "make build-TagEnforcerFunction failed:\n" + buildLog);
            // Information for the log only; how long a build takes is measured, never asserted.
            System.err.printf("SamBuildIT: make build-TagEnforcerFunction took %d ms%n",
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
        } finally {
            Files.deleteIfExists(log);
        }
    }

    @Test
    void theArtifactHasTheClassesAtItsRootAndExactlyTheRuntimeJarsInLib() throws IOException {
        assertTrue(Files.isRegularFile(artifacts.resolve("io/kmstagenforcer/TagEnforcerHandler.class")));
        assertTrue(Files.isRegularFile(artifacts.resolve("io/kmstagenforcer/SweepHandler.class")));
        assertEquals(relativeFiles(ROOT.resolve("target/classes")), relativeFiles(artifacts, "lib"),
                "the root holds what target/classes holds, as SAM's Maven workflow copied it, and nothing else");
        Set<String> jars = names(artifacts.resolve("lib"));
        assertEquals(names(ROOT.resolve("target/lambda/lib")), jars,
                "lib/ holds the runtime dependencies that the tests' own package (target/lambda) runs with");
        assertTrue(jars.contains("software.amazon.awssdk.kms-2.57.8.jar"),
                "named groupId.artifactId-version.jar, as SAM's Maven workflow names them: " + jars);
        for (String testOnly : List.of("junit", "mockito", "jqwik", "snakeyaml", "event-ruler", "aws-lambda-java-tests",
                "runtime-interface-client", "netty", "apache-client")) {
            assertTrue(jars.stream().noneMatch(jar -> jar.contains(testOnly)), testOnly + " is not in the package: " + jars);
        }
    }

    /** The policy is a file of the repository: the package holds it, byte for byte, at its root (/var/task). */
    @Test
    void theArtifactHoldsTheRepositorysPolicyFileAtItsRoot() throws IOException {
        assertEquals(Files.readString(ROOT.resolve("tag-policy.json")), Files.readString(artifacts.resolve("tag-policy.json")));
        assertFalse(Files.exists(artifacts.resolve("tag-policy.schema.json")), "the schema is for editors and tests, not the function");
    }

    @Test
    void theBuildCompilesAndRunsNoTest() {
        assertFalse(Files.exists(scratch.resolve("target/test-classes")), "no test was compiled");
        assertFalse(Files.exists(scratch.resolve("target/surefire-reports")), "no unit test ran");
        assertFalse(Files.exists(scratch.resolve("target/failsafe-reports")), "no integration test ran");
        assertFalse(buildLog.contains("Tests run"), buildLog);
    }

    /** SAM runs both targets (it never groups makefile builds); each must make the same package. */
    @Test
    void bothFunctionsTargetsBuildTheSamePackage() throws Exception {
        assertEquals(dryRun("build-TagEnforcerFunction"), dryRun("build-SweepFunction"));
    }

    /** Without TAG_POLICY (the template's default), the function enforces the package's tag-policy.json. */
    @Test
    void theArtifactAnswersACreateKeyUnderTheLambdaRuntimeWithThePackagesPolicyFile() {
        CloudTrailEvents.Event event = MOTO.keys().createKey(Map.of());
        Map<String, String> environment = environment();
        environment.put("TAG_POLICY", "");

        LocalRuntime.Result result = LocalRuntime.invoke(environment,
                List.of("--task-root", artifacts.toString(), "--function", "TagEnforcerFunction"), LocalRuntime.DEFAULT_TIMEOUT,
                event.writeTo(work, "create-key"));

        assertEquals(0, result.exitCode(), result::stderr);
        JsonField response = JsonField.parse("the response", result.response());
        assertEquals("REMEDIATED", response.get("outcome").requiredString(), result::stderr);
        assertEquals(HandlerRuns.POLICY_TAGS, MOTO.keys().tags(event.keyArn()));
    }

    @Test
    void theArtifactSweepsUnderTheLambdaRuntimeAsTheSweepFunction() {
        String arn = MOTO.keys().createKey(Map.of()).keyArn();

        LocalRuntime.Result result = LocalRuntime.invoke(environment(),
                List.of("--task-root", artifacts.toString(), "--function", "SweepFunction"), LocalRuntime.DEFAULT_TIMEOUT,
                HandlerRuns.projectFile("events/scheduled-sweep.json"));

        assertEquals(0, result.exitCode(), result::stderr);
        JsonField response = JsonField.parse("the response", result.response());
        assertEquals(Optional.of(true), response.get("complete").optionalBoolean(), result::stderr);
        assertFalse(MOTO.keys().tags(arn).isEmpty(), "the sweep tagged the key that had none");
    }

    private static Map<String, String> environment() {
        return HandlerRuns.environment(
                "AWS_ENDPOINT_URL_KMS", MOTO.endpoint().toString(),
                "AWS_ACCESS_KEY_ID", "test",
                "AWS_SECRET_ACCESS_KEY", "test",
                "ENFORCEMENT_MODE", "enforce");
    }

    /** The commands a target would run, with ARTIFACTS_DIR fixed (make -n runs nothing). */
    private static String dryRun(String target) throws Exception {
        Process process = new ProcessBuilder("make", "-n", "--makefile", scratch.resolve("Makefile").toString(), target,
                "ARTIFACTS_DIR=/artifacts")
                .directory(scratch.toFile())
                .redirectErrorStream(true)
                .start();
        String commands = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, process.waitFor(), commands);
        assertTrue(commands.contains("/artifacts"), commands);
        return commands;
    }

    private static void copySource(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Path relative = from.relativize(file);
                if (relative.getNameCount() > 0 && NOT_COPIED.contains(relative.getName(0).toString())) {
                    continue;
                }
                Path target = to.resolve(relative.toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(file, target, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }

    /** Every file below {@code dir}, as a relative path, leaving out the top-level folders named. */
    private static Set<String> relativeFiles(Path dir, String... leftOut) throws IOException {
        Set<String> skipped = Set.of(leftOut);
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile)
                    .map(dir::relativize)
                    .filter(path -> !skipped.contains(path.getName(0).toString()))
                    .map(Path::toString)
                    .collect(Collectors.toCollection(TreeSet::new));
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private static Set<String> names(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(path -> path.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
        }
    }
}
