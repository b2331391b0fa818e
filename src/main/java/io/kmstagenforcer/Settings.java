package io.kmstagenforcer;

import io.kmstagenforcer.output.LogLevel;
import io.kmstagenforcer.policy.Mode;
import io.kmstagenforcer.policy.PolicyException;
import io.kmstagenforcer.policy.PolicyParser;
import io.kmstagenforcer.policy.TagPolicy;
import java.util.Map;
import java.util.Optional;

/**
 * The function's configuration, read from its environment once per container. Anything wrong
 * fails the initialisation with a message that names the variable and the field.
 */
record Settings(TagPolicy policy, String metricsNamespace, String functionName, LogLevel logLevel, Optional<String> region) {
    static final String TAG_POLICY = "TAG_POLICY";
    static final String ENFORCEMENT_MODE = "ENFORCEMENT_MODE";
    static final String METRICS_NAMESPACE = "METRICS_NAMESPACE";
    static final String DEFAULT_NAMESPACE = "KmsTagEnforcer";
    /** ENFORCEMENT_MODE value meaning "use the policy's own mode". */
    static final String POLICY_MODE = "policy";

    static Settings fromEnvironment(Map<String, String> environment) {
        String policyJson = environment.get(TAG_POLICY);
        if (policyJson == null || policyJson.isBlank()) {
            throw new PolicyException(TAG_POLICY + " is not set: it must hold the tag policy as JSON");
        }
        TagPolicy policy = PolicyParser.parse(TAG_POLICY, policyJson);
        String override = environment.getOrDefault(ENFORCEMENT_MODE, "").trim();
        if (!override.isEmpty() && !POLICY_MODE.equals(override)) {
            policy = policy.withMode(Mode.fromName(override).orElseThrow(() -> new PolicyException(
                    ENFORCEMENT_MODE + " must be enforce, report or policy, not \"" + override + "\"")));
        }
        String namespace = environment.getOrDefault(METRICS_NAMESPACE, "");
        return new Settings(
                policy,
                namespace.isBlank() ? DEFAULT_NAMESPACE : namespace,
                environment.getOrDefault("AWS_LAMBDA_FUNCTION_NAME", "local"),
                LogLevel.fromEnvironment(environment.get("AWS_LAMBDA_LOG_LEVEL")),
                Optional.ofNullable(environment.get("AWS_REGION")));
    }
}
