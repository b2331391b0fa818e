package io.kmstagenforcer.output;

import java.util.Locale;

/** Lambda's application log levels, as set by {@code LoggingConfig.ApplicationLogLevel}. */
public enum LogLevel {
    TRACE, DEBUG, INFO, WARN, ERROR, FATAL;

    /** The level Lambda passes in {@code AWS_LAMBDA_LOG_LEVEL}; INFO when unset or unknown. */
    public static LogLevel fromEnvironment(String value) {
        if (value != null) {
            for (LogLevel level : values()) {
                if (level.name().equals(value.trim().toUpperCase(Locale.ROOT))) {
                    return level;
                }
            }
        }
        return INFO;
    }

    public boolean includes(LogLevel other) {
        return other.ordinal() >= ordinal();
    }

    /** This level, or {@code floor} when that is higher. */
    public LogLevel atLeast(LogLevel floor) {
        return floor.ordinal() > ordinal() ? floor : this;
    }
}
