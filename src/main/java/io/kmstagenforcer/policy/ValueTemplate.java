package io.kmstagenforcer.policy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * A tag value with {@code ${variable}} placeholders, parsed once when the policy loads.
 *
 * <p>Rendering never fails: a variable the event gives no value for renders as
 * {@value #NO_VALUE}, and the result is made a valid tag value.
 */
public final class ValueTemplate {
    /** What a variable without a value renders as. */
    public static final String NO_VALUE = "unknown";

    private sealed interface Part {
    }

    private record Text(String text) implements Part {
    }

    private record Variable(TemplateVariable variable) implements Part {
    }

    private final String source;
    private final List<Part> parts;

    private ValueTemplate(String source, List<Part> parts) {
        this.source = source;
        this.parts = List.copyOf(parts);
    }

    /** Parses a template; the exception message says what is wrong with it. */
    public static ValueTemplate parse(String source) {
        List<Part> parts = new ArrayList<>();
        int position = 0;
        while (position < source.length()) {
            int start = source.indexOf("${", position);
            if (start < 0) {
                parts.add(new Text(source.substring(position)));
                break;
            }
            if (start > position) {
                parts.add(new Text(source.substring(position, start)));
            }
            int end = source.indexOf('}', start);
            if (end < 0) {
                throw new IllegalArgumentException("'${' at position " + start + " is never closed");
            }
            String name = source.substring(start + 2, end);
            parts.add(new Variable(TemplateVariable.named(name).orElseThrow(
                    () -> new IllegalArgumentException("unknown variable ${" + name + "}"))));
            position = end + 1;
        }
        return new ValueTemplate(source, parts);
    }

    /** The text itself when the template has no variables. */
    public Optional<String> literal() {
        return parts.stream().allMatch(Text.class::isInstance) ? Optional.of(String.join("", literalParts())) : Optional.empty();
    }

    /** The variables the template uses, in order. */
    public List<TemplateVariable> variables() {
        return parts.stream().filter(Variable.class::isInstance).map(part -> ((Variable) part).variable()).toList();
    }

    /** The literal parts, which must be valid tag text on their own. */
    public List<String> literalParts() {
        return parts.stream().filter(Text.class::isInstance).map(part -> ((Text) part).text()).toList();
    }

    public String render(Map<TemplateVariable, String> values) {
        StringBuilder rendered = new StringBuilder();
        for (Part part : parts) {
            if (part instanceof Variable variable) {
                String value = values.get(variable.variable());
                rendered.append(value == null || value.isEmpty() ? NO_VALUE : value);
            } else {
                rendered.append(((Text) part).text());
            }
        }
        return TagSyntax.toValidValue(rendered.toString());
    }

    /**
     * A pattern for the renderings of this template: its text as it is, each variable as
     * {@code variablePattern} gives it (a regular expression).
     */
    public Pattern pattern(Function<TemplateVariable, String> variablePattern) {
        StringBuilder regex = new StringBuilder();
        for (Part part : parts) {
            regex.append(part instanceof Variable variable ? variablePattern.apply(variable.variable()) : Pattern.quote(((Text) part).text()));
        }
        return Pattern.compile(regex.toString());
    }

    @Override
    public String toString() {
        return source;
    }
}
