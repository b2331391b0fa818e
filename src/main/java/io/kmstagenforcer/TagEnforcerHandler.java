package io.kmstagenforcer;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import io.kmstagenforcer.enforce.EnforcementResult;
import io.kmstagenforcer.enforce.NotFoundRetry;
import io.kmstagenforcer.enforce.RetryableFailure;
import io.kmstagenforcer.enforce.TagEnforcer;
import io.kmstagenforcer.kms.Deadline;
import io.kmstagenforcer.kms.KmsClientFactory;
import io.kmstagenforcer.kms.KmsKeys;
import io.kmstagenforcer.output.DecisionLog;
import io.kmstagenforcer.output.EmbeddedMetrics;
import io.kmstagenforcer.org.RequiredTagsSource;
import io.kmstagenforcer.output.ResultJson;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.crac.Core;

/**
 * Lambda entry point for EventBridge "AWS API Call via CloudTrail" events from {@code aws.kms}: keys
 * created (CreateKey, ReplicateKey) and keys whose tags were changed by someone else (TagResource,
 * UntagResource).
 *
 * <p>A {@link RequestStreamHandler} rather than a {@code RequestHandler<SomeEvent>}: with a typed
 * handler the runtime deserialises the event before any of our code runs, so input that is not
 * JSON, or JSON of the wrong shape, fails inside the runtime as an unclassified error that Lambda
 * retries. Reading the bytes ourselves turns every bad input into a {@code REJECTED} result that
 * names the problem, and lets the event be parsed leniently, field by field, as CloudTrail's
 * records require.
 *
 * <p>The handler only adapts Lambda to {@link TagEnforcer}: it reads the event, records the
 * decision and metrics, returns the result, and lets {@link RetryableFailure} escape so that Lambda
 * retries what a retry can fix. Everything is built once per container, in the constructor, where
 * a bad configuration fails initialisation with its own message.
 */
public final class TagEnforcerHandler implements RequestStreamHandler {
    private final TagEnforcer enforcer;
    private final DecisionLog decisions;
    /** Held so the CRaC context, which keeps only weak references, cannot lose it. */
    private final SnapStartPriming priming;

    /** Used by the Lambda runtime. */
    public TagEnforcerHandler() {
        this(System.getenv(), Settings.lambdaClients(System.getenv()));
    }

    /** For tests and local runs: any environment, any way of building KMS clients. */
    public TagEnforcerHandler(Map<String, String> environment, KmsClientFactory clients) {
        this(environment, clients, null);
    }

    /**
     * For tests and local runs that stand in for the Resource Groups Tagging API too.
     *
     * @param organizationTags where a policy with {@code organizationRequiredTags} reads them; null: ListRequiredTags
     */
    public TagEnforcerHandler(Map<String, String> environment, KmsClientFactory clients, RequiredTagsSource organizationTags) {
        this(environment, clients, organizationTags, NotFoundRetry.withDefaults(), Clock.systemUTC(), System.out);
    }

    TagEnforcerHandler(Map<String, String> environment, KmsClientFactory clients, NotFoundRetry notFoundRetry,
            Clock clock, PrintStream logOutput) {
        this(environment, clients, null, notFoundRetry, clock, logOutput);
    }

    TagEnforcerHandler(Map<String, String> environment, KmsClientFactory clients, RequiredTagsSource organizationTags,
            NotFoundRetry notFoundRetry, Clock clock, PrintStream logOutput) {
        Settings settings = Settings.fromEnvironment(environment);
        EmbeddedMetrics metrics = new EmbeddedMetrics(settings.metricsNamespace(), settings.functionName());
        this.decisions = new DecisionLog(logOutput, settings.logLevel(), metrics, clock);
        this.enforcer = new TagEnforcer(settings.policy(), settings.policySource(environment, organizationTags, clock, decisions),
                new KmsKeys(clients), notFoundRetry, clock, settings.identity(), decisions);
        this.priming = new SnapStartPriming(enforcer, metrics, settings.region().orElse("us-east-1"));
        Core.getGlobalContext().register(priming);
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        String requestId = context == null ? null : context.getAwsRequestId();
        EnforcementResult result;
        enforcer.beginInvocation();
        try {
            result = enforcer.enforce(input.readAllBytes(), deadlineOf(context));
        } catch (RetryableFailure failure) {
            decisions.record(failure.result(), requestId);
            throw failure;
        }
        decisions.record(result, requestId);
        output.write(ResultJson.response(result));
    }

    /** The invocation's own deadline; none when called without a Lambda context (tests). */
    private static Deadline deadlineOf(Context context) {
        return context == null ? Deadline.NONE : () -> Duration.ofMillis(context.getRemainingTimeInMillis());
    }
}
