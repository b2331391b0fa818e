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
import io.kmstagenforcer.org.AccountTagPolicies;
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

    /** Used by the Lambda runtime: its environment, production's KMS clients. */
    public TagEnforcerHandler() {
        this(Collaborators.lambda());
    }

    /** For tests and local runs: everything the handler is built from, production's defaults for what is not replaced. */
    public TagEnforcerHandler(Collaborators with) {
        Settings settings = Settings.fromEnvironment(with.environment());
        EmbeddedMetrics metrics = new EmbeddedMetrics(settings.metricsNamespace(), settings.functionName());
        this.decisions = new DecisionLog(with.logOutput(), settings.logLevel(), metrics, with.clock(), settings.policyOrigin(),
                settings.resultSinks(with.environment(), with.clients(), with.clock()));
        this.enforcer = new TagEnforcer(settings.policy(),
                settings.policySource(with.environment(), with.clients(), with.organizationTags(), with.clock(), decisions),
                new KmsKeys(with.clients()).answeringWithin(settings.timeToAnswer()), with.notFoundRetry(), with.clock(), settings.identity(), decisions);
        this.priming = new SnapStartPriming(enforcer, metrics, settings.region().orElse("us-east-1"));
        Core.getGlobalContext().register(priming);
    }

    /**
     * What a {@link TagEnforcerHandler} is built from. A new collaborator is a new component here
     * (with its production default in {@link #of}), never a new constructor.
     *
     * @param environment      the function's environment variables
     * @param clients          how KMS clients are built (nothing is built or resolved until a key is enforced)
     * @param organizationTags where a policy with {@code organizationTagPolicy} reads each account's; null: from AWS, as the account
     * @param notFoundRetry    how long a key KMS does not know yet is waited for
     * @param clock            the time of decisions and of an event's age
     * @param logOutput        where decision lines and metrics go (Lambda: stdout)
     */
    public record Collaborators(Map<String, String> environment, KmsClientFactory clients, AccountTagPolicies organizationTags,
            NotFoundRetry notFoundRetry, Clock clock, PrintStream logOutput) {

        /** The Lambda runtime's: the process environment and production's KMS clients. */
        static Collaborators lambda() {
            Map<String, String> environment = System.getenv();
            return of(environment, Settings.lambdaClients(environment));
        }

        /** This environment and these KMS clients; the rest as in production (System.out as it is now). */
        public static Collaborators of(Map<String, String> environment, KmsClientFactory clients) {
            return new Collaborators(environment, clients, null, NotFoundRetry.withDefaults(), Clock.systemUTC(), System.out);
        }

        public Collaborators withOrganizationTags(AccountTagPolicies source) {
            return new Collaborators(environment, clients, source, notFoundRetry, clock, logOutput);
        }

        public Collaborators withNotFoundRetry(NotFoundRetry retry) {
            return new Collaborators(environment, clients, organizationTags, retry, clock, logOutput);
        }

        public Collaborators withClock(Clock time) {
            return new Collaborators(environment, clients, organizationTags, notFoundRetry, time, logOutput);
        }

        public Collaborators withLogOutput(PrintStream output) {
            return new Collaborators(environment, clients, organizationTags, notFoundRetry, clock, output);
        }
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        String requestId = context == null ? null : context.getAwsRequestId();
        EnforcementResult result;
        Deadline deadline = deadlineOf(context);
        enforcer.beginInvocation();
        decisions.beginInvocation(deadline);
        try {
            result = enforcer.enforce(input.readAllBytes(), deadline);
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
