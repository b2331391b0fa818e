package bench;

import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;
import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import io.kmstagenforcer.SweepHandler;
import io.kmstagenforcer.SweepResponse;
import io.kmstagenforcer.json.JsonField;
import io.kmstagenforcer.kms.LambdaKmsClients;
import io.kmstagenforcer.kms.MemberRole;
import io.kmstagenforcer.sweep.AccountSweeps;
import java.io.PrintStream;
import java.lang.reflect.RecordComponent;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * scripts/benchmark --only org-sweep: one scheduled sweep over several accounts, in this JVM, with the
 * function's own handler, KMS clients and member sessions (its environment: the benchmark's), and a
 * run's account invocations made as Lambda would make them in warm containers: each a new handler
 * on a thread of its own, given the payload as the runtime deserialises it. What is measured is the
 * engine (pacing, parallelism, calls), not JVM start-ups, which a Lambda deployment pays once per
 * container.
 *
 * <p>Args: none; the environment says serial (SWEEP_CONCURRENCY 1) or fanned out. Output: the
 * function's log lines on stdout, then {@code RESULT {"wallMs":...,"response":{...}}}.
 */
public final class OrgSweepBench {
    private static final String ARN = "arn:aws:lambda:%s:%s:function:bench-SweepFunction";

    private final Map<String, String> environment = System.getenv();
    private final PrintStream out = System.out;

    public static void main(String[] args) {
        new OrgSweepBench().run();
    }

    private void run() {
        String arn = String.format(ARN, environment.get("AWS_REGION"), environment.get("ENFORCER_ACCOUNT_ID"));
        long started = System.nanoTime();
        SweepResponse response = handler().handleRequest(scheduled(), new BenchContext(arn, Duration.ofMinutes(15)));
        long wallMs = Duration.ofNanos(System.nanoTime() - started).toMillis();
        out.println("RESULT {\"wallMs\":" + wallMs + ",\"complete\":" + response.complete() + ",\"continues\":" + response.continues() + "}");
    }

    /** A handler as a new container builds it: its own KMS clients, member sessions and pacer. */
    private SweepHandler handler() {
        MemberRole role = new MemberRole(environment.get("ENFORCER_ACCOUNT_ID"), environment.get("MEMBER_ROLE_NAME"), Optional.empty());
        return new SweepHandler(SweepHandler.Collaborators.of(environment,
                        LambdaKmsClients.factory(Optional.of(role), environment.get("AWS_REGION"), "bench-SweepFunction"))
                .withAccountSweeps(this::invoke)
                .withContinuation((next, functionArn, payload) -> {
                    throw new IllegalStateException("the benchmark's run must finish in one invocation");
                })
                .withLogOutput(out));
    }

    /** An account's invocation, as Lambda's synchronous Invoke would run it in a warm container. */
    private AccountSweeps.Answer invoke(String functionArn, byte[] payload) {
        try {
            @SuppressWarnings("unchecked")
            Map<String, Object> event = (Map<String, Object>) JsonField.parse("payload", payload).plain();
            ScheduledEvent scheduled = new ScheduledEvent();
            scheduled.setId(String.valueOf(event.get("id")));
            @SuppressWarnings("unchecked")
            Map<String, Object> detail = (Map<String, Object>) event.get("detail");
            scheduled.setDetail(detail);
            return AccountSweeps.Answer.responded(asMap(handler().handleRequest(scheduled, new BenchContext(functionArn,
                    Duration.ofMinutes(15)))));
        } catch (RuntimeException e) {
            return AccountSweeps.Answer.failed(AccountSweeps.Kind.FUNCTION_ERROR, e.toString());
        }
    }

    private static ScheduledEvent scheduled() {
        ScheduledEvent event = new ScheduledEvent();
        event.setId(UUID.randomUUID().toString());
        event.setDetail(Map.of());
        return event;
    }

    private static Map<String, Object> asMap(Record record) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (RecordComponent component : record.getClass().getRecordComponents()) {
            try {
                map.put(component.getName(), component.getAccessor().invoke(record));
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }
        return map;
    }

    /** The Lambda context: its ARN and the time left of a 15-minute invocation. */
    private static final class BenchContext implements Context {
        private final String arn;
        private final long deadline;
        private final String requestId = UUID.randomUUID().toString();

        BenchContext(String arn, Duration budget) {
            this.arn = arn;
            this.deadline = System.nanoTime() + budget.toNanos();
        }

        @Override
        public String getAwsRequestId() {
            return requestId;
        }

        @Override
        public String getLogGroupName() {
            return "bench";
        }

        @Override
        public String getLogStreamName() {
            return "bench";
        }

        @Override
        public String getFunctionName() {
            return "bench-SweepFunction";
        }

        @Override
        public String getFunctionVersion() {
            return "$LATEST";
        }

        @Override
        public String getInvokedFunctionArn() {
            return arn;
        }

        @Override
        public CognitoIdentity getIdentity() {
            return null;
        }

        @Override
        public ClientContext getClientContext() {
            return null;
        }

        @Override
        public int getRemainingTimeInMillis() {
            return (int) Duration.ofNanos(deadline - System.nanoTime()).toMillis();
        }

        @Override
        public int getMemoryLimitInMB() {
            return 512;
        }

        @Override
        public LambdaLogger getLogger() {
            return null;
        }
    }
}
