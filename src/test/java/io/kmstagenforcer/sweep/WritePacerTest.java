package io.kmstagenforcer.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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

    @Test
    void aRateBelowTheMinimumIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new WritePacer(0.05, () -> 0L, duration -> { }));
        assertThrows(IllegalArgumentException.class, () -> new WritePacer(Double.NaN, () -> 0L, duration -> { }));
    }
}
