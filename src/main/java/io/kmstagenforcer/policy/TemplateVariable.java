package io.kmstagenforcer.policy;

import java.util.Optional;

/** The {@code ${...}} variables a tag value template may use, all drawn from the event. */
public enum TemplateVariable {
    ACCOUNT("account"),
    REGION("region"),
    KEY_ID("keyId"),
    KEY_ARN("keyArn"),
    PRINCIPAL("principal"),
    PRINCIPAL_ROLE("principal.role"),
    PRINCIPAL_ARN("principal.arn"),
    PRINCIPAL_TYPE("principal.type"),
    EVENT_TIME("eventTime"),
    EVENT_DATE("eventDate"),
    EVENT_NAME("eventName");

    private final String variableName;

    TemplateVariable(String variableName) {
        this.variableName = variableName;
    }

    public String variableName() {
        return variableName;
    }

    public static Optional<TemplateVariable> named(String name) {
        for (TemplateVariable variable : values()) {
            if (variable.variableName.equals(name)) {
                return Optional.of(variable);
            }
        }
        return Optional.empty();
    }
}
