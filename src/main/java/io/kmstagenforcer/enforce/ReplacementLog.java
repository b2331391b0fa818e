package io.kmstagenforcer.enforce;

import java.util.Map;
import java.util.Optional;

/**
 * Where the values a key's writes are about to replace or remove are recorded, before the write
 * that would lose them is sent. The decision line lists them too, but only once every write is
 * done: a function stopped in between (timeout, out of memory, a crash between TagResource and
 * UntagResource) would otherwise lose a value KMS no longer holds.
 */
@FunctionalInterface
public interface ReplacementLog {
    /** Records nothing: tests and tools that keep no log. */
    ReplacementLog NONE = (keyArn, trigger, eventId, previousValues) -> { };

    /**
     * @param trigger        the CloudTrail event's name, or {@code Sweep}
     * @param previousValues each tag the next write replaces or removes, with the value it holds now
     */
    void replacing(String keyArn, String trigger, Optional<String> eventId, Map<String, String> previousValues);
}
