package io.kmstagenforcer.aws;

import java.time.Duration;

/** Waits between a call and its retry: {@link #THREAD} in Lambda, a recorder in tests (no test waits for real). */
@FunctionalInterface
public interface Sleeper {
    void sleep(Duration duration) throws InterruptedException;

    Sleeper THREAD = duration -> Thread.sleep(duration.toMillis());
}
