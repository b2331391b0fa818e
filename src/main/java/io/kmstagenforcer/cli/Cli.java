package io.kmstagenforcer.cli;

import io.kmstagenforcer.policy.OrganizationTagPolicy;
import io.kmstagenforcer.policy.OrganizationTags;
import io.kmstagenforcer.policy.PolicyException;
import io.kmstagenforcer.policy.PolicyDocument;
import io.kmstagenforcer.policy.PolicyOrigin;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;
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
    /** The option that names the policy file, and the file it reads without it: the function's own (Settings). */
    static final String POLICY = "--policy";
    /** The option that names an Organizations tag policy to apply on top of the local policy. */
    static final String ORG_POLICY = "--org-policy";
    /** How the tools' usage explains {@link #ORG_POLICY}. */
    static final String ORG_POLICY_USAGE = """
              --org-policy  an AWS Organizations tag policy to apply on top of --policy, as the function combines them
                          (docs/POLICY.md "The organisation's tag policy"): what aws organizations describe-effective-policy
                          --policy-type TAG_POLICY prints, its PolicyContent, or an authored policy using only @@assign
            """;

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

    /**
     * The policy file {@code --policy} names, else the function's own, {@code tag-policy.json} of the
     * working directory (the repository's root): validated by the function's own parser, with the
     * messages the function's initialisation gives for that file, and its source and hash as the
     * function's decision lines carry them.
     */
    static PolicyDocument readPolicy(CliArguments arguments, Path workingDirectory) {
        Optional<String> given = arguments.value(POLICY);
        String name = given.orElse(PolicyDocument.DEFAULT_FILE);
        Path file = workingDirectory.resolve(name);
        if (given.isEmpty() && !Files.exists(file)) {
            throw new UsageException("no " + POLICY + " given, and there is no " + PolicyDocument.DEFAULT_FILE + " in " + describe(workingDirectory)
                    + " (run from the repository's root, or give " + POLICY + " FILE)");
        }
        return PolicyDocument.parse(PolicyOrigin.FILE + name, name, read(POLICY, file));
    }

    /**
     * The policy as {@link #readPolicy} reads it, with the Organizations tag policy {@code --org-policy} names, if any, on top
     * ({@link OrganizationTags#merge(io.kmstagenforcer.policy.TagPolicy, OrganizationTagPolicy)}): its source then names both
     * files (the organisation's with its own hash), and each key the merge leaves out is a warning on {@code err}.
     */
    static PolicyDocument readPolicies(String tool, CliArguments arguments, Path workingDirectory, PrintStream err) {
        PolicyDocument local = readPolicy(arguments, workingDirectory);
        Optional<String> organizationFile = arguments.value(ORG_POLICY);
        if (organizationFile.isEmpty()) {
            if (local.policy().organizationTagPolicy().readsOrganization()) {
                // The function reads each account's policy live; the tools read files only, and must not seem to check it.
                err.println(tool + ": note: the policy's organizationTagPolicy is \"" + local.policy().organizationTagPolicy().field()
                        + "\": the function also enforces each account's Organizations tag policy, which this run does not apply; give "
                        + ORG_POLICY + " FILE (what aws organizations describe-effective-policy --policy-type TAG_POLICY prints) to preview it");
            }
            return local;
        }
        String name = organizationFile.get();
        byte[] bytes = read(ORG_POLICY, workingDirectory.resolve(name));
        OrganizationTags.Merge merge = OrganizationTags.merge(local.policy(),
                OrganizationTagPolicy.parse(name, new String(bytes, StandardCharsets.UTF_8)));
        merge.warnings().forEach(warning -> err.println(tool + ": warning: " + warning));
        PolicyOrigin organization = PolicyOrigin.of(PolicyOrigin.FILE + name, bytes);
        return new PolicyDocument(merge.policy(), new PolicyOrigin(local.origin().source() + " with the organisation's tag policy "
                + organization, local.origin().sha256()));
    }

    private static String describe(Path directory) {
        return directory.toString().isEmpty() ? "the working directory" : directory.toString();
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
