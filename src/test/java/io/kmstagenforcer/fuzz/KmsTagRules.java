package io.kmstagenforcer.fuzz;

import java.util.Optional;

/**
 * KMS's rules for a tag, re-implemented from AWS's documentation for the fuzzer's oracle and
 * deliberately not through the project's {@code TagSyntax}: a key is 1 to 128 characters, a value
 * 0 to 256, counted in Unicode code points; both use only Unicode letters, numbers and separators
 * (the documented pattern {@code ^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$}) and {@code _ . : / = + - @};
 * a key may not start with {@code aws:} in any case. Tab, newline and other control characters are
 * not separators ({@code \p{Z}} is the Zs, Zl and Zp categories), and a lone surrogate is no
 * character at all.
 */
final class KmsTagRules {
    static final int MAX_KEY_CODE_POINTS = 128;
    static final int MAX_VALUE_CODE_POINTS = 256;
    private static final String ALLOWED_PUNCTUATION = "_.:/=+-@";

    private KmsTagRules() {
    }

    /** Why KMS would refuse this tag key, or empty when it would accept it. */
    static Optional<String> keyProblem(String key) {
        if (key == null) {
            return Optional.of("the key is null");
        }
        long length = key.codePoints().count();
        if (length < 1 || length > MAX_KEY_CODE_POINTS) {
            return Optional.of("the key is " + length + " characters long (1 to " + MAX_KEY_CODE_POINTS + " allowed)");
        }
        if (key.length() >= 4 && key.regionMatches(true, 0, "aws:", 0, 4)) {
            return Optional.of("the key starts with aws:, which is reserved");
        }
        return characterProblem("key", key);
    }

    /** Why KMS would refuse this tag value, or empty when it would accept it. */
    static Optional<String> valueProblem(String value) {
        if (value == null) {
            return Optional.of("the value is null");
        }
        long length = value.codePoints().count();
        if (length > MAX_VALUE_CODE_POINTS) {
            return Optional.of("the value is " + length + " characters long (at most " + MAX_VALUE_CODE_POINTS + " allowed)");
        }
        return characterProblem("value", value);
    }

    private static Optional<String> characterProblem(String what, String text) {
        return text.codePoints()
                .filter(codePoint -> !isAllowed(codePoint))
                .mapToObj(codePoint -> String.format("the %s holds U+%04X (%s), which is not a letter, number, separator or one of %s",
                        what, codePoint, Character.getName(codePoint), ALLOWED_PUNCTUATION))
                .findFirst();
    }

    static boolean isAllowed(int codePoint) {
        switch (Character.getType(codePoint)) {
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                    Character.MODIFIER_LETTER, Character.OTHER_LETTER, // \p{L}
                    Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER, // \p{N}
                    Character.SPACE_SEPARATOR, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR: // \p{Z}
                return true;
            default:
                return ALLOWED_PUNCTUATION.indexOf(codePoint) >= 0;
        }
    }
}
