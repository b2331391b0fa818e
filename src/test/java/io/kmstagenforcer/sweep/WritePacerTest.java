package io.kmstagenforcer.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The sweep's write pacing, on a clock that moves only when the pacer sleeps (or a test says so). */
class WritePacerTest {
    private long now = 5_000_000_000L;
    private final List<Duration> sleeps = new ArrayList<>();
    private final WritePacer pacer = new WritePacer(4, () -> now, duration -> {
        sleeps.add(duration);
        now += duration.toNanos();
    });

    @Test
    void theFirstWriteGoesAtOnce() {
        pacer.beforeWrite();

        assertEquals(List.of(), sleeps);
    }

    @Test
    void writesInABurstAreSpacedOneIntervalApart() {
        for (int i = 0; i < 4; i++) {
            pacer.beforeWrite();
        }

        Duration slot = Duration.ofMillis(250).plus(WritePacer.GUARD);
        assertEquals(List.of(slot, slot, slot), sleeps);
    }

    @Test
    void aWriteLongAfterThePreviousOneDoesNotWait() {
        pacer.beforeWrite();
        now += 1_000_000_000L;

        pacer.beforeWrite();

        assertEquals(List.of(), sleeps);
    }

    /**
     * A write's request may reach KMS late (a slow connection, a thread descheduled on its way out)
     * and the next one early; spaced from its answer, the next write cannot reach KMS within an interval
     * of it: the request had arrived before its answer came back. Measured: 6 accounts at 2 writes/s on
     * a loaded machine put two writes of one account 474 ms apart at the proxy when spaced from the send.
     */
    @Test
    void theNextWriteIsSpacedFromTheAnswerToThisOneWhenThatCameLaterThanItWent() {
        pacer.beforeWrite();
        long answered = now + Duration.ofMillis(40).toNanos();
        now = answered;
        pacer.accepted();

        pacer.beforeWrite();

        assertTrue(now - answered >= Duration.ofMillis(250).toNanos(), () -> "went " + (now - answered) / 1_000_000 + " ms after the answer");
    }

    @Test
    void throttlingHalvesTheRate() {
        pacer.beforeWrite();
        pacer.throttled();
        pacer.beforeWrite();

        assertEquals(2.0, pacer.currentRate());
        assertEquals(List.of(Duration.ofMillis(500).plus(WritePacer.GUARD)), sleeps);
    }

    @Test
    void throttlingNeverSlowsItBelowOneWriteInTenSeconds() {
        for (int i = 0; i < 20; i++) {
            pacer.throttled();
        }

        assertEquals(WritePacer.MINIMUM_RATE, pacer.currentRate());
        assertEquals(4.0, pacer.configuredRate());
    }

    @Test
    void aThrottledWriteHalvesTheRateAndEveryTenWritesTakenInARowWinBackATenthOfTheConfiguredRate() {
        pacer.throttled();
        acceptWrites(WritePacer.WRITES_BEFORE_STEP_UP - 1);
        assertEquals(2.0, pacer.currentRate(), "nine writes taken: not yet");

        acceptWrites(1);

        assertEquals(2.4, pacer.currentRate(), 1e-9);
        assertEquals(2.0, pacer.lowestRate());
    }

    @Test
    void aThrottledWriteStartsTheCountOfWritesTakenInARowAgain() {
        pacer.throttled();
        acceptWrites(WritePacer.WRITES_BEFORE_STEP_UP - 1);
        pacer.throttled();
        acceptWrites(WritePacer.WRITES_BEFORE_STEP_UP - 1);

        assertEquals(1.0, pacer.currentRate());
    }

    @Test
    void fromHalfTheConfiguredRateFiftyWritesTakenInARowWinItAllBack() {
        pacer.throttled();

        acceptWrites(5 * WritePacer.WRITES_BEFORE_STEP_UP);

        assertEquals(4.0, pacer.currentRate());
    }

    @Test
    void theRateIsWonBackUpToTheConfiguredRateAndNeverAbove() {
        pacer.throttled();
        acceptWrites(1_000);

        assertEquals(4.0, pacer.currentRate());
        assertEquals(2.0, pacer.lowestRate());
    }

    @Test
    void anInvocationStartsAtTheConfiguredRateWithItsOwnMeasures() {
        for (int i = 0; i < 4; i++) {
            pacer.beforeWrite();
        }
        pacer.throttled();
        pacer.throttled();

        pacer.beginInvocation();

        assertEquals(4.0, pacer.currentRate());
        assertEquals(4.0, pacer.lowestRate());
        assertEquals(0, pacer.peakWritesPerSecond());
    }

    private void acceptWrites(int count) {
        for (int i = 0; i < count; i++) {
            pacer.beforeWrite();
            pacer.accepted();
        }
    }

    @Test
    void thePeakCountsTheMostWritesWithinAnyOneSecond() {
        for (int i = 0; i < 10; i++) {
            pacer.beforeWrite();
        }

        assertEquals(4, pacer.peakWritesPerSecond(), "writes 252 ms apart: four in any second");
        assertEquals(10, pacer.writes());
    }

    /**
     * {@code Thread.sleep(duration.toMillis())} drops the sub-millisecond part: such a sleeper wakes up
     * to 1 ms early (and sleeps not at all for less than 1 ms, while the clock goes on: here 1 us a reading).
     */
    @Test
    void aSleeperThatWakesEarlyNeverLetsAWriteGoBeforeItsSlot() {
        WritePacer early = new WritePacer(4, () -> now += 1_000, duration -> now += duration.toMillis() * 1_000_000);
        List<Long> sent = new ArrayList<>();

        for (int i = 0; i < 6; i++) {
            now += 123_456;  // the work between two writes, not a whole number of milliseconds
            early.beforeWrite();
            sent.add(now);
        }

        assertGapsAtLeast(sent, Duration.ofMillis(250).plus(WritePacer.GUARD));
    }

    /**
     * A wake-up 300 ms late (a loaded machine, a GC pause) must not shorten the next gap: the next
     * slot is an interval after the write really went, not after the slot it was due in.
     */
    @Test
    void aLateWakeUpSpacesTheNextWriteFromWhenThisOneWentNotFromItsSlot() {
        List<Long> sent = new ArrayList<>();
        WritePacer late = new WritePacer(4, () -> now, duration -> now += duration.toNanos() + (sent.size() == 1 ? 300_000_000L : 0));

        for (int i = 0; i < 4; i++) {
            late.beforeWrite();
            sent.add(now);
        }

        assertEquals(Duration.ofMillis(552), Duration.ofNanos(sent.get(1) - sent.get(0)), "the late one");
        assertGapsAtLeast(sent, Duration.ofMillis(250).plus(WritePacer.GUARD));
    }

    /**
     * Whatever the sleeper and the machine do (wake up to 1 ms early or up to 400 ms late, work of up
     * to 300 ms between writes, throttling now and then), no one-second window of the pacer's own
     * send times holds more writes than the rate in force, and peakWritesPerSecond says so.
     */
    @Test
    void noOneSecondWindowOfSendTimesHoldsMoreWritesThanTheRateWhateverTheSleeperDoes() {
        Random random = new Random(15);
        for (int trial = 0; trial < 200; trial++) {
            int rate = 1 + random.nextInt(5);
            WritePacer unreliable = new WritePacer(rate, () -> now += 1_000, duration -> now += Math.max(0,
                    duration.toNanos() + (random.nextBoolean() ? -random.nextInt(1_000_000) : random.nextInt(400_000_000))));
            List<Long> sent = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                now += random.nextInt(3) == 0 ? random.nextInt(300_000_000) : 0;
                if (random.nextInt(20) == 0) {
                    unreliable.throttled();
                }
                unreliable.beforeWrite();
                sent.add(now);
            }
            int most = mostWithinOneSecond(sent);
            assertTrue(most <= rate, "trial " + trial + ": " + most + " writes within one second at " + rate + "/s");
            assertEquals(most, unreliable.peakWritesPerSecond(), "trial " + trial);
        }
    }

    private static int mostWithinOneSecond(List<Long> sent) {
        int most = 0;
        for (int first = 0; first < sent.size(); first++) {
            int last = first;
            while (last + 1 < sent.size() && sent.get(last + 1) - sent.get(first) < 1_000_000_000L) {
                last++;
            }
            most = Math.max(most, last - first + 1);
        }
        return most;
    }

    private static void assertGapsAtLeast(List<Long> sent, Duration interval) {
        for (int i = 1; i < sent.size(); i++) {
            Duration gap = Duration.ofNanos(sent.get(i) - sent.get(i - 1));
            assertTrue(gap.compareTo(interval) >= 0, "write " + i + " went " + gap + " after the one before, under " + interval);
        }
    }

    @Test
    void aRateBelowTheMinimumIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new WritePacer(0.05, () -> 0L, duration -> { }));
        assertThrows(IllegalArgumentException.class, () -> new WritePacer(Double.NaN, () -> 0L, duration -> { }));
    }
}
