package io.kmstagenforcer.policy;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One entry of the policy's {@code required} map.
 *
 * @param key          the tag key, exactly as it must appear
 * @param defaultValue written when the tag is missing or its value is not acceptable
 * @param fixedValue   always written, replacing any other value (the policy's {@code value})
 * @param allowed      when present, the only acceptable values (case-sensitive)
 * @param pattern      when present, a regular expression an acceptable value must contain a match
 *                     for (anchor it with {@code ^...$} to match the whole value)
 * @param organization the Organizations tag policy's rule for this key, when it has one: its allowed values must accept
 *                     a value too, and a key in another case is renamed to {@code key} (see {@link OrganizationTags})
 * @param onlyWhenPresent the key need not be there; a value it holds is judged (an organisation key neither the
 *                     organisation nor the local policy requires)
 */
public record RequiredTag(
        String key,
        Optional<ValueTemplate> defaultValue,
        Optional<ValueTemplate> fixedValue,
        Optional<List<String>> allowed,
        Optional<Pattern> pattern,
        Optional<OrganizationTagRule> organization,
        boolean onlyWhenPresent) {

    public RequiredTag {
        allowed = allowed.map(List::copyOf);
    }

    /** A local policy's rule: no organisation rule, always required. */
    public RequiredTag(String key, Optional<ValueTemplate> defaultValue, Optional<ValueTemplate> fixedValue, Optional<List<String>> allowed,
            Optional<Pattern> pattern) {
        this(key, defaultValue, fixedValue, allowed, pattern, Optional.empty(), false);
    }

    /** The local policy's rules and the organisation's both accept {@code value}. */
    public boolean accepts(String value) {
        return acceptsLocally(value) && organizationAllows(value);
    }

    /** The local policy's {@code allowed} and {@code pattern} accept {@code value}. */
    public boolean acceptsLocally(String value) {
        return allowed.map(values -> values.contains(value)).orElse(true)
                && pattern.map(regex -> regex.matcher(value).find()).orElse(true);
    }

    public boolean organizationAllows(String value) {
        return organization.map(rule -> rule.allows(value)).orElse(true);
    }

    /** Why the rules refuse {@code value}: the local rules', or the organisation's (naming its policy). */
    public String refusal(String value) {
        return acceptsLocally(value) ? organization.orElseThrow().refusal(value) : "the tag's rules reject \"" + value + "\"";
    }

    /** This rule, for {@code newKey} (the organisation's capitalisation) and with the organisation's rule for it. */
    public RequiredTag withOrganization(String newKey, Optional<OrganizationTagRule> rule, boolean whenPresentOnly) {
        return new RequiredTag(newKey, defaultValue, fixedValue, allowed, pattern, rule, whenPresentOnly);
    }

    /** True when {@code other} requires the same key with the same rules (patterns compared by their text). */
    public boolean sameRules(RequiredTag other) {
        return key.equals(other.key)
                && defaultValue.map(Object::toString).equals(other.defaultValue.map(Object::toString))
                && fixedValue.map(Object::toString).equals(other.fixedValue.map(Object::toString))
                && allowed.equals(other.allowed)
                && pattern.map(Pattern::pattern).equals(other.pattern.map(Pattern::pattern))
                && organization.equals(other.organization) && onlyWhenPresent == other.onlyWhenPresent;
    }

    /** The value this tag should be given, rendered for the event; empty when the policy names none. */
    public Optional<String> remedy(Map<TemplateVariable, String> variables) {
        return fixedValue.or(() -> defaultValue).map(template -> template.render(variables));
    }
}
