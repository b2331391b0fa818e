package io.kmstagenforcer;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import io.kmstagenforcer.enforce.NotFoundRetry;
import io.kmstagenforcer.enforce.NotFoundRetry.Sleeper;
import io.kmstagenforcer.enforce.TagEnforcer;
import io.kmstagenforcer.kms.KmsClientFactory;
import io.kmstagenforcer.kms.KmsKeys;
import io.kmstagenforcer.org.AccountTagPolicies;
import io.kmstagenforcer.output.DecisionLog;
import io.kmstagenforcer.output.EmbeddedMetrics;
import io.kmstagenforcer.kms.Deadline;
import io.kmstagenforcer.enforce.Outcome;
import io.kmstagenforcer.org.AccountDiscovery;
import io.kmstagenforcer.org.OrganizationAccounts;
import io.kmstagenforcer.sweep.AccountRun;
import io.kmstagenforcer.sweep.AccountSweeps;
import io.kmstagenforcer.sweep.FanOut;
import io.kmstagenforcer.sweep.LambdaAccountSweeps;
import io.kmstagenforcer.sweep.LambdaSelfInvocation;
import io.kmstagenforcer.sweep.RunState;
import io.kmstagenforcer.sweep.SweepPosition;
import io.kmstagenforcer.sweep.Sweep;
import io.kmstagenforcer.sweep.SweepContinuation;
import io.kmstagenforcer.sweep.SweepFailure;
import io.kmstagenforcer.sweep.SweepMarker;
import io.kmstagenforcer.sweep.SweepMarkers;
import io.kmstagenforcer.sweep.SweepSummary;
import io.kmstagenforcer.sweep.WritePacer;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.function.Supplier;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * Lambda entry point of the scheduled sweep: every key of the function's region, through the same
 * enforcer as the key events, writes paced to {@code SWEEP_WRITES_PER_SECOND}.
 *
 * <p>Its input is a {@link ScheduledEvent}: from the EventBridge schedule (an empty {@code detail}:
 * a new sweep), or from the sweep itself, whose {@code detail} carries the marker to go on from. When
 * the invocation nears its timeout it stops, logs its summary, and invokes itself asynchronously with
 * that marker, so no key is dropped however many there are.
 *
 * <p>It throws only when listing the keys keeps failing: Lambda then retries the same input, which
 * starts again where this invocation did.
 */
public final class SweepHandler implements RequestHandler<ScheduledEvent, SweepResponse> {
    /** In an account's invocation of a run: the time it must hand back by (ISO-8601), set by the coordinator. */
    static final String ACCOUNT_STOP_BY = "stopBy";
    private final Settings settings;
    private final TagEnforcer enforcer;
    private final Sweep sweep;
    private final DecisionLog log;
    private final SweepContinuation continuation;
    private final Clock clock;
    /** With SWEEP_CONCURRENCY 2 or more and member accounts: a scheduled run sweeps each account in an invocation of its own. */
    private final Optional<FanOut> fanOut;
    /** With ORGANIZATION_UNIT_IDS: where a run finds their accounts (built when the first run starts). */
    private final Supplier<AccountDiscovery> discovery;

    /** Used by the Lambda runtime: its environment, production's KMS clients, Lambda's own Invoke to go on. */
    public SweepHandler() {
        this(Collaborators.lambda());
    }

    /** For tests and local runs: everything the handler is built from, production's defaults for what is not replaced. */
    public SweepHandler(Collaborators with) {
        this.settings = Settings.fromEnvironment(with.environment());
        String region = settings.region().orElseThrow(() -> new IllegalArgumentException(
                "AWS_REGION is not set: the sweep enforces the keys of the function's own region"));
        WritePacer pacer = new WritePacer(settings.sweepWritesPerSecond(), with.nanoTime(), with.sleeper());
        KmsKeys keys = KmsKeys.paced(with.clients(), pacer).answeringWithin(settings.timeToAnswer());
        this.log = new DecisionLog(with.logOutput(), settings.logLevel(),
                new EmbeddedMetrics(settings.metricsNamespace(), settings.functionName()), with.clock(), settings.policyOrigin(),
                settings.resultSinks(with.environment(), with.clients(), with.clock()));
        this.enforcer = new TagEnforcer(settings.policy(),
                settings.policySource(with.environment(), with.clients(), with.organizationTags(), with.clock(), log), keys,
                NotFoundRetry.NONE, with.clock(), settings.identity(), log);
        this.sweep = new Sweep(enforcer, keys, region, settings.memberAccounts(), pacer, with.sleeper(), with.nanoTime());
        this.continuation = with.continuation() != null ? with.continuation() : LambdaSelfInvocation.inRegion(region, with.environment());
        this.clock = with.clock();
        this.fanOut = settings.accountsAtOnce() < 1 || settings.memberRole().isEmpty() ? Optional.empty()
                : Optional.of(new FanOut(with.accountSweeps() != null ? with.accountSweeps() : LambdaAccountSweeps.inRegion(region,
                        with.environment()), settings.accountsAtOnce(), with.clock(), with.sleeper(), region));
        AccountDiscovery given = with.accountDiscovery();
        this.discovery = given != null ? () -> given : () -> OrganizationAccounts.inPartitionOf(region, with.environment(),
                settings.organizationRoleArn(), settings.functionName());
    }

    /**
     * What a {@link SweepHandler} is built from. A new collaborator is a new component here (with
     * its production default in {@link #of}), never a new constructor.
     *
     * @param environment      the function's environment variables
     * @param clients          how KMS clients are built (nothing is built or resolved until the sweep runs)
     * @param continuation     how to hand the rest of a sweep on; null: Lambda's own Invoke in the function's region
     * @param organizationTags where a policy with {@code organizationTagPolicy} reads each account's; null: from AWS, as the account
     * @param sleeper          how the pacer and the backoff wait
     * @param nanoTime         the monotonic time the pacer and the summary's duration are measured by
     * @param clock            the time of decisions and of a continuation event
     * @param logOutput        where decision lines, the summary and metrics go (Lambda: stdout)
     * @param accountSweeps    how a run's coordinator sweeps an account in an invocation of its own; null: Lambda's synchronous Invoke
     * @param accountDiscovery where a run finds the accounts under ORGANIZATION_UNIT_IDS; null: Organizations' ListAccountsForParent
     */
    public record Collaborators(Map<String, String> environment, KmsClientFactory clients, SweepContinuation continuation,
            AccountTagPolicies organizationTags, Sleeper sleeper, LongSupplier nanoTime, Clock clock, PrintStream logOutput,
            AccountSweeps accountSweeps, AccountDiscovery accountDiscovery) {

        /** The Lambda runtime's: the process environment and production's KMS clients. */
        static Collaborators lambda() {
            Map<String, String> environment = System.getenv();
            return of(environment, Settings.lambdaClients(environment));
        }

        /** This environment and these KMS clients; the rest as in production (System.out as it is now). */
        public static Collaborators of(Map<String, String> environment, KmsClientFactory clients) {
            return new Collaborators(environment, clients, null, null, Collaborators::sleepAtLeast, System::nanoTime,
                    Clock.systemUTC(), System.out, null, null);
        }

        public Collaborators withContinuation(SweepContinuation next) {
            return new Collaborators(environment, clients, next, organizationTags, sleeper, nanoTime, clock, logOutput, accountSweeps,
                    accountDiscovery);
        }

        public Collaborators withOrganizationTags(AccountTagPolicies source) {
            return new Collaborators(environment, clients, continuation, source, sleeper, nanoTime, clock, logOutput, accountSweeps,
                    accountDiscovery);
        }

        /** The time the pacer and the backoff go by: the sleeper waits, {@code nanoTime} tells how long it did. */
        public Collaborators withTime(Sleeper waits, LongSupplier monotonicNanos) {
            return new Collaborators(environment, clients, continuation, organizationTags, waits, monotonicNanos, clock, logOutput,
                    accountSweeps, accountDiscovery);
        }

        public Collaborators withClock(Clock time) {
            return new Collaborators(environment, clients, continuation, organizationTags, sleeper, nanoTime, time, logOutput,
                    accountSweeps, accountDiscovery);
        }

        public Collaborators withLogOutput(PrintStream output) {
            return new Collaborators(environment, clients, continuation, organizationTags, sleeper, nanoTime, clock, output,
                    accountSweeps, accountDiscovery);
        }

        /** Where a run finds the accounts under ORGANIZATION_UNIT_IDS; null: Organizations, through ORGANIZATION_ROLE_ARN when set. */
        public Collaborators withAccountDiscovery(AccountDiscovery discovery) {
            return new Collaborators(environment, clients, continuation, organizationTags, sleeper, nanoTime, clock, logOutput,
                    accountSweeps, discovery);
        }

        /** How a run's coordinator sweeps each account in an invocation of its own; null: Lambda's synchronous Invoke of the function. */
        public Collaborators withAccountSweeps(AccountSweeps sweeps) {
            return new Collaborators(environment, clients, continuation, organizationTags, sleeper, nanoTime, clock, logOutput, sweeps,
                    accountDiscovery);
        }

        /**
         * At least {@code duration}: {@code Thread.sleep(millis, nanos)} rounds a sub-millisecond part
         * up, where {@code Thread.sleep(duration.toMillis())} would drop it and wake the pacer early.
         */
        private static void sleepAtLeast(Duration duration) throws InterruptedException {
            if (duration.isNegative() || duration.isZero()) {
                return;
            }
            Thread.sleep(duration.toMillis(), duration.toNanosPart() % 1_000_000);
        }
    }

    @Override
    public SweepResponse handleRequest(ScheduledEvent event, Context context) {
        String requestId = context.getAwsRequestId();
        Map<String, Object> detail = event.getDetail();
        if (detail != null && detail.containsKey(ACCOUNT_STOP_BY)) {
            return sweepAccount(detail, context, requestId);
        }
        if (fanOut.isPresent() && (detail == null || !detail.containsKey("sweepId"))) {
            return coordinate(event, context, requestId);
        }
        log.inRun(Optional.empty(), Optional.empty());
        Optional<String> note = Optional.empty();
        SweepMarker marker;
        try {
            marker = SweepMarkers.fromDetail(event.getDetail()).orElseGet(() -> SweepMarker.start(sweepId(event, requestId)));
        } catch (IllegalArgumentException e) {
            // A marker nobody can use: starting over loses nothing, since a compliant key costs one read.
            marker = SweepMarker.start(sweepId(event, requestId));
            note = Optional.of("the input's sweep marker was unusable (" + e.getMessage() + "): started from the first key");
        }
        Deadline deadline = () -> Duration.ofMillis(context.getRemainingTimeInMillis());
        enforcer.beginInvocation();
        log.beginInvocation(deadline);
        SweepSummary summary;
        try {
            summary = sweep.run(marker, deadline, result -> log.decision(result, requestId));
        } catch (SweepFailure failure) {
            log.summary(failure.summary().withNote(note), requestId);
            throw failure;
        }
        summary = summary.withNote(note);
        log.summary(summary, requestId);
        summary.continuation().ifPresent(next -> continuation.continueWith(next, context.getInvokedFunctionArn(),
                SweepMarkers.continuationEvent(next, accountOf(context.getInvokedFunctionArn()), settings.region().orElseThrow(),
                        clock.instant())));
        return SweepResponse.of(summary);
    }

    /**
     * A run's coordinator: from the schedule, a new run over every account; from its own continuation,
     * the run it carries. Writes the roll-up when the last account has ended, else hands the run on.
     */
    private SweepResponse coordinate(ScheduledEvent event, Context context, String requestId) {
        FanOut coordinator = fanOut.orElseThrow();
        RunState run;
        try {
            run = RunState.fromDetail(event.getDetail()).orElse(null);
        } catch (IllegalArgumentException e) {
            // A run state nobody can use: a new run loses nothing, since a compliant key costs one read.
            log.warning("sweep-run", "the input's run state was unusable (" + e.getMessage() + "): a new run starts");
            run = null;
        }
        if (run == null) {
            run = newRun(event, requestId);
        }
        log.inRun(Optional.of(run.runId()), Optional.empty());
        Deadline deadline = () -> Duration.ofMillis(context.getRemainingTimeInMillis());
        String functionArn = context.getInvokedFunctionArn();
        RunState after = coordinator.coordinate(run, deadline, functionArn, account -> { });
        String mode = enforcer.policy().mode().label();
        if (after.complete()) {
            log.rollUp(after, requestId);
            return SweepResponse.ofRun(after, mode, false);
        }
        if (after.invocation() >= FanOut.MAX_INVOCATIONS) {
            RunState cut = FanOut.cutOff(after, "the run took " + after.invocation()
                    + " invocations and stops here: the next scheduled run starts again");
            log.rollUp(cut, requestId);
            return SweepResponse.ofRun(cut, mode, false);
        }
        RunState next = new RunState(after.runId(), after.invocation() + 1, after.startedAt(), after.pending(), after.finished(),
                after.totals());
        try {
            continuation.continueWith(new SweepMarker(next.runId(), next.invocation(), SweepPosition.START, next.totals()), functionArn,
                    coordinator.continuationEvent(next, accountOf(functionArn)));
        } catch (RuntimeException e) {
            // Nobody will go on with the accounts left: they are named as never finished now, not left to silence.
            RunState cut = FanOut.cutOff(after, "the run's next invocation could not be started: " + e.getMessage());
            log.rollUp(cut, requestId);
            return SweepResponse.ofRun(cut, mode, false);
        }
        log.runHandedOn(after, requestId);
        return SweepResponse.ofRun(after, mode, true);
    }

    /**
     * A new run: the function's own account, the member accounts, and the ACTIVE accounts under the
     * OUs as Organizations lists them now, each once and from its first key, the excluded ones left
     * out. An OU that cannot be listed is in the run as failed, with why, from the start.
     */
    private RunState newRun(ScheduledEvent event, String requestId) {
        String runId = sweepId(event, requestId);
        String ownAccount = settings.memberRole().orElseThrow().ownAccount();
        Set<String> accounts = new LinkedHashSet<>();
        accounts.add(ownAccount);
        accounts.addAll(settings.memberAccounts());
        List<AccountRun> unlisted = new ArrayList<>();
        Map<String, String> notActive = Map.of();
        if (!settings.organizationUnits().isEmpty()) {
            AccountDiscovery.Discovered found = discovery.get().accountsUnder(settings.organizationUnits());
            accounts.addAll(found.active());
            notActive = found.notActive();
            found.failed().forEach((parent, why) -> unlisted.add(AccountRun.failed(parent, why, Map.of(), 0)));
        }
        List<String> excluded = accounts.stream().filter(settings.excludedAccounts()::contains).toList();
        accounts.removeAll(excluded);
        log.inRun(Optional.of(runId), Optional.empty());
        log.runStarted(runId, List.copyOf(accounts), settings.organizationUnits(), notActive, excluded, requestId);
        return RunState.start(runId, clock.instant(), ownAccount, List.copyOf(accounts), unlisted);
    }

    /**
     * One account of a run, in an invocation of its own, until the time the coordinator gave it:
     * its marker (or its failure) goes back to the coordinator in the response, which continues it.
     * A sweep that cannot list the keys fails the invocation, as a sweep of one chain does; the
     * coordinator tries it again.
     */
    private SweepResponse sweepAccount(Map<String, Object> detail, Context context, String requestId) {
        String account = String.valueOf(detail.get("target"));
        Instant stopBy = Instant.parse(String.valueOf(detail.get(ACCOUNT_STOP_BY)));
        SweepMarker marker = SweepMarkers.fromDetail(detail).orElseThrow(() -> new IllegalArgumentException(
                "an account's invocation needs its sweep marker (detail.sweepId)"));
        log.inRun(Optional.of(marker.sweepId()), Optional.of(account));
        Deadline deadline = () -> {
            Duration lambda = Duration.ofMillis(context.getRemainingTimeInMillis());
            Duration given = Duration.between(clock.instant(), stopBy);
            return given.compareTo(lambda) < 0 ? given : lambda;
        };
        enforcer.beginInvocation();
        AtomicReference<String> accountFailure = new AtomicReference<>();
        SweepSummary summary;
        try {
            summary = sweep.onlyAccount(marker.position().account()).run(marker, deadline, result -> {
                if (result.outcome() == Outcome.FAILED && result.keyArn().isEmpty()) {
                    accountFailure.compareAndSet(null, result.reason().orElse("the account was not swept"));
                }
                log.decision(result, requestId);
            });
        } catch (SweepFailure failure) {
            log.summary(failure.summary(), requestId);
            throw failure;
        }
        log.summary(summary, requestId);
        return SweepResponse.ofAccount(summary, account, Optional.ofNullable(accountFailure.get()));
    }

    private static String sweepId(ScheduledEvent event, String requestId) {
        return event.getId() != null && !event.getId().isBlank() ? event.getId() : requestId;
    }

    private static String accountOf(String functionArn) {
        String[] parts = functionArn == null ? new String[0] : functionArn.split(":");
        return parts.length > 4 ? parts[4] : "";
    }
}
