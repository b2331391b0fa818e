package io.kmstagenforcer.sweep;

import java.util.Optional;

/**
 * Where a sweep stopped: the ListKeys page it was in (by the marker that fetched it) and the last
 * key it finished there. A follow-up invocation lists that page again and carries on after that key.
 * If the key is gone from the page (deleted meanwhile), the whole page is done again: harmless, since
 * a compliant key costs one read and no write.
 *
 * @param pageMarker the ListKeys marker of the page; empty for the first page
 * @param afterKeyId the last key finished in that page; empty when none was
 */
public record SweepPosition(Optional<String> pageMarker, Optional<String> afterKeyId) {
    public static final SweepPosition START = new SweepPosition(Optional.empty(), Optional.empty());
}
