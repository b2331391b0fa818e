package io.kmstagenforcer.org;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The accounts a sweep run covers beyond the ones it is given: those of the organisation under some OUs. */
@FunctionalInterface
public interface AccountDiscovery {
    /** @param parents OU ids ({@code ou-...}) or the root's ({@code r-...}) */
    Discovered accountsUnder(List<String> parents);

    /**
     * @param active    the ACTIVE accounts under the parents, each once, in the order found
     * @param notActive the others (SUSPENDED, PENDING_CLOSURE...), by account, with their state: not swept
     * @param failed    the parents that could not be listed, with why
     */
    record Discovered(List<String> active, Map<String, String> notActive, Map<String, String> failed) {
        public Discovered {
            active = List.copyOf(active);
            notActive = Collections.unmodifiableMap(new LinkedHashMap<>(notActive));
            failed = Collections.unmodifiableMap(new LinkedHashMap<>(failed));
        }
    }
}
