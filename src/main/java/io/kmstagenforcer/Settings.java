package io.kmstagenforcer;

import io.kmstagenforcer.aws.BatchImportFindings;
import io.kmstagenforcer.aws.BatchSend;
import io.kmstagenforcer.aws.PutEvents;
import io.kmstagenforcer.aws.SignedCall;
import io.kmstagenforcer.aws.Sleeper;
import io.kmstagenforcer.event.EnforcerIdentity;
import io.kmstagenforcer.kms.KmsClientFactory;
import io.kmstagenforcer.kms.KmsKeys;
import io.kmstagenforcer.kms.LambdaKmsClients;
import io.kmstagenforcer.kms.MemberRole;
import io.kmstagenforcer.org.OrganizationPolicy;
import io.kmstagenforcer.org.AccountTagPolicies;
import io.kmstagenforcer.output.DecisionEvents;
import io.kmstagenforcer.output.DecisionLog;
import io.kmstagenforcer.output.ResultSink;
import io.kmstagenforcer.output.SecurityHubFindings;
import io.kmstagenforcer.output.LogLevel;
import io.kmstagenforcer.policy.Mode;
import io.kmstagenforcer.policy.PolicyException;
import io.kmstagenforcer.policy.PolicyDocument;
import io.kmstagenforcer.policy.PolicyOrigin;
import io.kmstagenforcer.policy.PolicySource;
import io.kmstagenforcer.policy.TagPolicy;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.http.SdkHttpClient;

/**
 * The function's configuration, read from its environment once per container. Anything wrong
 * fails the initialisation with a message that names the variable and the field.
 */
record Settings(TagPolicy policy, PolicyOrigin policyOrigin, String metricsNamespace, String functionName, LogLevel logLevel,
        Optional<String> region, EnforcerIdentity identity, double sweepWritesPerSecond, Optional<MemberRole> memberRole,
        List<String> memberAccounts, Duration timeToAnswer, int sweepConcurrency, List<String> organizationUnits,
        List<String> excludedAccounts, Optional<String> organizationRoleArn) {
    /** The inline policy: when set (not blank) it wins over the policy file, for stacks that need their own. */
    static final String TAG_POLICY = "TAG_POLICY";
    /** The policy file to read when TAG_POLICY is empty, relative to the package root; default tag-policy.json. */
    static final String POLICY_FILE = "POLICY_FILE";
    /** Where Lambda unpacked the deployment package (/var/task); unset (tests, tools): the working directory. */
    static final String TASK_ROOT = "LAMBDA_TASK_ROOT";
    /** The type of the warning lines about the Organizations tag policy's required tags. */
    static final String ORGANIZATION_TAG_POLICY = "organizationTagPolicy";
    static final String ENFORCEMENT_MODE = "ENFORCEMENT_MODE";
    static final String METRICS_NAMESPACE = "METRICS_NAMESPACE";
    static final String DEFAULT_NAMESPACE = "KmsTagEnforcer";
    /** ENFORCEMENT_MODE value meaning "use the policy's own mode". */
    static final String POLICY_MODE = "policy";
    /** The execution role's name: drift events made with it are the enforcer's own writes. */
    static final String ENFORCER_ROLE_NAME = "ENFORCER_ROLE_NAME";
    static final String FUNCTION_NAME = "AWS_LAMBDA_FUNCTION_NAME";
    static final String SWEEP_WRITES_PER_SECOND = "SWEEP_WRITES_PER_SECOND";
    /** Two fifths of UntagResource's 5/s, the lower of KMS's two write quotas: most of it stays for everyone else. */
    static final double DEFAULT_SWEEP_WRITES_PER_SECOND = 2;
    /** KMS's UntagResource quota: a sweep faster than that would take the account's whole quota. */
    static final double MAX_SWEEP_WRITES_PER_SECOND = 5;
    /** The role the function assumes in member accounts; unset: the function's own account only. */
    static final String MEMBER_ROLE_NAME = "MEMBER_ROLE_NAME";
    static final String MEMBER_EXTERNAL_ID = "MEMBER_EXTERNAL_ID";
    /** The function's own account (the template sets it from AWS::AccountId): its keys need no role. */
    static final String ENFORCER_ACCOUNT_ID = "ENFORCER_ACCOUNT_ID";
    /** The accounts the sweep walks after its own, comma-separated. */
    static final String MEMBER_ACCOUNT_IDS = "MEMBER_ACCOUNT_IDS";
    /**
     * How long before the function's timeout every call is cut short, to write the decision and
     * answer: milliseconds, default 1000. The template's 1024 MB answer well within a second; a
     * function given much less memory (so much less CPU) may need more on its first error.
     */
    static final String DEADLINE_RESERVE_MS = "DEADLINE_RESERVE_MS";
    /** The event bus decision events go to: a name, {@code default}, or a bus ARN; empty: none are sent. */
    static final String DECISION_EVENT_BUS = "DECISION_EVENT_BUS";
    /** {@code true}: a Security Hub finding per key, in the key's own account; empty or {@code false}: none. */
    static final String SECURITY_HUB_FINDINGS = "SECURITY_HUB_FINDINGS";
    private static final Pattern EVENT_BUS = Pattern.compile("[\\w.\\-/]{1,256}|arn:aws[a-z-]*:events:[a-z0-9-]+:\\d{12}:event-bus/[\\w.\\-/]{1,256}");
    /**
     * How many sweep invocations run at once (the template sets the function's reserved concurrency to
     * the same number): 1, the default, sweeps every account in turn in one chain of invocations; N
     * from 2 on is a run whose coordinator sweeps N - 1 accounts at once, each in an invocation of its own.
     */
    static final String SWEEP_CONCURRENCY = "SWEEP_CONCURRENCY";
    static final int MAX_SWEEP_CONCURRENCY = 1000;
    /** OUs (or the root) whose accounts, nested OUs included, a run sweeps besides MEMBER_ACCOUNT_IDS; comma-separated. */
    static final String ORGANIZATION_UNIT_IDS = "ORGANIZATION_UNIT_IDS";
    /** Accounts a run never sweeps, whether listed or found under an OU; comma-separated. */
    static final String EXCLUDED_ACCOUNT_IDS = "EXCLUDED_ACCOUNT_IDS";
    /** The role in the management (or delegated administrator) account that lists the OUs' accounts; empty: the function's own credentials. */
    static final String ORGANIZATION_ROLE_ARN = "ORGANIZATION_ROLE_ARN";
    private static final Pattern PARENT_ID = Pattern.compile("ou-[0-9a-z]{4,32}-[0-9a-z]{8,32}|r-[0-9a-z]{4,32}");
    private static final Pattern ROLE_ARN = Pattern.compile("arn:aws[a-z-]*:iam::\\d{12}:role/[\\w+=,.@/-]{1,512}");
    private static final Pattern ACCOUNT_ID = Pattern.compile("\\d{12}");
    private static final Pattern ROLE_NAME = Pattern.compile("[\\w+=,.@-]{1,64}");

    static Settings fromEnvironment(Map<String, String> environment) {
        PolicyDocument document = policyDocument(environment);
        TagPolicy policy = document.policy();
        String override = environment.getOrDefault(ENFORCEMENT_MODE, "").trim();
        if (!override.isEmpty() && !POLICY_MODE.equals(override)) {
            policy = policy.withMode(Mode.fromName(override).orElseThrow(() -> new PolicyException(
                    ENFORCEMENT_MODE + " must be enforce, report or policy, not \"" + override + "\"")));
        }
        String namespace = environment.getOrDefault(METRICS_NAMESPACE, "");
        Optional<MemberRole> memberRole = memberRole(environment);
        return new Settings(
                policy,
                document.origin(),
                namespace.isBlank() ? DEFAULT_NAMESPACE : namespace,
                environment.getOrDefault(FUNCTION_NAME, "local"),
                LogLevel.fromEnvironment(environment.get("AWS_LAMBDA_LOG_LEVEL")),
                Optional.ofNullable(environment.get("AWS_REGION")),
                new EnforcerIdentity(Optional.ofNullable(environment.get(ENFORCER_ROLE_NAME)),
                        Optional.ofNullable(environment.get(FUNCTION_NAME)), memberRole.map(MemberRole::roleName)),
                sweepWritesPerSecond(environment.get(SWEEP_WRITES_PER_SECOND)),
                memberRole,
                memberAccounts(environment.get(MEMBER_ACCOUNT_IDS), memberRole),
                timeToAnswer(environment.get(DEADLINE_RESERVE_MS)),
                sweepConcurrency(environment.get(SWEEP_CONCURRENCY)),
                organizationUnits(environment, memberRole),
                ids(EXCLUDED_ACCOUNT_IDS, environment.get(EXCLUDED_ACCOUNT_IDS), ACCOUNT_ID, "account IDs (12 digits)"),
                organizationRoleArn(environment.get(ORGANIZATION_ROLE_ARN)));
    }

    /** The OUs, validated: they need the member role (to reach their accounts) and a run (SWEEP_CONCURRENCY 2 or more) to find them at. */
    private static List<String> organizationUnits(Map<String, String> environment, Optional<MemberRole> memberRole) {
        List<String> parents = ids(ORGANIZATION_UNIT_IDS, environment.get(ORGANIZATION_UNIT_IDS), PARENT_ID,
                "OU ids (ou-xxxx-xxxxxxxx) or the root's (r-xxxx)");
        requireMemberRole(ORGANIZATION_UNIT_IDS, parents, memberRole);
        if (!parents.isEmpty() && sweepConcurrency(environment.get(SWEEP_CONCURRENCY)) < 2) {
            throw new IllegalArgumentException(ORGANIZATION_UNIT_IDS + " needs " + SWEEP_CONCURRENCY
                    + " of 2 or more: a run finds the OUs' accounts when it starts");
        }
        return parents;
    }

    private static List<String> ids(String variable, String value, Pattern pattern, String what) {
        List<String> ids = new ArrayList<>();
        for (String part : (value == null ? "" : value).split(",")) {
            String id = part.trim();
            if (id.isEmpty()) {
                continue;
            }
            if (!pattern.matcher(id).matches()) {
                throw new IllegalArgumentException(variable + " must be " + what + " separated by commas, not \"" + id + "\"");
            }
            if (!ids.contains(id)) {
                ids.add(id);
            }
        }
        return List.copyOf(ids);
    }

    private static Optional<String> organizationRoleArn(String value) {
        String arn = value == null ? "" : value.trim();
        if (arn.isEmpty()) {
            return Optional.empty();
        }
        if (!ROLE_ARN.matcher(arn).matches()) {
            throw new IllegalArgumentException(ORGANIZATION_ROLE_ARN + " must be an IAM role ARN (arn:aws:iam::123456789012:role/name), not \""
                    + arn + "\"");
        }
        return Optional.of(arn);
    }

    /** How many accounts a run sweeps at once: none for a single chain (concurrency 1), else all but the coordinator's slot. */
    int accountsAtOnce() {
        return sweepConcurrency - 1;
    }

    private static int sweepConcurrency(String value) {
        if (value == null || value.isBlank()) {
            return 1;
        }
        int concurrency;
        try {
            concurrency = Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            concurrency = 0;
        }
        if (concurrency < 1 || concurrency > MAX_SWEEP_CONCURRENCY) {
            throw new IllegalArgumentException(SWEEP_CONCURRENCY + " must be a whole number from 1 to " + MAX_SWEEP_CONCURRENCY
                    + " (sweep invocations at once), not \"" + value + "\"");
        }
        return concurrency;
    }

    /**
     * The policy as written: a non-blank {@code TAG_POLICY} wins (an override for stacks that need
     * their own); otherwise the file {@code POLICY_FILE} (default {@code tag-policy.json}) of the
     * deployment package, which {@code sam build} copies to its root from the repository's root. Any
     * problem fails the initialisation naming the file (or variable) and the field.
     */
    static PolicyDocument policyDocument(Map<String, String> environment) {
        String inline = environment.get(TAG_POLICY);
        if (inline != null && !inline.isBlank()) {
            return PolicyDocument.parse(PolicyOrigin.ENVIRONMENT + TAG_POLICY, TAG_POLICY, inline.getBytes(StandardCharsets.UTF_8));
        }
        String name = environment.getOrDefault(POLICY_FILE, "").trim();
        name = name.isEmpty() ? PolicyDocument.DEFAULT_FILE : name;
        Path file = packageFile(environment.getOrDefault(TASK_ROOT, ""), name);
        byte[] text;
        try {
            text = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new PolicyException(name + " is not in the deployment package (" + file + "): `sam build` copies the repository's "
                    + PolicyDocument.DEFAULT_FILE + " there; or set " + TAG_POLICY);
        } catch (IOException e) {
            throw new PolicyException(name + " cannot be read (" + file + "): " + e);
        }
        return PolicyDocument.parse(PolicyOrigin.FILE + name, name, text);
    }

    /** {@code name} in the package: a relative path that stays inside it. */
    private static Path packageFile(String root, String name) {
        Path relative;
        try {
            relative = Path.of(name).normalize();
        } catch (InvalidPathException e) {
            relative = null;
        }
        if (relative == null || relative.isAbsolute() || relative.startsWith("..") || relative.toString().isEmpty()) {
            throw new PolicyException(POLICY_FILE + " must name a file in the deployment package, relative to its root (such as "
                    + PolicyDocument.DEFAULT_FILE + "), not \"" + name + "\"");
        }
        return Path.of(root).resolve(relative);
    }

    /**
     * The policy each key is enforced with: with {@code organizationTagPolicy}, the local policy joined with the key's
     * account's Organizations tag policy, read lazily as that account (from {@code organizationTags}, or when null from
     * AWS with the sessions of {@code clients}); else the local policy.
     */
    PolicySource policySource(Map<String, String> environment, KmsClientFactory clients, AccountTagPolicies organizationTags, Clock clock,
            DecisionLog log) {
        if (!policy.organizationTagPolicy().readsOrganization()) {
            return PolicySource.fixed(policy);
        }
        // Built in OrganizationPolicy, not here, so that the verifier of this method loads none of its classes when it is off.
        return OrganizationPolicy.inFunction(policy, organizationTags, clients, region.orElse("us-east-1"), environment, clock,
                message -> log.warning(ORGANIZATION_TAG_POLICY, message), message -> log.notice(ORGANIZATION_TAG_POLICY, message));
    }

    /**
     * The KMS clients the function builds in Lambda: with {@code MEMBER_ROLE_NAME}, keys of other
     * accounts through their member role; without it, every key with the function's own credentials.
     */
    static KmsClientFactory lambdaClients(Map<String, String> environment) {
        return LambdaKmsClients.factory(memberRole(environment), environment.getOrDefault("AWS_REGION", "us-east-1"),
                environment.getOrDefault(FUNCTION_NAME, "kms-tag-enforcer"));
    }

    private static Optional<MemberRole> memberRole(Map<String, String> environment) {
        String roleName = environment.getOrDefault(MEMBER_ROLE_NAME, "").trim();
        if (roleName.isEmpty()) {
            return Optional.empty();
        }
        if (!ROLE_NAME.matcher(roleName).matches()) {
            throw new IllegalArgumentException(MEMBER_ROLE_NAME + " must be an IAM role name (1-64 of letters, digits and _+=,.@-), not \""
                    + roleName + "\"");
        }
        String ownAccount = environment.getOrDefault(ENFORCER_ACCOUNT_ID, "").trim();
        if (!ACCOUNT_ID.matcher(ownAccount).matches()) {
            throw new IllegalArgumentException(ENFORCER_ACCOUNT_ID + " must be the function's own account (12 digits) when "
                    + MEMBER_ROLE_NAME + " is set, not \"" + ownAccount + "\"");
        }
        return Optional.of(new MemberRole(ownAccount, roleName, Optional.ofNullable(environment.get(MEMBER_EXTERNAL_ID))));
    }

    /** The member accounts, in order, each once, the function's own left out (the sweep walks it first anyway). */
    private static List<String> memberAccounts(String value, Optional<MemberRole> memberRole) {
        List<String> accounts = ids(MEMBER_ACCOUNT_IDS, value, ACCOUNT_ID, "account IDs (12 digits)");
        requireMemberRole(MEMBER_ACCOUNT_IDS, accounts, memberRole);
        return accounts.stream().filter(account -> !account.equals(memberRole.orElseThrow().ownAccount())).toList();
    }

    /** Accounts beyond the function's own are reached only through the member role. */
    private static void requireMemberRole(String variable, List<String> given, Optional<MemberRole> memberRole) {
        if (!given.isEmpty() && memberRole.isEmpty()) {
            throw new IllegalArgumentException(variable + " is set but " + MEMBER_ROLE_NAME
                    + " is not: the sweep needs the member role to reach those accounts");
        }
    }

    private static Duration timeToAnswer(String value) {
        if (value == null || value.isBlank()) {
            return KmsKeys.DEFAULT_TIME_TO_ANSWER;
        }
        long millis;
        try {
            millis = Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            millis = -1;
        }
        if (millis < 100 || millis > 10_000) {
            throw new IllegalArgumentException(DEADLINE_RESERVE_MS + " must be a whole number of milliseconds from 100 to 10000, not \""
                    + value + "\"");
        }
        return Duration.ofMillis(millis);
    }

    private static double sweepWritesPerSecond(String value) {
        if (value == null || value.isBlank()) {
            return DEFAULT_SWEEP_WRITES_PER_SECOND;
        }
        double rate;
        try {
            rate = Double.parseDouble(value.trim());
        } catch (NumberFormatException e) {
            rate = Double.NaN;
        }
        if (!(rate >= 0.1 && rate <= MAX_SWEEP_WRITES_PER_SECOND)) {
            throw new IllegalArgumentException(SWEEP_WRITES_PER_SECOND + " must be a number from 0.1 to "
                    + MAX_SWEEP_WRITES_PER_SECOND + " (writes per second), not \"" + value + "\"");
        }
        return rate;
    }

    /**
     * Where each result goes besides the log, as the environment configures it: decision events with
     * {@code DECISION_EVENT_BUS}, Security Hub findings with {@code SECURITY_HUB_FINDINGS}. None when
     * nothing is configured, so that the sinks' classes are never loaded. Events sign with the
     * credentials {@code clients} gives the function's own account; findings with those of the key's
     * account (its member session), opened as the KMS calls open it.
     */
    List<ResultSink> resultSinks(Map<String, String> environment, KmsClientFactory clients, Clock clock) {
        List<ResultSink> sinks = new ArrayList<>();
        String bus = environment.getOrDefault(DECISION_EVENT_BUS, "").trim();
        if (!bus.isEmpty()) {
            if (!EVENT_BUS.matcher(bus).matches()) {
                throw new IllegalArgumentException(DECISION_EVENT_BUS + " must be an event bus name (default for the account's own) "
                        + "or ARN, or empty for no decision events, not \"" + bus + "\"");
            }
            String home = region.orElse("us-east-1");
            AwsCredentialsProvider credentials = clients.credentials(ownAccount(environment)).orElseGet(LambdaKmsClients::credentials);
            sinks.add(new DecisionEvents(new BatchSend<>(PutEvents.inRegion(home, bus, environment, credentials), Sleeper.THREAD),
                    policyOrigin));
        }
        String findings = environment.getOrDefault(SECURITY_HUB_FINDINGS, "").trim();
        if (!findings.isEmpty() && !findings.equals("false")) {
            if (!findings.equals("true")) {
                throw new IllegalArgumentException(SECURITY_HUB_FINDINGS + " must be true or false, not \"" + findings + "\"");
            }
            sinks.add(new SecurityHubFindings(findingImporters(environment, clients), policyOrigin, clock));
        }
        return List.copyOf(sinks);
    }

    /** BatchImportFindings per account and region, each signed with the account's session, opened first if it must be. */
    private SecurityHubFindings.Importers findingImporters(Map<String, String> environment, KmsClientFactory clients) {
        Map<String, BatchSend<BatchImportFindings.Finding>> built = new ConcurrentHashMap<>();
        // One HTTP client for every account and region, built with the first importer (never at start-up).
        AtomicReference<SdkHttpClient> http = new AtomicReference<>();
        return (account, findingsRegion, deadline) -> {
            if (deadline.remaining().compareTo(BatchSend.LONGEST_ATTEMPT) >= 0) {
                // Too little time left and BatchSend sends nothing: no AssumeRole either.
                clients.openSession(account, () -> deadline.remaining().minus(timeToAnswer));
            }
            return built.computeIfAbsent(account + " " + findingsRegion, any -> new BatchSend<>(
                    new BatchImportFindings(new SignedCall(BatchImportFindings.SIGNING_NAME, findingsRegion,
                            BatchImportFindings.endpoint(findingsRegion, environment),
                            http.updateAndGet(existing -> existing != null ? existing : LambdaKmsClients.httpClient()),
                            clients.credentials(account).orElseGet(LambdaKmsClients::credentials))),
                    Sleeper.THREAD));
        };
    }

    private static String ownAccount(Map<String, String> environment) {
        return environment.getOrDefault(ENFORCER_ACCOUNT_ID, "").trim();
    }
}
