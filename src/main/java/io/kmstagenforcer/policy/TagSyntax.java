package io.kmstagenforcer.policy;

import java.util.Locale;
import java.util.regex.Pattern;

/** KMS's rules for tag keys and values. */
public final class TagSyntax {
    public static final int MAX_KEY_LENGTH = 128;
    public static final int MAX_VALUE_LENGTH = 256;
    /** User tags per key; {@code aws:} system tags do not count. */
    public static final int MAX_TAGS_PER_KEY = 50;

    private static final Pattern ALLOWED = Pattern.compile("[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*");
    private static final Pattern DISALLOWED_CHARACTER = Pattern.compile("[^\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]");
    private static final String REPLACEMENT = "_";

    private TagSyntax() {
    }

    /** Keys starting with {@code aws:} in any case belong to AWS and are never touched. */
    public static boolean isReserved(String key) {
        return key.toLowerCase(Locale.ROOT).startsWith("aws:");
    }

    public static boolean isValidKey(String key) {
        int length = key.codePointCount(0, key.length());
        return length >= 1 && length <= MAX_KEY_LENGTH && ALLOWED.matcher(key).matches();
    }

    public static boolean isValidValue(String value) {
        return value.codePointCount(0, value.length()) <= MAX_VALUE_LENGTH && ALLOWED.matcher(value).matches();
    }

    /**
     * Makes any text a valid tag value: characters KMS refuses become {@code _}, and the text is cut
     * to 256 characters (never inside a surrogate pair).
     */
    public static String toValidValue(String text) {
        String allowed = DISALLOWED_CHARACTER.matcher(text).replaceAll(REPLACEMENT);
        if (allowed.codePointCount(0, allowed.length()) <= MAX_VALUE_LENGTH) {
            return allowed;
        }
        return allowed.substring(0, allowed.offsetByCodePoints(0, MAX_VALUE_LENGTH));
    }
}
