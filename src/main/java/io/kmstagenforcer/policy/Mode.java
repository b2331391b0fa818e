package io.kmstagenforcer.policy;

import java.util.Locale;
import java.util.Optional;

/** Whether the enforcer writes its plan to KMS or only logs it. */
public enum Mode {
    ENFORCE,
    REPORT;

    public static Optional<Mode> fromName(String name) {
        for (Mode mode : values()) {
            if (mode.label().equals(name)) {
                return Optional.of(mode);
            }
        }
        return Optional.empty();
    }

    /** The lower-case name used in the policy JSON, the environment and the output. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
