package io.kmstagenforcer;

import io.kmstagenforcer.event.EnforcerIdentity;
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
record Settings(TagPolicy policy, String metricsNamespace, String functionName, LogLevel logLevel, Optional<String> region,
        EnforcerIdentity identity, double sweepWritesPerSecond) {
    static final String TAG_POLICY = "TAG_POLICY";
    static final String ENFORCEMENT_MODE = "ENFORCEMENT_MODE";
    static final String METRICS_NAMESPACE = "METRICS_NAMESPACE";
    static final String DEFAULT_NAMESPACE = "KmsTagEnforcer";
    /** ENFORCEMENT_MODE value meaning "use the policy's own mode". */
    static final String POLICY_MODE = "policy";
    /** The execution role's name: drift events made with it are the enforcer's own writes. */
    static final String ENFORCER_ROLE_NAME = "ENFORCER_ROLE_NAME";
    static final String FUNCTION_NAME = "AWS_LAMBDA_FUNCTION_NAME";
    static final String SWEEP_WRITES_PER_SECOND = "SWEEP_WRITES_PER_SECOND";
    /** Two fifths of UntagResource's 5/s, the lower of KMS's two write quotas: most of it stays for everyone else. */
    static final double DEFAULT_SWEEP_WRITES_PER_SECOND = 2;
    /** KMS's UntagResource quota: a sweep faster than that would take the account's whole quota. */
    static final double MAX_SWEEP_WRITES_PER_SECOND = 5;

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
                environment.getOrDefault(FUNCTION_NAME, "local"),
                LogLevel.fromEnvironment(environment.get("AWS_LAMBDA_LOG_LEVEL")),
                Optional.ofNullable(environment.get("AWS_REGION")),
                new EnforcerIdentity(Optional.ofNullable(environment.get(ENFORCER_ROLE_NAME)),
                        Optional.ofNullable(environment.get(FUNCTION_NAME))),
                sweepWritesPerSecond(environment.get(SWEEP_WRITES_PER_SECOND)));
    }

    private static double sweepWritesPerSecond(String value) {
        if (value == null || value.isBlank()) {
            return DEFAULT_SWEEP_WRITES_PER_SECOND;
        }
        double rate;
        try {
            rate = Double.parseDouble(value.trim());
        } catch (NumberFormatException e) {
            rate = Double.NaN;
        }
        if (!(rate >= 0.1 && rate <= MAX_SWEEP_WRITES_PER_SECOND)) {
            throw new IllegalArgumentException(SWEEP_WRITES_PER_SECOND + " must be a number from 0.1 to "
                    + MAX_SWEEP_WRITES_PER_SECOND + " (writes per second), not \"" + value + "\"");
        }
        return rate;
    }
}
