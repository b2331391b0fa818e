package io.kmstagenforcer.cli;

import io.kmstagenforcer.enforce.NotFoundRetry;
import io.kmstagenforcer.enforce.NotFoundRetry.Sleeper;
import io.kmstagenforcer.enforce.TagEnforcer;
import io.kmstagenforcer.event.KeyArn;
import io.kmstagenforcer.kms.KmsCallException;
import io.kmstagenforcer.kms.KmsClientFactory;
import io.kmstagenforcer.kms.KmsKeys;
import io.kmstagenforcer.kms.LambdaKmsClients;
import io.kmstagenforcer.policy.Mode;
import io.kmstagenforcer.policy.PolicyDocument;
import io.kmstagenforcer.policy.TagPolicy;
import io.kmstagenforcer.kms.Deadline;
import io.kmstagenforcer.sweep.Sweep;
import io.kmstagenforcer.sweep.SweepFailure;
import io.kmstagenforcer.sweep.SweepMarker;
import io.kmstagenforcer.sweep.WritePacer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.function.LongSupplier;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.SdkHttpClient;

/**
 * {@code scripts/report}: the compliance of every customer managed key of one region, from a laptop.
 *
 * <p>It is the function's own sweep ({@link Sweep}, the same {@link TagEnforcer} as the key events),
 * in report mode whatever the policy says, on {@linkplain KmsKeys#readOnly read-only} KMS keys that
 * refuse a write before anything is sent, with the caller's own credentials (the SDK's default
 * chain) and KMS clients built as the function builds them (URLConnection HTTP client). The SDK's
 * {@code AWS_ENDPOINT_URL_KMS} points it at a local KMS. No Lambda is involved.
 */
public final class Report {
    static final String TOOL = "report";
    static final String USAGE = """
            usage: scripts/report --region REGION [--policy FILE] [--org-policy FILE] [--format table|json|csv] [--output FILE] [--progress]

            Reports how every customer managed KMS key of REGION stands against the tag policy FILE
            (default: tag-policy.json, the function's own, from the working directory), in report mode
            whatever the policy's "mode" says: KMS is only read, never written.
            """ + Cli.ORG_POLICY_USAGE + """
              --format    table (default: aligned text), json (one document) or csv (RFC 4180, one row per
                          key; the summary goes to stderr; a cell that begins with = + - @, tab or CR,
                          which a spreadsheet would run as a formula, is written as "'..." instead)
              --output    write the report to FILE (UTF-8) instead of stdout
              --progress  a progress line on stderr every 2 s even when stderr is not a terminal
                --no-build  (the script) run what target/lambda holds; without it the script builds it when missing or stale
            Credentials: the AWS SDK's default chain (AWS_ACCESS_KEY_ID..., AWS_PROFILE, container or
            instance role). AWS_ENDPOINT_URL_KMS points it at another KMS, e.g. a local one.
            Exit status: 0 report written, 2 usage or invalid policy, 3 KMS or credentials failed.
            """;
    /** Set by {@code scripts/report} when its stderr is a terminal (Java cannot tell for stderr). */
    static final String STDERR_IS_TERMINAL = "kmstagenforcer.stderrIsTerminal";
    /** What the SDK says when none of the default chain's providers has credentials. */
    static final String CREDENTIALS_HINT = "for an SSO, \"aws login\" or assume-role profile, run "
            + "eval \"$(aws configure export-credentials --profile NAME --format env)\" first (see docs/SWEEP.md)";
    private static final String REGION = "--region";
    private static final String POLICY = Cli.POLICY;
    private static final String FORMAT = "--format";
    private static final String OUTPUT = "--output";
    private static final String PROGRESS = "--progress";
    /** Never used: the keys are read-only. The sweep wants a pacer all the same. */
    private static final double UNUSED_WRITE_RATE = 1;

    /**
     * What the report runs with, so that tests can point it at a local KMS and a fake clock.
     *
     * @param clients          the KMS clients, one per region
     * @param credentials      checked once before the first call, so that missing credentials fail at once
     * @param workingDirectory what relative paths are relative to
     */
    public record Environment(KmsClientFactory clients, AwsCredentialsProvider credentials, Clock clock, LongSupplier nanoTime,
            Sleeper sleeper, boolean stderrIsTerminal, Path workingDirectory) {
    }

    private Report() {
    }

    public static void main(String[] args) {
        Cli.quietLogging();
        int status;
        try (SdkHttpClient http = LambdaKmsClients.httpClient();
             DefaultCredentialsProvider credentials = DefaultCredentialsProvider.builder().build()) {
            status = run(Arrays.asList(args), System.out, System.err, new Environment(
                    LambdaKmsClients.factory(http, credentials), credentials, Clock.systemUTC(), System::nanoTime,
                    duration -> Thread.sleep(duration.toMillis()), Boolean.getBoolean(STDERR_IS_TERMINAL), Path.of("")));
        }
        System.exit(status);
    }

    /** Runs the report as {@code scripts/report} would, and returns its exit status. */
    public static int run(List<String> args, OutputStream stdout, OutputStream stderr, Environment environment) {
        PrintStream out = Cli.utf8(stdout);
        PrintStream err = Cli.utf8(stderr);
        return Cli.run(TOOL, USAGE, out, err,
                () -> CliArguments.parse(args, Set.of(REGION, POLICY, Cli.ORG_POLICY, FORMAT, OUTPUT), Set.of(PROGRESS)),
                arguments -> report(arguments, out, err, environment));
    }

    private static int report(CliArguments arguments, PrintStream out, PrintStream err, Environment environment) {
        String region = arguments.required(REGION);
        if (!KeyArn.isRegion(region)) {
            throw new UsageException(REGION + " \"" + region + "\" is not a region name such as eu-west-1");
        }
        ReportFormat format = arguments.choice(FORMAT, ReportFormat.class, ReportFormat.TABLE);
        PolicyDocument document = Cli.readPolicies(TOOL, arguments, environment.workingDirectory(), err);
        TagPolicy policy = document.policy().withMode(Mode.REPORT);
        Path output = arguments.value(OUTPUT).map(environment.workingDirectory()::resolve).orElse(null);
        if (output != null && (Files.isDirectory(output) || !Files.isDirectory(output.toAbsolutePath().getParent()))) {
            throw new UsageException(OUTPUT + " " + output + ": not a file in an existing folder");
        }
        try {
            environment.credentials().resolveCredentials();
        } catch (SdkException e) {
            err.println(TOOL + ": no AWS credentials: " + e.getMessage());
            err.println(TOOL + ": " + CREDENTIALS_HINT);
            return Cli.KMS_FAILURE;
        }

        KmsKeys keys = KmsKeys.readOnly(environment.clients());
        TagEnforcer enforcer = new TagEnforcer(policy, keys, NotFoundRetry.NONE, environment.clock());
        Sweep sweep = new Sweep(enforcer, keys, region, new WritePacer(UNUSED_WRITE_RATE, environment.nanoTime(), environment.sleeper()),
                environment.sleeper(), environment.nanoTime()).stoppingAtARefusedListing();
        Progress progress = new Progress(err, environment.nanoTime(), arguments.flag(PROGRESS) || environment.stderrIsTerminal());
        List<KeyReport> lines = new ArrayList<>();
        try {
            sweep.run(SweepMarker.start(TOOL), Deadline.NONE, result -> {
                KeyReport line = KeyReport.of(result);
                lines.add(line);
                progress.seen(line);
            });
        } catch (SweepFailure failure) {
            err.println(TOOL + ": " + describe(failure, region) + "; no report was written");
            return Cli.KMS_FAILURE;
        }
        progress.done();

        Instant generatedAt = environment.clock().instant().truncatedTo(ChronoUnit.SECONDS);
        ReportDocument report = new ReportDocument(region, document.origin(), generatedAt, lines,
                ReportSummary.of(lines, keys.callCounts(), LocalDate.ofInstant(generatedAt, ZoneOffset.UTC)));
        byte[] text = format.render(report).getBytes(StandardCharsets.UTF_8);
        try {
            if (output == null) {
                out.write(text);
            } else {
                Files.write(output, text);
            }
        } catch (IOException e) {
            throw new UsageException(OUTPUT + " " + output + ": cannot be written (" + e.getMessage() + ")");
        }
        if (!format.includesSummary()) {
            err.print(ReportFormat.summaryText(report.summary()));
        }
        return Cli.OK;
    }

    /** Which KMS call failed, with what, and KMS's own words (an access denial names the missing permission). */
    private static String describe(SweepFailure failure, String region) {
        if (!(failure.getCause() instanceof KmsCallException call)) {
            return failure.getMessage();
        }
        String detail = call.getCause() == null || call.getCause().getMessage() == null ? "" : ": " + call.getCause().getMessage();
        String retried = call.kind() == KmsCallException.Kind.TERMINAL ? "" : " (still after retries)";
        return "KMS " + call.operation() + " in " + region + " failed with " + call.errorCode() + retried + detail;
    }
}
