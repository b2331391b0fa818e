package io.kmstagenforcer.kms;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.RegionMetadata;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.auth.StsAssumeRoleCredentialsProvider;
import software.amazon.awssdk.services.sts.model.AssumeRoleRequest;

/**
 * The function's sessions in member accounts: for a key whose account is not the function's own, the
 * member role {@code arn:<partition>:iam::<account>:role/<MEMBER_ROLE_NAME>} is assumed with the
 * external ID, and the session is kept until shortly before it expires.
 *
 * <p>One {@link StsAssumeRoleCredentialsProvider} per account, built on the first call to that
 * account; the STS client under them is built on the first call to any member account. Both happen
 * during an invocation, so nothing of them (no client, no connection, no credential, no thread) is in a
 * SnapStart snapshot. The provider keeps its session in the SDK's {@code CachedSupplier}, which asks
 * STS on first use, then again when the session enters its prefetch window ({@link #PREFETCH_TIME}
 * before expiry: the calling thread refreshes it while the old credentials are still good) and at the
 * latest at its stale time ({@link #STALE_TIME} before expiry: every caller waits for the new ones).
 * Asynchronous refresh is off on purpose: it would keep a thread that Lambda freezes between
 * invocations, and refreshing on the caller costs one STS call an hour.
 */
public final class MemberRoleSessions {
    /** The SDK's own defaults, named here because they are what docs/MANY-ACCOUNTS.md promises. */
    public static final Duration STALE_TIME = Duration.ofMinutes(1);
    public static final Duration PREFETCH_TIME = Duration.ofMinutes(5);
    /** STS allows 2-64 of these characters in a role session name. */
    private static final String SESSION_NAME_CHARACTERS = "[^\\w+=,.@-]";
    private static final int MAX_SESSION_NAME = 64;

    private final MemberRole role;
    private final String partition;
    private final String sessionName;
    private final Supplier<StsClient> stsClients;
    private final Duration staleTime;
    private final Duration prefetchTime;
    private final Map<String, StsAssumeRoleCredentialsProvider> sessions = new ConcurrentHashMap<>();
    /**
     * The bound of the AssumeRole that {@link #open} may make on this thread. The provider asks STS on
     * the thread that resolves the credentials, and builds each refresh's request then, so the
     * request carries the bound of the invocation that needed it.
     */
    private final ThreadLocal<Supplier<Duration>> assumeRoleTimeout = new ThreadLocal<>();
    private volatile StsClient stsClient;

    /**
     * @param region      the function's region: its partition is the member roles' partition
     * @param sessionName the role session name, as CloudTrail shows it in the member account (the function's name)
     * @param stsClients  builds the one STS client, on the first call to a member account
     */
    public MemberRoleSessions(MemberRole role, String region, String sessionName, Supplier<StsClient> stsClients) {
        this(role, partitionOf(region), sessionName, stsClients, STALE_TIME, PREFETCH_TIME);
    }

    /** With other stale and prefetch times than the SDK's: for tests of expiry that do not wait minutes. */
    public MemberRoleSessions(MemberRole role, String partition, String sessionName, Supplier<StsClient> stsClients,
            Duration staleTime, Duration prefetchTime) {
        this.role = role;
        this.partition = partition;
        this.sessionName = sessionNameOf(sessionName);
        this.stsClients = stsClients;
        this.staleTime = staleTime;
        this.prefetchTime = prefetchTime;
    }

    /** The role assumed for keys of {@code account}; empty for the function's own account. */
    public Optional<String> roleFor(String account) {
        return account.equals(role.ownAccount()) ? Optional.empty()
                : Optional.of("arn:" + partition + ":iam::" + account + ":role/" + role.roleName());
    }

    /** The session of {@code account} as credentials for a KMS client: resolved on each call, refreshed before it expires. */
    public AwsCredentialsProvider credentials(String account) {
        String roleArn = roleFor(account).orElseThrow(() -> new IllegalArgumentException(
                account + " is the function's own account: no role to assume"));
        return sessions.computeIfAbsent(account, unused -> StsAssumeRoleCredentialsProvider.builder()
                .stsClient(stsClient())
                .refreshRequest(() -> assumeRole(roleArn))
                .asyncCredentialUpdateEnabled(false)
                .staleTime(staleTime)
                .prefetchTime(prefetchTime)
                .build());
    }

    /**
     * Assumes the account's role if its session is missing or due for a refresh, the AssumeRole call
     * taking at most {@code timeout} (the invocation's time left when the request is made, after the
     * STS client is built); otherwise does nothing.
     */
    public void open(String account, Supplier<Duration> timeout) {
        if (roleFor(account).isPresent()) {
            assumeRoleTimeout.set(timeout);
            try {
                credentials(account).resolveCredentials();
            } finally {
                assumeRoleTimeout.remove();
            }
        }
    }

    /** One refresh's request: bounded by the caller's {@link #open} timeout, else by the STS client's own. */
    private AssumeRoleRequest assumeRole(String roleArn) {
        Supplier<Duration> bound = assumeRoleTimeout.get();
        Duration timeout = bound == null ? null : bound.get();
        return AssumeRoleRequest.builder().roleArn(roleArn).roleSessionName(sessionName).externalId(role.externalId().orElse(null))
                .overrideConfiguration(timeout == null ? null : AwsRequestOverrideConfiguration.builder().apiCallTimeout(timeout).build())
                .build();
    }

    private StsClient stsClient() {
        StsClient client = stsClient;
        if (client == null) {
            synchronized (this) {
                if (stsClient == null) {
                    stsClient = stsClients.get();
                }
                client = stsClient;
            }
        }
        return client;
    }

    /** The partition of a region ({@code aws}, {@code aws-cn}, {@code aws-us-gov}, ...); {@code aws} for a region the SDK does not know. */
    static String partitionOf(String region) {
        RegionMetadata metadata = Region.of(region).metadata();
        return metadata == null ? "aws" : metadata.partition().id();
    }

    private static String sessionNameOf(String name) {
        String cleaned = name == null ? "" : name.replaceAll(SESSION_NAME_CHARACTERS, "_");
        if (cleaned.length() < 2) {
            return "kms-tag-enforcer";
        }
        return cleaned.length() > MAX_SESSION_NAME ? cleaned.substring(0, MAX_SESSION_NAME) : cleaned;
    }
}
