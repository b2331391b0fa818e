package io.kmstagenforcer.aws;

import io.kmstagenforcer.json.JsonField;
import io.kmstagenforcer.json.JsonShapeException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Security Hub's {@code BatchImportFindings}, made with {@link SignedCall} (the SDK's securityhub
 * module is not worth adding for one call): REST-JSON, a POST to {@code /findings/import} of
 * {@code securityhub.<region>...} with {@code {"Findings": [...]}}, signed for {@code securityhub}.
 * At most 100 findings a call (Security Hub API Reference, "BatchImportFindings"); a finding Security
 * Hub refused is not an error but an entry of the answer's {@code FailedFindings}
 * ({@code {"Id", "ErrorCode", "ErrorMessage"}}). With the default product ARN the caller must be the
 * findings' {@code AwsAccountId}: one instance per account, signed with that account's credentials.
 * IAM: {@code securityhub:BatchImportFindings} on the account's default product.
 */
public final class BatchImportFindings implements BatchSend.Call<BatchImportFindings.Finding> {
    static final String PATH = "/findings/import";
    public static final String SIGNING_NAME = "securityhub";
    /** The API's largest batch. */
    public static final int MAX_FINDINGS = 100;

    /** One finding: its {@code Id} and its ASFF JSON object, rendered by the caller. */
    public record Finding(String id, String json) {
    }

    private final SignedCall call;

    public BatchImportFindings(SignedCall call) {
        this.call = call;
    }

    /** The endpoint in {@code region}: {@code AWS_ENDPOINT_URL_SECURITYHUB}, else {@code AWS_ENDPOINT_URL}, else Security Hub's. */
    public static URI endpoint(String region, Map<String, String> environment) {
        return SignedCall.endpoint("SECURITYHUB", "securityhub", region, environment);
    }

    @Override
    public List<BatchSend.Failed<Finding>> send(List<Finding> batch) throws BatchSend.Unsent {
        StringBuilder body = new StringBuilder("{\"Findings\":[");
        for (int i = 0; i < batch.size(); i++) {
            body.append(i == 0 ? "" : ",").append(batch.get(i).json());
        }
        body.append("]}");
        SignedCall.Answer answer = BatchSend.accepted(call, "BatchImportFindings", PATH, Map.of("Content-Type", "application/json"),
                body.toString().getBytes(StandardCharsets.UTF_8));
        try {
            JsonField result = JsonField.parse("BatchImportFindings", answer.body());
            Map<String, Finding> byId = new HashMap<>();
            batch.forEach(finding -> byId.put(finding.id(), finding));
            List<BatchSend.Failed<Finding>> failed = new ArrayList<>();
            for (JsonField entry : result.get("FailedFindings").elements()) {
                Finding finding = byId.get(entry.get("Id").stringIfPresent().orElse(""));
                if (finding != null) {
                    String code = entry.get("ErrorCode").stringIfPresent().orElse("an unnamed error");
                    String message = entry.get("ErrorMessage").stringIfPresent().map(text -> ": " + text).orElse("");
                    failed.add(new BatchSend.Failed<>(finding, "BatchImportFindings refused the finding, " + code + message,
                            code.contains("Throttl") || code.equals("InternalFailure") || code.equals("InternalException")));
                }
            }
            return failed;
        } catch (JsonShapeException e) {
            throw new BatchSend.Unsent("BatchImportFindings answered in an unexpected shape: " + e.getMessage(), false, e);
        }
    }
}
