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
import io.kmstagenforcer.sweep.LambdaSelfInvocation;
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
import java.util.Map;
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
    private final Settings settings;
    private final TagEnforcer enforcer;
    private final Sweep sweep;
    private final DecisionLog log;
    private final SweepContinuation continuation;
    private final Clock clock;

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
     */
    public record Collaborators(Map<String, String> environment, KmsClientFactory clients, SweepContinuation continuation,
            AccountTagPolicies organizationTags, Sleeper sleeper, LongSupplier nanoTime, Clock clock, PrintStream logOutput) {

        /** The Lambda runtime's: the process environment and production's KMS clients. */
        static Collaborators lambda() {
            Map<String, String> environment = System.getenv();
            return of(environment, Settings.lambdaClients(environment));
        }

        /** This environment and these KMS clients; the rest as in production (System.out as it is now). */
        public static Collaborators of(Map<String, String> environment, KmsClientFactory clients) {
            return new Collaborators(environment, clients, null, null, Collaborators::sleepAtLeast, System::nanoTime,
                    Clock.systemUTC(), System.out);
        }

        public Collaborators withContinuation(SweepContinuation next) {
            return new Collaborators(environment, clients, next, organizationTags, sleeper, nanoTime, clock, logOutput);
        }

        public Collaborators withOrganizationTags(AccountTagPolicies source) {
            return new Collaborators(environment, clients, continuation, source, sleeper, nanoTime, clock, logOutput);
        }

        /** The time the pacer and the backoff go by: the sleeper waits, {@code nanoTime} tells how long it did. */
        public Collaborators withTime(Sleeper waits, LongSupplier monotonicNanos) {
            return new Collaborators(environment, clients, continuation, organizationTags, waits, monotonicNanos, clock, logOutput);
        }

        public Collaborators withClock(Clock time) {
            return new Collaborators(environment, clients, continuation, organizationTags, sleeper, nanoTime, time, logOutput);
        }

        public Collaborators withLogOutput(PrintStream output) {
            return new Collaborators(environment, clients, continuation, organizationTags, sleeper, nanoTime, clock, output);
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

    private static String sweepId(ScheduledEvent event, String requestId) {
        return event.getId() != null && !event.getId().isBlank() ? event.getId() : requestId;
    }

    private static String accountOf(String functionArn) {
        String[] parts = functionArn == null ? new String[0] : functionArn.split(":");
        return parts.length > 4 ? parts[4] : "";
    }
}
