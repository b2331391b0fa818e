package io.kmstagenforcer.sweep;

import java.util.Optional;

/**
 * Where a sweep stopped: the account it was in, the ListKeys page it was in (by the marker that
 * fetched it) and the last key it finished there. A follow-up invocation lists that page again and
 * carries on after that key. If the key is gone from the page (deleted meanwhile), the whole page is
 * done again: harmless, since a compliant key costs one read and no write.
 *
 * @param pageMarker the ListKeys marker of the page; empty for the first page
 * @param afterKeyId the last key finished in that page; empty when none was
 * @param account    the member account the page is in; empty for the function's own account
 */
public record SweepPosition(Optional<String> pageMarker, Optional<String> afterKeyId, Optional<String> account) {
    public static final SweepPosition START = new SweepPosition(Optional.empty(), Optional.empty());

    /** A place in the function's own account. */
    public SweepPosition(Optional<String> pageMarker, Optional<String> afterKeyId) {
        this(pageMarker, afterKeyId, Optional.empty());
    }

    /** The first key of {@code account} (empty: the function's own). */
    static SweepPosition startOf(Optional<String> account) {
        return new SweepPosition(Optional.empty(), Optional.empty(), account);
    }
}
