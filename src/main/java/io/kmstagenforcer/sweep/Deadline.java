package io.kmstagenforcer.sweep;

import java.time.Duration;

/** How much time the current invocation has left; the sweep stops in time and hands the rest on. */
@FunctionalInterface
public interface Deadline {
    /** No limit: a sweep run from a laptop goes on until every key is seen. */
    Deadline NONE = () -> Duration.ofDays(365);

    Duration remaining();
}
