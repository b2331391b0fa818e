package io.kmstagenforcer;

import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;
import java.time.Duration;
import java.util.UUID;
import java.util.function.LongSupplier;

/** A Lambda context whose remaining time a test controls (a fake clock's, or the wall clock's). */
public final class FakeContext implements Context {
    public static final String FUNCTION_ARN = "arn:aws:lambda:eu-west-1:111122223333:function:kms-tag-enforcer-SweepFunction-X";

    private final String requestId = UUID.randomUUID().toString();
    private final LongSupplier remainingMillis;

    public FakeContext(LongSupplier remainingMillis) {
        this.remainingMillis = remainingMillis;
    }

    /** An invocation that must end {@code budget} from now, by the wall clock, as Lambda's deadline does. */
    public static FakeContext endingIn(Duration budget) {
        long deadline = System.nanoTime() + budget.toNanos();
        return new FakeContext(() -> Duration.ofNanos(deadline - System.nanoTime()).toMillis());
    }

    @Override
    public String getAwsRequestId() {
        return requestId;
    }

    @Override
    public String getLogGroupName() {
        return "/aws/lambda/kms-tag-enforcer-SweepFunction-X";
    }

    @Override
    public String getLogStreamName() {
        return "stream";
    }

    @Override
    public String getFunctionName() {
        return "kms-tag-enforcer-SweepFunction-X";
    }

    @Override
    public String getFunctionVersion() {
        return "$LATEST";
    }

    @Override
    public String getInvokedFunctionArn() {
        return FUNCTION_ARN;
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
        return (int) remainingMillis.getAsLong();
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
