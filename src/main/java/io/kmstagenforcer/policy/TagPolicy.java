package io.kmstagenforcer.policy;

import java.util.List;
import java.util.Optional;

/**
 * The organisation's tagging policy, validated: every key and literal value is one KMS accepts,
 * and no two rules contradict each other (so the enforcer never fights itself).
 */
public record TagPolicy(
        Mode mode,
        List<RequiredTag> required,
        List<KeyGlob> forbidden,
        boolean normalizeKeyCase,
        Optional<String> exemptTag) {

    public TagPolicy {
        required = List.copyOf(required);
        forbidden = List.copyOf(forbidden);
    }

    public boolean isForbidden(String key) {
        return forbidden.stream().anyMatch(glob -> glob.matches(key));
    }

    public TagPolicy withMode(Mode newMode) {
        return new TagPolicy(newMode, required, forbidden, normalizeKeyCase, exemptTag);
    }
}
