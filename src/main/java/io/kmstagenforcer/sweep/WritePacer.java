package io.kmstagenforcer.sweep;

import io.kmstagenforcer.enforce.NotFoundRetry.Sleeper;
import io.kmstagenforcer.kms.WriteGate;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.LongSupplier;

/**
 * Spaces the sweep's TagResource and UntagResource calls evenly below a rate, halves that rate when
 * KMS throttles a write, and wins it back a step at a time while KMS takes writes without throttling.
 * KMS's write quotas (TagResource 10/s, UntagResource 5/s) are per account and region and shared with
 * every other caller, so a sweep that remediates hundreds of keys must leave most of them to everyone
 * else; but a short burst of someone else's writes must not leave a large sweep crawling for the rest
 * of it. Only writes move the rate: reads have quotas of their own and do not use up the write quota.
 *
 * <p>Each invocation starts at the configured rate. The pacer measures what it let through in the
 * invocation: the peak number of writes in any one-second window (the figure to hold against the
 * quota) and the lowest rate it went down to.
 */
public final class WritePacer implements WriteGate {
    /** The slowest it goes after throttling: one write every ten seconds. */
    static final double MINIMUM_RATE = 0.1;
    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    /**
     * Added to every interval: the request leaves a little after the pacer lets it go, and by a
     * varying amount, so spacing slots exactly one interval apart could put two writes a few
     * microseconds closer than that at KMS. Two milliseconds keep them at or below the rate.
     */
    static final Duration GUARD = Duration.ofMillis(2);
    /** Writes KMS takes in a row without throttling before the rate goes up a step. */
    static final int WRITES_BEFORE_STEP_UP = 10;
    /** The step up, as a part of the configured rate: from half of it back to all of it in 5 steps (50 writes). */
    static final double STEP_UP = 0.1;

    private final LongSupplier nanoTime;
    private final Sleeper sleeper;
    private final double configuredRate;
    private double rate;
    private double lowestRate;
    private int acceptedInARow;
    private long nextSlot = Long.MIN_VALUE;
    private long writes;
    private int peakWritesPerSecond;
    private final Deque<Long> lastSecond = new ArrayDeque<>();

    public WritePacer(double writesPerSecond, LongSupplier nanoTime, Sleeper sleeper) {
        if (!(writesPerSecond >= MINIMUM_RATE)) {
            throw new IllegalArgumentException("the write rate must be at least " + MINIMUM_RATE + " per second, not " + writesPerSecond);
        }
        this.configuredRate = writesPerSecond;
        this.rate = writesPerSecond;
        this.lowestRate = writesPerSecond;
        this.nanoTime = nanoTime;
        this.sleeper = sleeper;
    }

    @Override
    public synchronized void beforeWrite() {
        awaitSlot();
        // From when the write really goes, not when it was due: a late wake-up must not shorten the next gap.
        long sent = nanoTime.getAsLong();
        nextSlot = sent + intervalNanos() + GUARD.toNanos();
        record(sent);
    }

    @Override
    public synchronized void awaitSlot() {
        // Until the slot, whatever the sleeper's precision: one that drops sub-millisecond parts wakes early.
        for (long now = nanoTime.getAsLong(); nextSlot != Long.MIN_VALUE && nextSlot > now; now = nanoTime.getAsLong()) {
            try {
                sleeper.sleep(Duration.ofNanos(nextSlot - now));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while pacing KMS writes", e);
            }
        }
    }

    @Override
    public synchronized Duration nextWait() {
        long now = nanoTime.getAsLong();
        return nextSlot == Long.MIN_VALUE || nextSlot <= now ? Duration.ZERO : Duration.ofNanos(nextSlot - now);
    }

    /**
     * A new invocation: back to the configured rate, and the measures begin again. Another caller's
     * throttling in an earlier invocation of this container says nothing about now.
     */
    public synchronized void beginInvocation() {
        rate = configuredRate;
        lowestRate = configuredRate;
        acceptedInARow = 0;
        peakWritesPerSecond = 0;
        lastSecond.clear();
    }

    /** KMS throttled a write: go at half the rate from now on (never below {@value #MINIMUM_RATE}/s). */
    @Override
    public synchronized void throttled() {
        rate = Math.max(MINIMUM_RATE, rate / 2);
        lowestRate = Math.min(lowestRate, rate);
        acceptedInARow = 0;
        if (nextSlot != Long.MIN_VALUE) {
            nextSlot = Math.max(nextSlot, nanoTime.getAsLong() + intervalNanos() + GUARD.toNanos());
        }
    }

    /**
     * KMS took a write: the next write waits an interval from now as well as from when this one went.
     * After {@value #WRITES_BEFORE_STEP_UP} in a row, the rate goes up by a tenth of the configured
     * rate (additive increase after the multiplicative decrease), never above it.
     */
    @Override
    public synchronized void accepted() {
        // From the answer too: the request had reached KMS before its answer came back, so the next
        // one cannot reach KMS within an interval of it, however late this one travelled.
        if (nextSlot != Long.MIN_VALUE) {
            nextSlot = Math.max(nextSlot, nanoTime.getAsLong() + intervalNanos());
        }
        if (rate >= configuredRate) {
            return;
        }
        acceptedInARow++;
        if (acceptedInARow == WRITES_BEFORE_STEP_UP) {
            double raised = rate + configuredRate * STEP_UP;
            // Within rounding of the configured rate is the configured rate: 2.0 + 5 * 0.4 is 3.9999999999999996 in doubles.
            rate = raised > configuredRate * (1 - 1e-9) ? configuredRate : raised;
            acceptedInARow = 0;
        }
    }

    public synchronized double configuredRate() {
        return configuredRate;
    }

    /** The rate in force now: the configured one, or less after throttling. */
    public synchronized double currentRate() {
        return rate;
    }

    /** The lowest rate of this invocation: the configured one unless a write was throttled. */
    public synchronized double lowestRate() {
        return lowestRate;
    }

    public synchronized long writes() {
        return writes;
    }

    /** The most writes let through within any one second. */
    public synchronized int peakWritesPerSecond() {
        return peakWritesPerSecond;
    }

    /** The longest a write waits for its slot at the current rate. */
    public synchronized Duration interval() {
        return Duration.ofNanos(intervalNanos());
    }

    private long intervalNanos() {
        return (long) (NANOS_PER_SECOND / rate);
    }

    private void record(long time) {
        writes++;
        lastSecond.addLast(time);
        while (time - lastSecond.peekFirst() >= NANOS_PER_SECOND) {
            lastSecond.removeFirst();
        }
        peakWritesPerSecond = Math.max(peakWritesPerSecond, lastSecond.size());
    }
}
