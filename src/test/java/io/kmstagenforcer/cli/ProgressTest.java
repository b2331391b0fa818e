package io.kmstagenforcer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kmstagenforcer.enforce.Outcome;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ProgressTest {
    private static final KeyReport COMPLIANT = new KeyReport("arn:1", Outcome.COMPLIANT, Optional.empty(), Optional.empty(),
            TagChanges.NONE, List.of());
    private static final KeyReport REPORTED = new KeyReport("arn:2", Outcome.REPORTED, Optional.empty(), Optional.empty(),
            TagChanges.NONE, List.of());

    private final AtomicLong now = new AtomicLong();
    private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();

    private Progress progress(boolean enabled) {
        return new Progress(new PrintStream(stderr, true, StandardCharsets.UTF_8), now::get, enabled);
    }

    private String printed() {
        return stderr.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aLineEveryTwoSecondsCountsTheKeysSeenAndThoseThatWouldChange() {
        Progress progress = progress(true);
        progress.seen(COMPLIANT);
        progress.seen(REPORTED);
        now.addAndGet(Duration.ofMillis(1999).toNanos());
        progress.seen(COMPLIANT);
        assertEquals("", printed());

        now.addAndGet(Duration.ofMillis(1).toNanos());
        progress.seen(REPORTED);

        assertEquals("report: 4 keys seen (2 would change)...\n", printed());
    }

    @Test
    void theLastLineSaysHowLongItTook() {
        Progress progress = progress(true);
        progress.seen(REPORTED);
        now.addAndGet(Duration.ofMillis(1250).toNanos());

        progress.done();

        assertEquals("report: 1 keys seen (1 would change), done in 1.3 s\n", printed());
    }

    @Test
    void disabledItPrintsNothing() {
        Progress progress = progress(false);
        now.addAndGet(Duration.ofSeconds(10).toNanos());
        progress.seen(REPORTED);
        progress.done();

        assertEquals("", printed());
    }
}
