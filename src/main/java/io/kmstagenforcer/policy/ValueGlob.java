package io.kmstagenforcer.policy;

import java.util.regex.Pattern;

/**
 * A glob a scope matches a key's region, alias, key spec or tag value with: {@code *} is any run of
 * characters, nothing else is special, and case counts (KMS's aliases, key specs and tag values are
 * case-sensitive, unlike the tag-key globs of {@link KeyGlob}).
 */
public record ValueGlob(String glob, Pattern regex) {

    public static ValueGlob of(String glob) {
        return new ValueGlob(glob, KeyGlob.compile(glob, Pattern.DOTALL));
    }

    /** True when the glob has no {@code *}: it names exactly one value. */
    public boolean isLiteral() {
        return glob.indexOf('*') < 0;
    }

    public boolean matches(String value) {
        return regex.matcher(value).matches();
    }

    /**
     * False only when no value can match both: two different literals, or a literal the other glob
     * does not match. Two globs with a {@code *} each are taken to overlap.
     */
    public boolean mayOverlap(ValueGlob other) {
        if (isLiteral()) {
            return other.matches(glob);
        }
        return !other.isLiteral() || matches(other.glob);
    }
}
