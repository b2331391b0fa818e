package io.kmstagenforcer;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import io.kmstagenforcer.enforce.NotFoundRetry;
import io.kmstagenforcer.enforce.NotFoundRetry.Sleeper;
import io.kmstagenforcer.enforce.TagEnforcer;
import io.kmstagenforcer.kms.KmsClientFactory;
import io.kmstagenforcer.kms.KmsKeys;
import io.kmstagenforcer.org.RequiredTagsSource;
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

    /** Used by the Lambda runtime. */
    public SweepHandler() {
        this(System.getenv(), Settings.lambdaClients(System.getenv()), null);
    }

    /**
     * For tests and local runs.
     *
     * @param continuation how to hand the rest of a sweep on; null for Lambda's own Invoke in the function's region
     */
    public SweepHandler(Map<String, String> environment, KmsClientFactory clients, SweepContinuation continuation) {
        this(environment, clients, continuation, duration -> Thread.sleep(duration.toMillis()), System::nanoTime,
                Clock.systemUTC(), System.out);
    }

    SweepHandler(Map<String, String> environment, KmsClientFactory clients, SweepContinuation continuation, Sleeper sleeper,
            LongSupplier nanoTime, Clock clock, PrintStream logOutput) {
        this(environment, clients, continuation, null, sleeper, nanoTime, clock, logOutput);
    }

    /** @param organizationTags where a policy with {@code organizationRequiredTags} reads them; null: ListRequiredTags */
    SweepHandler(Map<String, String> environment, KmsClientFactory clients, SweepContinuation continuation,
            RequiredTagsSource organizationTags, Sleeper sleeper, LongSupplier nanoTime, Clock clock, PrintStream logOutput) {
        this.settings = Settings.fromEnvironment(environment);
        String region = settings.region().orElseThrow(() -> new IllegalArgumentException(
                "AWS_REGION is not set: the sweep enforces the keys of the function's own region"));
        WritePacer pacer = new WritePacer(settings.sweepWritesPerSecond(), nanoTime, sleeper);
        KmsKeys keys = KmsKeys.paced(clients, pacer);
        this.log = new DecisionLog(logOutput, settings.logLevel(),
                new EmbeddedMetrics(settings.metricsNamespace(), settings.functionName()), clock);
        this.enforcer = new TagEnforcer(settings.policy(), settings.policySource(environment, organizationTags, clock, log), keys,
                NotFoundRetry.NONE, clock, settings.identity(), log);
        this.sweep = new Sweep(enforcer, keys, region, settings.memberAccounts(), pacer, sleeper, nanoTime);
        this.continuation = continuation != null ? continuation : LambdaSelfInvocation.inRegion(region, environment);
        this.clock = clock;
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
