package io.kmstagenforcer.policy;

import java.util.List;
import java.util.Optional;

/**
 * What is known of a key besides its tags, for matching scopes. A scope whose match needs a fact
 * that is not known does not apply: the enforcer reads every fact its policy's scopes need (and
 * only those), so this happens only where nothing could read it (a simulation without a key).
 *
 * @param account    the key's account, from its ARN
 * @param region     the key's region, from its ARN
 * @param aliases    every alias of the key (none is an empty list), when read
 * @param attributes the key's spec, usage, origin and multi-Region flag, when read
 */
public record KeyFacts(Optional<String> account, Optional<String> region, Optional<List<String>> aliases,
        Optional<KeyAttributes> attributes) {
    public static final KeyFacts NONE = new KeyFacts(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());

    public KeyFacts {
        aliases = aliases.map(List::copyOf);
    }

    public KeyFacts withAliases(List<String> keyAliases) {
        return new KeyFacts(account, region, Optional.of(keyAliases), attributes);
    }

    public KeyFacts withAttributes(KeyAttributes keyAttributes) {
        return new KeyFacts(account, region, aliases, Optional.of(keyAttributes));
    }
}
