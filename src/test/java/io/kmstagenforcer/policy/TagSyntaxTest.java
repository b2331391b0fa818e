package io.kmstagenforcer.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** KMS's rules for tag keys and values: letters, digits and spaces of any script, {@code _ . : / = + - @}, and a length limit. */
class TagSyntaxTest {
    /** U+20000, a CJK ideograph: one letter, two UTF-16 chars. */
    private static final String SUPPLEMENTARY_LETTER = "\uD840\uDC00";

    @ParameterizedTest
    @MethodSource
    void validKeys(String key) {
        assertTrue(TagSyntax.isValidKey(key));
    }

    static Stream<String> validKeys() {
        return Stream.of("Owner", "cost-center", "a.b:c/d=e+f-g@h_i", "with space", "Propriétaire", "所有者", "Ключ",
                "١٢٣", "tag-enforcer:exempt", "K".repeat(TagSyntax.MAX_KEY_LENGTH),
                SUPPLEMENTARY_LETTER.repeat(TagSyntax.MAX_KEY_LENGTH));
    }

    @ParameterizedTest
    @MethodSource
    void invalidKeys(String key) {
        assertFalse(TagSyntax.isValidKey(key));
    }

    static Stream<String> invalidKeys() {
        return Stream.of("", "K".repeat(TagSyntax.MAX_KEY_LENGTH + 1), SUPPLEMENTARY_LETTER.repeat(TagSyntax.MAX_KEY_LENGTH + 1),
                "a&b", "a,b", "a#b", "a*b", "a$b", "a{b}", "a\"b", "tab\tkey", "new\nline", "key\uD83D\uDE00");
    }

    @ParameterizedTest
    @MethodSource
    void validValues(String value) {
        assertTrue(TagSyntax.isValidValue(value));
    }

    static Stream<String> validValues() {
        return Stream.of("", "prod", "arn:aws:sts::111122223333:assumed-role/Admin/alice", "alice@example.com", "Zürich 2024",
                "v".repeat(TagSyntax.MAX_VALUE_LENGTH), SUPPLEMENTARY_LETTER.repeat(TagSyntax.MAX_VALUE_LENGTH));
    }

    @ParameterizedTest
    @MethodSource
    void invalidValues(String value) {
        assertFalse(TagSyntax.isValidValue(value));
    }

    static Stream<String> invalidValues() {
        return Stream.of("v".repeat(TagSyntax.MAX_VALUE_LENGTH + 1), SUPPLEMENTARY_LETTER.repeat(TagSyntax.MAX_VALUE_LENGTH + 1),
                "a&b", "a,b", "#1", "${principal}", "line\nbreak", "\uD83D\uDD11");
    }

    @ParameterizedTest(name = "\"{0}\" reserved: {1}")
    @CsvSource({"aws:cloudformation:stack-name, true", "AWS:x, true", "Aws:x, true", "aws:, true",
            "aws, false", "awsx:y, false", "x:aws:y, false", "Owner, false"})
    void keysStartingWithAwsColonInAnyCaseAreReserved(String key, boolean reserved) {
        assertEquals(reserved, TagSyntax.isReserved(key));
    }

    @ParameterizedTest
    @MethodSource({"validValues", "invalidValues", "invalidKeys"})
    void toValidValueAlwaysYieldsAValidValue(String text) {
        assertTrue(TagSyntax.isValidValue(TagSyntax.toValidValue(text)));
    }

    @ParameterizedTest
    @MethodSource("validValues")
    void toValidValueLeavesValidValuesAlone(String value) {
        assertEquals(value, TagSyntax.toValidValue(value));
    }
}
