package io.kmstagenforcer.cli;

import io.kmstagenforcer.event.KeyArn;
import io.kmstagenforcer.json.JsonField;
import io.kmstagenforcer.json.JsonShapeException;
import io.kmstagenforcer.policy.PolicyDocument;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * {@code scripts/simulate}: what the function would do to a key with these tags, with no AWS at all.
 * The function's own parser, interpreter, planner and enforcer, against a key held in memory.
 */
public final class Simulate {
    static final String TOOL = "simulate";
    static final String USAGE = """
            usage: scripts/simulate [--policy FILE] [--org-policy FILE] --tags FILE [--event FILE | --key-arn ARN] [--key-policy FILE] [--today YYYY-MM-DD]
                                  [--format text|json]

            Shows what the function would do to a KMS key with these tags, offline: the violations, the
            TagResource and UntagResource it would send (in its order), the previous values it would log,
            and its outcome in enforce mode and in report mode.
              --policy    the tag policy (default: tag-policy.json, the function's own, from the working directory)
            """ + Cli.ORG_POLICY_USAGE + """
              --tags      {"key": "value", ...}, or the output of aws kms list-resource-tags
              --event     an EventBridge event (e.g. events/create-key.json): a CreateKey or ReplicateKey
                          gives the creation context (${principal} from the event); a TagResource or
                          UntagResource, like no event, an existing key's (${principal} is "unknown")
              --key-arn   the key, without --event (default: a placeholder ARN)
              --key-policy  the key's key policy, for a policy with checkKeyPolicy: the policy document, or the
                          output of aws kms get-key-policy (default: the default key policy, which names no tag)
              --today     the day (UTC) an exemption's "until YYYY-MM-DD" is judged on (default: today)
              --format    text (default) or json
              --no-build  (the script) run what target/lambda holds; without it the script builds it when missing or stale
            Exit status: 0 simulated (whatever the outcome), 2 usage, unreadable file or invalid policy.
            """;
    private static final String POLICY = Cli.POLICY;
    private static final String TAGS = "--tags";
    private static final String EVENT = "--event";
    private static final String KEY_ARN = "--key-arn";
    private static final String FORMAT = "--format";
    private static final String KEY_POLICY = "--key-policy";
    private static final String TODAY = "--today";

    private Simulate() {
    }

    public static void main(String[] args) {
        Cli.quietLogging();
        System.exit(run(Arrays.asList(args), System.out, System.err, Path.of("")));
    }

    /**
     * Runs the simulator as {@code scripts/simulate} would, and returns its exit status.
     *
     * @param workingDirectory what the file names in {@code args} are relative to
     */
    public static int run(List<String> args, OutputStream stdout, OutputStream stderr, Path workingDirectory) {
        PrintStream out = Cli.utf8(stdout);
        PrintStream err = Cli.utf8(stderr);
        return Cli.run(TOOL, USAGE, out, err,
                () -> CliArguments.parse(args, Set.of(POLICY, Cli.ORG_POLICY, TAGS, EVENT, KEY_ARN, KEY_POLICY, TODAY, FORMAT), Set.of()),
                arguments -> simulate(arguments, out, err, workingDirectory));
    }

    private static int simulate(CliArguments arguments, PrintStream out, PrintStream err, Path workingDirectory) {
        SimulateFormat format = arguments.choice(FORMAT, SimulateFormat.class, SimulateFormat.TEXT);
        String tagsFile = arguments.required(TAGS);
        Optional<String> eventFile = arguments.value(EVENT);
        Optional<KeyArn> keyArn = arguments.value(KEY_ARN).map(Simulate::keyArn);
        if (eventFile.isPresent() && keyArn.isPresent()) {
            throw new UsageException(KEY_ARN + " is for a run without " + EVENT + ": the event names its key");
        }
        PolicyDocument policy = Cli.readPolicies(TOOL, arguments, workingDirectory, err);
        Simulation.Input input = new Simulation.Input(policy.origin(), policy.policy(),
                TagsFile.parse(Cli.read(TAGS, workingDirectory.resolve(tagsFile))),
                eventFile, eventFile.map(file -> Cli.read(EVENT, workingDirectory.resolve(file))), keyArn,
                arguments.value(KEY_POLICY), arguments.value(KEY_POLICY).map(file -> keyPolicy(workingDirectory.resolve(file))),
                arguments.value(TODAY).map(Simulate::day));
        out.print(format.render(Simulation.of(input)));
        return Cli.OK;
    }

    /** A key policy document, or what {@code aws kms get-key-policy} prints: {@code {"Policy": "<the document>", ...}}. */
    private static String keyPolicy(Path file) {
        String text = new String(Cli.read(KEY_POLICY, file), StandardCharsets.UTF_8);
        try {
            return JsonField.parse(KEY_POLICY + " " + file, text).get("Policy").stringIfPresent().orElse(text);
        } catch (JsonShapeException e) {
            throw new UsageException(e.getMessage());
        }
    }

    private static LocalDate day(String text) {
        try {
            return LocalDate.parse(text);
        } catch (DateTimeParseException e) {
            throw new UsageException(TODAY + " \"" + text + "\" is not a date (YYYY-MM-DD)");
        }
    }

    private static KeyArn keyArn(String text) {
        try {
            return KeyArn.parse(text);
        } catch (IllegalArgumentException e) {
            throw new UsageException(KEY_ARN + ": " + e.getMessage());
        }
    }
}
