package io.kmstagenforcer;

import io.kmstagenforcer.enforce.EnforcementResult;
import io.kmstagenforcer.enforce.TagEnforcer;
import io.kmstagenforcer.kms.LambdaKmsClients;
import io.kmstagenforcer.output.EmbeddedMetrics;
import io.kmstagenforcer.output.LogLevel;
import io.kmstagenforcer.output.ResultJson;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.crac.Context;
import org.crac.Resource;

/**
 * Warms what the first event needs before Lambda takes the SnapStart snapshot: JSON parsing of an
 * event, the result and metrics writers, and the KMS request pipeline up to signing.
 *
 * <p>It makes no KMS call, writes no log line or metric, and leaves nothing unique to a container
 * in the snapshot: the real clients resolve credentials and open connections only on first use,
 * which is after restore.
 */
final class SnapStartPriming implements Resource {
    /** An AWS managed key's CreateKey: read to the end, then ignored, so no KMS call follows. */
    private static final byte[] PRIMING_EVENT = ("{\"version\":\"0\",\"id\":\"priming\",\"detail-type\":\"AWS API Call via CloudTrail\","
            + "\"source\":\"aws.kms\",\"account\":\"000000000000\",\"time\":\"2000-01-01T00:00:00Z\",\"region\":\"us-east-1\","
            + "\"resources\":[],\"detail\":{\"eventVersion\":\"1.08\",\"userIdentity\":{\"type\":\"AWSService\",\"invokedBy\":\"priming\"},"
            + "\"eventTime\":\"2000-01-01T00:00:00Z\",\"eventSource\":\"kms.amazonaws.com\",\"eventName\":\"CreateKey\","
            + "\"awsRegion\":\"us-east-1\",\"eventID\":\"priming\",\"responseElements\":{\"keyMetadata\":{"
            + "\"arn\":\"arn:aws:kms:us-east-1:000000000000:key/00000000-0000-0000-0000-000000000000\","
            + "\"keyManager\":\"AWS\",\"keyState\":\"Enabled\"}}}}").getBytes(StandardCharsets.UTF_8);

    private final TagEnforcer enforcer;
    private final EmbeddedMetrics metrics;
    private final String region;

    SnapStartPriming(TagEnforcer enforcer, EmbeddedMetrics metrics, String region) {
        this.enforcer = enforcer;
        this.metrics = metrics;
        this.region = region;
    }

    @Override
    public void beforeCheckpoint(Context<? extends Resource> context) {
        EnforcementResult result = enforcer.enforce(PRIMING_EVENT.clone());
        ResultJson.response(result);
        metrics.document(result, Instant.EPOCH, LogLevel.INFO);
        LambdaKmsClients.prime(region);
    }

    @Override
    public void afterRestore(Context<? extends Resource> context) {
        // Nothing to renew: no credentials, connections or timestamps were taken before the snapshot.
    }
}
