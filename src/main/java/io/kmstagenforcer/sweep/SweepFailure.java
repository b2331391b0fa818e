package io.kmstagenforcer.sweep;

/**
 * The sweep could not list the region's keys, even after backing off. Thrown so that the invocation
 * fails and Lambda retries it with the same input, which starts again where this one was.
 */
public final class SweepFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient SweepSummary summary;

    SweepFailure(SweepSummary summary, Throwable cause) {
        super(summary.stoppedBecause().orElse("the sweep could not list the keys"), cause);
        this.summary = summary;
    }

    /** What the invocation had done before it failed. */
    public SweepSummary summary() {
        return summary;
    }
}
