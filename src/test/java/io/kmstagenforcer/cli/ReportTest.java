package io.kmstagenforcer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;

/** The report's command line and its failures before any KMS call; against a KMS, see ReportIT. */
class ReportTest {
    private static final String POLICY = "examples/tag-policy.json";
    private static final AwsCredentialsProvider CREDENTIALS = StaticCredentialsProvider.create(AwsBasicCredentials.create("a", "b"));

    @TempDir
    Path folder;

    private static Report.Environment withoutKms(AwsCredentialsProvider credentials) {
        return withoutKms(credentials, CliRun.ROOT);
    }

    private static Report.Environment withoutKms(AwsCredentialsProvider credentials, Path workingDirectory) {
        return new Report.Environment(region -> {
            throw new AssertionError("no KMS client may be built here");
        }, credentials, Clock.systemUTC(), System::nanoTime, duration -> { }, false, workingDirectory);
    }

    private static CliRun report(String... args) {
        return CliRun.report(withoutKms(CREDENTIALS), args);
    }

    @ParameterizedTest
    @MethodSource("io.kmstagenforcer.cli.InvalidPolicies#examples")
    void anInvalidPolicyIsRefusedWithTheFunctionsOwnInitMessageAndExitStatus2(String policy) {
        InvalidPolicies.write(folder, policy);
        CliRun run = CliRun.report(withoutKms(CREDENTIALS, folder), "--region", "eu-west-1");

        assertEquals(2, run.status(), run::toString);
        assertEquals(InvalidPolicies.initMessage(folder) + "\n", run.stderr());
        assertEquals("", run.stdout());
    }

    @Test
    void theRegionIsRequired() {
        CliRun run = report("--policy", POLICY);

        assertEquals(2, run.status());
        assertEquals("report: --region is required\n"
                + "usage: scripts/report --region REGION [--policy FILE] [--org-policy FILE] [--format table|json|csv] [--output FILE] [--progress]"
                + " (--help explains)\n", run.stderr());
    }

    @Test
    void aRegionMustLookLikeOne() {
        CliRun run = report("--region", "Ireland", "--policy", POLICY);

        assertEquals(2, run.status());
        assertTrue(run.stderr().startsWith("report: --region \"Ireland\" is not a region name such as eu-west-1\n"), run::toString);
    }

    @Test
    void anUnknownFormatIsAUsageError() {
        CliRun run = report("--region", "eu-west-1", "--policy", POLICY, "--format", "xml");

        assertEquals(2, run.status());
        assertTrue(run.stderr().startsWith("report: --format must be table, json or csv, not \"xml\"\n"), run::toString);
    }

    @Test
    void anOutputFileInAFolderThatDoesNotExistIsAUsageErrorBeforeKmsIsAsked() {
        CliRun run = report("--region", "eu-west-1", "--policy", POLICY, "--output", folder.resolve("no/such/report.txt").toString());

        assertEquals(2, run.status());
        assertTrue(run.stderr().startsWith("report: --output " + folder.resolve("no/such/report.txt") + ": not a file in an existing folder"),
                run::toString);
    }

    @Test
    void missingCredentialsExitWithStatus3AndTheSdksReasonBeforeAnyKmsCall() {
        AwsCredentialsProvider none = () -> {
            throw SdkClientException.create("Unable to load credentials from any of the providers in the chain");
        };

        CliRun run = CliRun.report(withoutKms(none), "--region", "eu-west-1", "--policy", POLICY);

        assertEquals(3, run.status(), run::toString);
        assertEquals("report: no AWS credentials: Unable to load credentials from any of the providers in the chain\n"
                + "report: " + Report.CREDENTIALS_HINT + "\n", run.stderr());
        assertEquals("", run.stdout());
    }
}
