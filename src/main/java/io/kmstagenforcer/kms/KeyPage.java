package io.kmstagenforcer.kms;

import io.kmstagenforcer.event.KeyArn;
import java.util.List;
import java.util.Optional;

/**
 * One page of ListKeys.
 *
 * @param nextMarker where the next page starts; empty on the last page
 */
public record KeyPage(List<KeyArn> keys, Optional<String> nextMarker) {
    public KeyPage {
        keys = List.copyOf(keys);
    }
}
