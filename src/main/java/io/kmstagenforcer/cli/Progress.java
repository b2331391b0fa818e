package io.kmstagenforcer.cli;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * A line on stderr every {@link #INTERVAL} while the report walks a large account
 * ({@code report: 1200 keys seen (37 would change)...}), and one when it is done. Silent when off.
 */
final class Progress {
    static final Duration INTERVAL = Duration.ofSeconds(2);

    private final PrintStream stderr;
    private final LongSupplier nanoTime;
    private final boolean enabled;
    private final long started;
    private long lastLine;
    private long keysSeen;
    private long wouldChange;

    Progress(PrintStream stderr, LongSupplier nanoTime, boolean enabled) {
        this.stderr = stderr;
        this.nanoTime = nanoTime;
        this.enabled = enabled;
        this.started = nanoTime.getAsLong();
        this.lastLine = started;
    }

    void seen(KeyReport key) {
        keysSeen++;
        if (key.wouldChange()) {
            wouldChange++;
        }
        long now = nanoTime.getAsLong();
        if (enabled && now - lastLine >= INTERVAL.toNanos()) {
            stderr.println("report: " + counts() + "...");
            lastLine = now;
        }
    }

    void done() {
        if (enabled) {
            stderr.println("report: " + counts() + ", done in "
                    + String.format(Locale.ROOT, "%.1f", (nanoTime.getAsLong() - started) / 1e9) + " s");
        }
    }

    private String counts() {
        return keysSeen + " keys seen (" + wouldChange + " would change)";
    }
}
