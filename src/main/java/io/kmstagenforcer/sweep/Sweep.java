package io.kmstagenforcer.sweep;

import io.kmstagenforcer.kms.Deadline;
import io.kmstagenforcer.enforce.EnforcementResult;
import io.kmstagenforcer.enforce.NotFoundRetry.Sleeper;
import io.kmstagenforcer.enforce.RetryableFailure;
import io.kmstagenforcer.enforce.TagEnforcer;
import io.kmstagenforcer.event.KeyArn;
import io.kmstagenforcer.event.KeyStates;
import io.kmstagenforcer.event.SkipReason;
import io.kmstagenforcer.kms.KeyPage;
import io.kmstagenforcer.kms.KmsCallException;
import io.kmstagenforcer.kms.KmsKeys;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Every customer managed key of one region, through the same {@link TagEnforcer} as an event, with
 * the writes paced and the invocation's deadline kept: the function's own account first, then each
 * member account in turn (through its member role). An account whose role cannot be assumed, or whose
 * keys or aliases KMS refuses to list (any terminal answer), is counted {@code failed} with a decision
 * line naming the account and the reason, and the sweep goes on to the next account.
 *
 * <p>Per invocation: one ListAliases walk (AWS managed keys are known by their {@code alias/aws/*}
 * aliases, so they cost no DescribeKey each), then ListKeys page by page, and per key what the
 * enforcer needs: one ListResourceTags for a compliant key; for one that needs changes, DescribeKey
 * and the writes. A retryable failure is retried with backoff (a throttled write also halves the
 * write rate, which unthrottled writes win back, see {@link WritePacer}); a terminal one is counted
 * and never retried. When too little time is left to finish a key, the invocation stops and returns
 * a {@link SweepMarker} for the next one to go on from.
 */
public final class Sweep {
    /** Tries per key within one invocation before leaving it for the next sweep. */
    static final int ATTEMPTS_PER_KEY = 5;
    static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);
    static final Duration LONGEST_BACKOFF = Duration.ofSeconds(16);
    /** At 15 minutes each, a day: a sweep that needs more is stuck, not slow. */
    public static final int MAX_INVOCATIONS = 96;
    /** Time kept back for one more key at worst (four KMS calls, bounded by their timeouts) and the summary. */
    static final Duration LONGEST_RESERVE = Duration.ofSeconds(40);
    static final Duration SHORTEST_RESERVE = Duration.ofSeconds(1);

    private final TagEnforcer enforcer;
    private final KmsKeys keys;
    private final String region;
    /** The function's own account (empty), then the member accounts. */
    private final List<Optional<String>> accounts;
    private final WritePacer pacer;
    private final Sleeper sleeper;
    private final LongSupplier nanoTime;
    /** Whether an account whose keys KMS refuses to list is counted failed and passed over, or ends the run. */
    private final boolean passOverRefusedAccounts;

    /** @param keys the same adapter the enforcer uses (its call counts are the sweep's) */
    public Sweep(TagEnforcer enforcer, KmsKeys keys, String region, WritePacer pacer, Sleeper sleeper, LongSupplier nanoTime) {
        this(enforcer, keys, region, List.of(), pacer, sleeper, nanoTime);
    }

    /** @param memberAccounts the accounts swept after the function's own, in this order */
    public Sweep(TagEnforcer enforcer, KmsKeys keys, String region, List<String> memberAccounts, WritePacer pacer, Sleeper sleeper,
            LongSupplier nanoTime) {
        this(enforcer, keys, region, accountsFrom(memberAccounts), pacer, sleeper, nanoTime, true);
    }

    private Sweep(TagEnforcer enforcer, KmsKeys keys, String region, List<Optional<String>> accounts, WritePacer pacer,
            Sleeper sleeper, LongSupplier nanoTime, boolean passOverRefusedAccounts) {
        this.enforcer = enforcer;
        this.keys = keys;
        this.region = region;
        this.accounts = accounts;
        this.pacer = pacer;
        this.sleeper = sleeper;
        this.nanoTime = nanoTime;
        this.passOverRefusedAccounts = passOverRefusedAccounts;
    }

    /**
     * This sweep, but a listing KMS refuses for good ends the run as a {@link SweepFailure} naming the
     * call, instead of counting the account failed and going on: for {@code scripts/report}, where a
     * person asked about one account and a report without its keys would answer another question.
     */
    public Sweep stoppingAtARefusedListing() {
        return new Sweep(enforcer, keys, region, accounts, pacer, sleeper, nanoTime, false);
    }

    /**
     * This sweep over one account alone (empty: the function's own): an account's invocation in a
     * fanned-out run, where each account is swept by an invocation of its own.
     */
    public Sweep onlyAccount(Optional<String> account) {
        return new Sweep(enforcer, keys, region, List.of(account), pacer, sleeper, nanoTime, passOverRefusedAccounts);
    }

    private static List<Optional<String>> accountsFrom(List<String> memberAccounts) {
        List<Optional<String>> all = new ArrayList<>();
        all.add(Optional.empty());
        memberAccounts.forEach(account -> all.add(Optional.of(account)));
        return List.copyOf(all);
    }

    /**
     * @param decisions receives each key's result as it is reached, to log it as an event's would be
     */
    public SweepSummary run(SweepMarker from, Deadline deadline, Consumer<EnforcementResult> decisions) {
        // Someone else's throttling in an earlier invocation of this container says nothing about now.
        pacer.beginInvocation();
        Run run = new Run(from, deadline, decisions);
        try {
            return run.sweep();
        } catch (KmsCallException e) {
            throw new SweepFailure(run.summary(Optional.empty(), e.kind() == KmsCallException.Kind.TERMINAL
                    ? e.reason() + ": refused, not retried"
                    : e.reason() + " after every retry; the invocation fails so that Lambda retries it from the same place"), e);
        }
    }

    /** How long to keep back: a fifth of the time there is, within bounds (a test with a 5 s budget keeps 1 s). */
    static Duration reserveFor(Duration remaining) {
        Duration fifth = remaining.dividedBy(5);
        return fifth.compareTo(LONGEST_RESERVE) > 0 ? LONGEST_RESERVE
                : fifth.compareTo(SHORTEST_RESERVE) < 0 ? SHORTEST_RESERVE : fifth;
    }

    /** One invocation's walk over the keys. */
    private final class Run {
        private final SweepMarker from;
        private final Deadline deadline;
        private final Consumer<EnforcementResult> decisions;
        private final Duration reserve;
        private final long started = nanoTime.getAsLong();
        private final double rateAtStart = pacer.currentRate();
        private final Map<String, Long> callsBefore = keys.callCounts();
        private final SweepTally here = new SweepTally(Map.of());
        private SweepPosition position;

        Run(SweepMarker from, Deadline deadline, Consumer<EnforcementResult> decisions) {
            this.from = from;
            this.deadline = deadline;
            this.decisions = decisions;
            this.reserve = reserveFor(deadline.remaining());
            this.position = from.position();
        }

        SweepSummary sweep() {
            int first = accounts.indexOf(position.account());
            if (first < 0) {
                // An account no longer listed: start again from the first; a compliant key costs one read.
                first = 0;
                position = SweepPosition.START;
            }
            for (int next = first; next < accounts.size(); next++) {
                Optional<String> account = accounts.get(next);
                if (next > first) {
                    position = SweepPosition.startOf(account);
                }
                Optional<SweepSummary> stopped;
                try {
                    stopped = sweepAccount(account);
                } catch (KmsCallException e) {
                    if (e.kind() != KmsCallException.Kind.TERMINAL || !passOverRefusedAccounts) {
                        throw e;
                    }
                    // Refused for good (a role STS will not let us assume, an SCP or a Region the account has not
                    // enabled, a member role without a listing permission): the same again tomorrow, so the
                    // account is passed over, not the sweep of every account after it.
                    EnforcementResult failed = enforcer.accountFailed(e.reason() + ": " + account.map(id -> "account " + id)
                            .orElse("the function's own account") + " was not swept");
                    here.countAccountFailure();
                    decisions.accept(failed);
                    continue;
                }
                if (stopped.isPresent()) {
                    return stopped.get();
                }
            }
            return summary(Optional.empty(), null);
        }

        /** The keys of one account from {@link #position}; a summary if the invocation stopped in it. */
        private Optional<SweepSummary> sweepAccount(Optional<String> account) {
            // One walk of the aliases: which keys are AWS managed, and every key's aliases for scopes that match on them.
            KmsKeys.AliasListing aliases = listing(() -> keys.aliasesByKeyId(account, region));
            Set<String> awsManaged = aliases.awsManagedKeyIds();
            while (true) {
                Optional<String> pageMarker = position.pageMarker();
                KeyPage page = listing(() -> keys.listKeys(account, region, pageMarker));
                for (KeyArn key : keysAfter(page.keys(), position.afterKeyId())) {
                    // Room for the key's two writes at the pace too: a key cut short is read again by the next invocation.
                    if (outOfTime(pacer.nextWait().plus(pacer.interval()))) {
                        return Optional.of(stop("less than " + reserve.toMillis() + " ms and the key's writes were left of the invocation"));
                    }
                    Optional<EnforcementResult> result = awsManaged.contains(key.keyId())
                            ? Optional.of(enforcer.skipListedKey(key, new KeyStates.Skip(SkipReason.AWS_MANAGED,
                                    "AWS managed key (alias/aws/*): only customer managed keys can be tagged")))
                            : enforceWithBackoff(key, aliases.of(key));
                    if (result.isEmpty()) {
                        return Optional.of(stop("no time left to back off and retry " + key));
                    }
                    here.count(result.get());
                    decisions.accept(result.get());
                    position = new SweepPosition(pageMarker, Optional.of(key.keyId()), account);
                }
                if (page.nextMarker().isEmpty()) {
                    return Optional.empty();
                }
                position = new SweepPosition(page.nextMarker(), Optional.empty(), account);
            }
        }

        private SweepSummary stop(String why) {
            if (from.invocation() >= MAX_INVOCATIONS) {
                return summary(Optional.empty(), why + "; the sweep has taken " + from.invocation()
                        + " invocations and stops here: the next scheduled sweep starts again");
            }
            return summary(Optional.of(from.next(position, totals(invocationCounts()))), why);
        }

        SweepSummary summary(Optional<SweepMarker> continuation, String stoppedBecause) {
            boolean complete = stoppedBecause == null;
            Map<String, Long> invocation = invocationCounts();
            return new SweepSummary(from.sweepId(), from.invocation(), enforcer.policy().mode(), complete,
                    continuation, Optional.ofNullable(stoppedBecause), invocation, totals(invocation),
                    pacer.configuredRate(), rateAtStart, pacer.lowestRate(), pacer.currentRate(), pacer.peakWritesPerSecond(),
                    Duration.ofNanos(nanoTime.getAsLong() - started), Optional.empty());
        }

        private Map<String, Long> invocationCounts() {
            SweepTally counts = new SweepTally(here.snapshot());
            counts.addCalls(callsBefore, keys.callCounts());
            return counts.snapshot();
        }

        /** The sweep's counts so far: the marker's, and this invocation's. */
        private Map<String, Long> totals(Map<String, Long> invocation) {
            SweepTally totals = new SweepTally(from.totals());
            totals.addAll(new SweepTally(invocation));
            return totals.snapshot();
        }

        /**
         * The key's result, covering the writes of every attempt at it; empty when the time left does not
         * allow another attempt (what the attempts wrote is then logged and counted, and the key is left
         * for the next invocation, which reads it again).
         */
        private Optional<EnforcementResult> enforceWithBackoff(KeyArn key, List<String> aliases) {
            Duration backoff = FIRST_BACKOFF;
            Optional<EnforcementResult> earlier = Optional.empty();
            for (int attempt = 1; ; attempt++) {
                try {
                    return Optional.of(withEarlier(enforcer.enforceListedKey(key, Optional.of(aliases), deadline), earlier));
                } catch (RetryableFailure failure) {
                    EnforcementResult soFar = withEarlier(failure.result(), earlier);
                    if (attempt == ATTEMPTS_PER_KEY) {
                        return Optional.of(soFar);
                    }
                    if (outOfTime(backoff)) {
                        leaveForNextInvocation(soFar);
                        return Optional.empty();
                    }
                    earlier = Optional.of(soFar);
                    pause(backoff);
                    backoff = longer(backoff);
                }
            }
        }

        /** A key not finished: its writes so far are logged and counted now, the key itself by the invocation that finishes it. */
        private void leaveForNextInvocation(EnforcementResult soFar) {
            if (soFar.wroteAnything()) {
                here.countWrites(soFar);
                decisions.accept(soFar);
            }
        }

        /**
         * A listing call, retried with backoff; still failing, it fails the invocation for Lambda to retry.
         * A terminal answer is not retried: the caller passes the account over.
         */
        private <T> T listing(Supplier<T> call) {
            Duration backoff = FIRST_BACKOFF;
            for (int attempt = 1; ; attempt++) {
                try {
                    return call.get();
                } catch (KmsCallException e) {
                    if (e.kind() == KmsCallException.Kind.TERMINAL || attempt == ATTEMPTS_PER_KEY || outOfTime(backoff)) {
                        throw e;
                    }
                    pause(backoff);
                    backoff = longer(backoff);
                }
            }
        }

        private boolean outOfTime(Duration needed) {
            return deadline.remaining().minus(needed).compareTo(reserve) < 0;
        }

        private void pause(Duration duration) {
            try {
                sleeper.sleep(duration);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new KmsCallException("backoff", "Interrupted", KmsCallException.Kind.RETRYABLE, e);
            }
        }
    }

    private static EnforcementResult withEarlier(EnforcementResult attempt, Optional<EnforcementResult> earlier) {
        return earlier.map(attempt::afterEarlierAttempt).orElse(attempt);
    }

    private static Duration longer(Duration backoff) {
        Duration doubled = backoff.multipliedBy(2);
        return doubled.compareTo(LONGEST_BACKOFF) > 0 ? LONGEST_BACKOFF : doubled;
    }

    private static List<KeyArn> keysAfter(List<KeyArn> page, Optional<String> afterKeyId) {
        if (afterKeyId.isEmpty()) {
            return page;
        }
        for (int i = 0; i < page.size(); i++) {
            if (page.get(i).keyId().equals(afterKeyId.get())) {
                return page.subList(i + 1, page.size());
            }
        }
        return page;
    }
}
