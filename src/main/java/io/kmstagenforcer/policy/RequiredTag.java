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
 */
public record RequiredTag(
        String key,
        Optional<ValueTemplate> defaultValue,
        Optional<ValueTemplate> fixedValue,
        Optional<List<String>> allowed,
        Optional<Pattern> pattern) {

    public RequiredTag {
        allowed = allowed.map(List::copyOf);
    }

    public boolean accepts(String value) {
        return allowed.map(values -> values.contains(value)).orElse(true)
                && pattern.map(regex -> regex.matcher(value).find()).orElse(true);
    }

    /** True when {@code other} requires the same key with the same rules (patterns compared by their text). */
    public boolean sameRules(RequiredTag other) {
        return key.equals(other.key)
                && defaultValue.map(Object::toString).equals(other.defaultValue.map(Object::toString))
                && fixedValue.map(Object::toString).equals(other.fixedValue.map(Object::toString))
                && allowed.equals(other.allowed)
                && pattern.map(Pattern::pattern).equals(other.pattern.map(Pattern::pattern));
    }

    /** The value this tag should be given, rendered for the event; empty when the policy names none. */
    public Optional<String> remedy(Map<TemplateVariable, String> variables) {
        return fixedValue.or(() -> defaultValue).map(template -> template.render(variables));
    }
}
