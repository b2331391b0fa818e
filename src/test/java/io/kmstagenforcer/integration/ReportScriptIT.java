package io.kmstagenforcer.integration;

import static io.kmstagenforcer.integration.MotoKeys.HOME_REGION;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kmstagenforcer.cli.CliRun;
import io.kmstagenforcer.policy.PolicyOrigin;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code scripts/report} as a user runs it from a clone, in its own JVM, against moto through a
 * proxy: credentials from the environment (the SDK's default chain), the KMS endpoint from the SDK's
 * {@code AWS_ENDPOINT_URL_KMS}, an ASCII locale, and a home folder with no AWS configuration. It
 * reuses what {@code package} built ({@code --no-build}).
 */
class ReportScriptIT {
    @RegisterExtension
    static final MotoServerExtension MOTO = new MotoServerExtension();

    @TempDir
    Path home;

    @Test
    void theScriptReportsEveryKeyAsCsvInUtf8WritesNothingToKmsAndExits0() throws Exception {
        String key = MOTO.keys().createKey(Map.of("owner", "zoë", "tmp:build", "1")).keyArn();
        try (KmsProxy proxy = KmsProxy.start(MOTO.endpoint())) {
            Path stdout = home.resolve("stdout");
            Path stderr = home.resolve("stderr");
            // No --policy: the repository's tag-policy.json, the file the function enforces.
            ProcessBuilder builder = new ProcessBuilder("bash", "scripts/report", "--no-build", "--region", HOME_REGION, "--format", "csv")
                    .directory(CliRun.ROOT.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(stdout.toFile())
                    .redirectError(stderr.toFile());
            Map<String, String> environment = builder.environment();
            environment.keySet().removeIf(name -> name.startsWith("AWS_"));
            environment.putAll(Map.of(
                    "HOME", home.toString(),
                    "LANG", "C", "LC_ALL", "C",
                    "AWS_ACCESS_KEY_ID", "test", "AWS_SECRET_ACCESS_KEY", "test",
                    "AWS_ENDPOINT_URL_KMS", proxy.endpoint().toString(),
                    // Never ask an instance metadata service: nothing on this machine is one.
                    "AWS_EC2_METADATA_DISABLED", "true"));
            Process process = builder.start();
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("scripts/report did not finish within 120 s: " + read(stderr));
            }

            assertEquals(0, process.exitValue(), () -> read(stderr));
            List<String> rows = List.of(read(stdout).split("\r\n"));
            assertEquals("keyArn,outcome,skipped,reason,add,replace,remove,violations,accessControlTags,keyPolicy,exemption,exemptUntil,"
                    + "exemptionEndsWithin30Days,policySource,policySha256", rows.get(0));
            assertEquals(2, rows.size(), rows::toString);
            assertTrue(rows.get(1).startsWith(key + ",REPORTED,,report mode: nothing written,Owner=zoë; "), rows::toString);
            assertTrue(rows.get(1).contains("tmp:build (1); owner (zoë)"), rows::toString);
            PolicyOrigin policy = PolicyOrigin.of("file:tag-policy.json", Files.readAllBytes(CliRun.ROOT.resolve("tag-policy.json")));
            assertTrue(rows.get(1).endsWith(",file:tag-policy.json," + policy.sha256()), rows::toString);
            assertTrue(read(stderr).startsWith("Summary\n  keys seen      1\n"), () -> read(stderr));
            assertFalse(read(stderr).contains("SLF4J"), () -> read(stderr));
            assertFalse(proxy.received().contains("TagResource") || proxy.received().contains("UntagResource"), proxy.received()::toString);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }
}
