package io.kmstagenforcer.org;

import io.kmstagenforcer.kms.Deadline;
import io.kmstagenforcer.policy.EffectivePolicy;
import io.kmstagenforcer.policy.OrganizationTags;
import io.kmstagenforcer.policy.PolicySource;
import io.kmstagenforcer.policy.TagPolicy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The local policy merged with the Organizations tag policy's required tags for {@code kms:key},
 * read lazily: on the first key an invocation enforces, never while the container initialises (so
 * never before a SnapStart snapshot, whose priming event enforces no key), then again after
 * {@link #TTL}.
 *
 * <p>When the list cannot be read, the local policy is enforced alone (a last good list, if there
 * is one, is kept), and the next invocation tries again; within one invocation (a sweep's many keys)
 * it is tried once. One warning per container says the list became unavailable, not one per event.
 */
public final class OrganizationPolicy implements PolicySource {
    /**
     * Tag policies change rarely, and each read is a call (with its latency) in an event's
     * invocation: a long-lived container re-reads after this, and a new container reads anew anyway.
     */
    public static final Duration TTL = Duration.ofHours(6);

    private final TagPolicy local;
    private final RequiredTagsSource source;
    private final Clock clock;
    private final Consumer<String> warnings;

    private EffectivePolicy lastGood;
    private Instant readAt;
    /** The invocation the last failed read was made in; -1: none failed since the last good read. */
    private long failedInInvocation = -1;
    private String failure;
    private boolean warnedUnavailable;
    private long invocation;

    /**
     * @param warnings receives each warning line's message: the list became unavailable, a required key left out
     */
    public OrganizationPolicy(TagPolicy local, RequiredTagsSource source, Clock clock, Consumer<String> warnings) {
        this.local = local;
        this.source = source;
        this.clock = clock;
        this.warnings = warnings;
    }

    @Override
    public synchronized void beginInvocation() {
        invocation++;
    }

    @Override
    public synchronized EffectivePolicy current(Deadline deadline) {
        boolean fresh = lastGood != null && clock.instant().isBefore(readAt.plus(TTL));
        if (fresh) {
            return lastGood;
        }
        if (failedInInvocation != invocation) {
            read(deadline);
        }
        if (failedInInvocation == -1) {
            return lastGood;
        }
        if (lastGood != null) {
            return new EffectivePolicy(lastGood.policy(), Optional.of(lastGood.organizationRequiredTags().orElseThrow()
                    + " (kept: the refresh failed, " + failure + ")"));
        }
        return new EffectivePolicy(local, Optional.of(EffectivePolicy.UNAVAILABLE + ": " + failure));
    }

    private void read(Deadline deadline) {
        List<String> keys;
        try {
            keys = source.kmsKeyTagKeys(deadline);
        } catch (RequiredTagsUnavailable e) {
            failedInInvocation = invocation;
            failure = e.getMessage();
            if (!warnedUnavailable) {
                warnedUnavailable = true;
                warnings.accept("the Organizations tag policy's required tags are unavailable (" + failure + "): "
                        + (lastGood == null ? "the local policy alone is enforced" : "the last list read is kept")
                        + "; tried again on the next invocation");
            }
            return;
        }
        OrganizationTags.Merge merge = OrganizationTags.merge(local, keys);
        merge.warnings().forEach(warnings);
        lastGood = new EffectivePolicy(merge.policy(), Optional.of(EffectivePolicy.READ + ": "
                + (merge.required().isEmpty() ? "none for kms:key" : String.join(", ", merge.required()))));
        readAt = clock.instant();
        failedInInvocation = -1;
        failure = null;
        warnedUnavailable = false;
    }
}
