package io.kmstagenforcer.policy;

import java.util.regex.Pattern;

/** A tag-key glob from the policy's {@code forbidden} or {@code protectedTags} list: {@code *} is any run of characters, case ignored. */
public record KeyGlob(String glob, Pattern regex) {

    public static KeyGlob of(String glob) {
        return new KeyGlob(glob, compile(glob, Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE | Pattern.DOTALL));
    }

    /** The regular expression of a glob: {@code *} is any run of characters, everything else literal. */
    static Pattern compile(String glob, int flags) {
        StringBuilder regex = new StringBuilder();
        for (String literal : glob.split("\\*", -1)) {
            if (regex.length() > 0) {
                regex.append(".*");
            }
            regex.append(Pattern.quote(literal));
        }
        return Pattern.compile(regex.toString(), flags);
    }

    /** True when the glob has no {@code *}: it names exactly one key (ignoring case). */
    public boolean isLiteral() {
        return glob.indexOf('*') < 0;
    }

    public boolean matches(String key) {
        return regex.matcher(key).matches();
    }
}
