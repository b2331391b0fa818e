package io.kmstagenforcer.plan;

/** One way a key's tags break the policy, and what is (or is not) done about it. */
public record Violation(String key, Problem problem, String detail) {
}
