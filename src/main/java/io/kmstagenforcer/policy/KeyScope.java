package io.kmstagenforcer.policy;

import java.util.List;

/**
 * Rules for some keys only: the keys {@code match} selects get the base policy's rules and these.
 *
 * @param name          how results, decision lines, the report and the simulator name it; unique in the policy
 * @param required      tags these keys must also have (keys the base policy does not require)
 * @param forbidden     tag-key globs these keys must also not have
 * @param protectedTags tag-key globs the enforcer must also never remove or give another value on these keys
 */
public record KeyScope(String name, ScopeMatch match, List<RequiredTag> required, List<KeyGlob> forbidden, List<KeyGlob> protectedTags) {
    public KeyScope {
        required = List.copyOf(required);
        forbidden = List.copyOf(forbidden);
        protectedTags = List.copyOf(protectedTags);
    }
}
