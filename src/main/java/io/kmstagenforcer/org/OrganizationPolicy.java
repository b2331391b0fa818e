package io.kmstagenforcer.org;

import io.kmstagenforcer.aws.JsonOperation;
import io.kmstagenforcer.kms.Deadline;
import io.kmstagenforcer.kms.KmsClientFactory;
import io.kmstagenforcer.policy.EffectivePolicy;
import io.kmstagenforcer.policy.OrganizationTagPolicy;
import io.kmstagenforcer.policy.OrganizationTags;
import io.kmstagenforcer.policy.PolicySource;
import io.kmstagenforcer.policy.TagPolicy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The local policy joined with each account's Organizations tag policy, read as that account, lazily: on the first
 * key of the account an invocation enforces, never while the container initialises (so never before a SnapStart
 * snapshot, whose priming event enforces no key), then again after {@link #TTL}. So a sweep invocation reads each
 * account's policy at most once, and a warm container at most once per {@link #TTL}.
 *
 * <p>An account without a tag policy gets the local policy alone, said once per container. When an account's policy
 * cannot be read (denied, Organizations not in use, throttled, failing), the local policy is enforced for it (a last
 * good read, if there is one, is kept), every result for it says so, one warning per container and account says
 * why, and the next invocation tries again; within one invocation it is tried once.
 */
public final class OrganizationPolicy implements PolicySource {
    /**
     * Tag policies change rarely, and each read is one or two calls (with their latency) in an event's invocation: a
     * long-lived container reads an account's again after this, and a new container reads anew anyway.
     */
    public static final Duration TTL = Duration.ofHours(6);

    private final TagPolicy local;
    private final AccountTagPolicies source;
    private final Clock clock;
    private final Consumer<String> warnings;
    private final Consumer<String> notices;
    private final Map<String, Account> accounts = new HashMap<>();
    private long invocation;

    /** What is known of one account's tag policy in this container. */
    private static final class Account {
        EffectivePolicy lastGood;
        Instant readAt;
        /** The invocation the last failed read was made in; -1: none failed since the last good read. */
        long failedInInvocation = -1;
        String failure;
        boolean warnedUnavailable;
        boolean saidNone;
    }

    /**
     * @param warnings receives each warning's message: an account's policy became unavailable, an organisation key left out
     * @param notices  receives what is not a fault but is said once: an account has no tag policy
     */
    public OrganizationPolicy(TagPolicy local, AccountTagPolicies source, Clock clock, Consumer<String> warnings, Consumer<String> notices) {
        this.local = local;
        this.source = source;
        this.clock = clock;
        this.warnings = warnings;
        this.notices = notices;
    }

    /**
     * As the function builds it: each account's policy from {@code source}, or when that is null from AWS as the account
     * ({@link OrganizationsTagPolicies}), with the sessions of {@code clients}.
     */
    public static OrganizationPolicy inFunction(TagPolicy local, AccountTagPolicies source, KmsClientFactory clients, String region,
            Map<String, String> environment, Clock clock, Consumer<String> warnings, Consumer<String> notices) {
        AccountTagPolicies policies = source != null ? source
                : OrganizationsTagPolicies.inLambda(local.organizationTagPolicy(), clients, region, environment);
        return new OrganizationPolicy(local, policies, clock, warnings, notices);
    }

    @Override
    public synchronized void beginInvocation() {
        invocation++;
    }

    @Override
    public synchronized EffectivePolicy current(String accountId, Deadline deadline) {
        Account account = accounts.computeIfAbsent(accountId, unused -> new Account());
        boolean fresh = account.lastGood != null && clock.instant().isBefore(account.readAt.plus(TTL));
        if (fresh) {
            return account.lastGood;
        }
        if (account.failedInInvocation != invocation) {
            read(accountId, account, deadline);
        }
        if (account.failedInInvocation == -1) {
            return account.lastGood;
        }
        if (account.lastGood != null) {
            return new EffectivePolicy(account.lastGood.policy(), Optional.of(account.lastGood.organizationTagPolicy().orElseThrow()
                    + " (kept: the refresh failed, " + account.failure + ")"));
        }
        return new EffectivePolicy(local, Optional.of(EffectivePolicy.UNAVAILABLE + ": " + account.failure));
    }

    private void read(String accountId, Account account, Deadline deadline) {
        Optional<OrganizationTagPolicy> policy;
        try {
            policy = source.read(accountId, deadline);
        } catch (JsonOperation.Failed e) {
            account.failedInInvocation = invocation;
            account.failure = e.getMessage();
            if (!account.warnedUnavailable) {
                account.warnedUnavailable = true;
                warnings.accept("the Organizations tag policy of account " + accountId + " is unavailable (" + account.failure + "): "
                        + (account.lastGood == null ? "the local policy alone is enforced there" : "the last one read is kept")
                        + "; tried again on the next invocation");
            }
            return;
        }
        if (policy.isEmpty()) {
            account.lastGood = new EffectivePolicy(local, Optional.of(EffectivePolicy.NONE + ": no tag policy applies to account " + accountId));
            if (!account.saidNone) {
                account.saidNone = true;
                notices.accept("no Organizations tag policy applies to account " + accountId + ": the local policy alone is enforced there");
            }
        } else {
            OrganizationTags.Merge merge = OrganizationTags.merge(local, policy.get());
            merge.warnings().forEach(warnings);
            account.lastGood = new EffectivePolicy(merge.policy(), Optional.of(EffectivePolicy.READ + ": "
                    + (merge.required().isEmpty() ? "none required on kms:key" : String.join(", ", merge.required()))));
            account.saidNone = false;
        }
        account.readAt = clock.instant();
        account.failedInInvocation = -1;
        account.failure = null;
        account.warnedUnavailable = false;
    }
}
