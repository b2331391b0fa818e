package io.kmstagenforcer.cli;

import io.kmstagenforcer.policy.PolicyException;
import io.kmstagenforcer.policy.PolicyParser;
import io.kmstagenforcer.policy.TagPolicy;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.function.Supplier;
import org.slf4j.LoggerFactory;
import java.util.function.ToIntFunction;

/** What the command-line tools share: exit statuses, UTF-8 output, reading their input files, and the policy. */
final class Cli {
    static final int OK = 0;
    /** The command line is wrong, a file cannot be read, or the policy is invalid. */
    static final int USAGE = 2;
    /** KMS or the credentials failed. */
    static final int KMS_FAILURE = 3;
    /** What the function calls the policy in its messages: the environment variable it reads it from. */
    static final String POLICY_NAME = "TAG_POLICY";

    private Cli() {
    }

    /**
     * Lets SLF4J find no logging backend in silence. The SDK logs through slf4j-api, and the function
     * ships no binding (Lambda's own logging is what it uses), so slf4j 1.7 would tell stderr so on its
     * first use: three lines of noise in front of a tool's output. Called once, first thing in main.
     */
    static void quietLogging() {
        PrintStream stderr = System.err;
        System.setErr(new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8));
        try {
            LoggerFactory.getILoggerFactory();
        } finally {
            System.setErr(stderr);
        }
    }

    /** A print stream that writes UTF-8, whatever the platform's default charset. */
    static PrintStream utf8(OutputStream out) {
        return new PrintStream(out, true, StandardCharsets.UTF_8);
    }

    /**
     * Runs a tool's body, turning a usage error into its message and the usage line on stderr, and an
     * invalid policy into exactly the message the function gives at initialisation; both exit 2.
     */
    static int run(String tool, String usage, PrintStream stdout, PrintStream stderr, Supplier<CliArguments> parse,
            ToIntFunction<CliArguments> body) {
        try {
            CliArguments arguments = parse.get();
            if (arguments.helpAsked()) {
                stdout.print(usage);
                return OK;
            }
            return body.applyAsInt(arguments);
        } catch (UsageException e) {
            stderr.println(tool + ": " + e.getMessage());
            stderr.println(usage.lines().findFirst().orElse("") + " (--help explains)");
            return USAGE;
        } catch (PolicyException e) {
            stderr.println(e.getMessage());
            return USAGE;
        } finally {
            stdout.flush();
            stderr.flush();
        }
    }

    /** The policy file, validated by the function's own parser (the same messages as at the function's initialisation). */
    static TagPolicy readPolicy(String option, Path file) {
        return PolicyParser.parse(POLICY_NAME, new String(read(option, file), StandardCharsets.UTF_8));
    }

    static byte[] read(String option, Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new UsageException(option + " " + file + ": no such file");
        } catch (IOException e) {
            throw new UsageException(option + " " + file + ": cannot be read (" + e.getMessage() + ")");
        } catch (UncheckedIOException e) {
            throw new UsageException(option + " " + file + ": cannot be read (" + e.getCause().getMessage() + ")");
        }
    }
}
