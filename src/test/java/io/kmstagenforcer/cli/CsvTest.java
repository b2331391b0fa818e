package io.kmstagenforcer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class CsvTest {
    static Stream<Arguments> fields() {
        return Stream.of(
                Arguments.of("Owner=alice; tmp:build (1)", "Owner=alice; tmp:build (1)"),
                Arguments.of("a,b", "\"a,b\""),
                Arguments.of("matches forbidden \"tmp:*\"", "\"matches forbidden \"\"tmp:*\"\"\""),
                Arguments.of("one\ntwo", "\"one\ntwo\""),
                Arguments.of("one\rtwo", "\"one\rtwo\""));
    }

    @ParameterizedTest
    @MethodSource("fields")
    void aFieldIsQuotedWithItsQuotesDoubledExactlyWhenItHoldsACommaAQuoteOrALineBreak(String value, String written) {
        assertEquals(written, Csv.field(value));
    }

    /**
     * OWASP, "CSV Injection": a cell that begins with = + - @, a tab or a carriage return is read by a
     * spreadsheet as a formula; = + - @ are legal first characters of a KMS tag key.
     */
    static Stream<Arguments> formulaLikeFields() {
        return Stream.of(
                Arguments.of("=HYPERLINK(\"http://example.com\")", "\"'=HYPERLINK(\"\"http://example.com\"\")\""),
                Arguments.of("+1=x", "\"'+1=x\""),
                Arguments.of("-2+3=x", "\"'-2+3=x\""),
                Arguments.of("@SUM(A1)=x", "\"'@SUM(A1)=x\""),
                Arguments.of("\tcmd", "\"'\tcmd\""),
                Arguments.of("\rcmd", "\"'\rcmd\""));
    }

    @ParameterizedTest
    @MethodSource("formulaLikeFields")
    void aFieldThatASpreadsheetWouldReadAsAFormulaIsPrefixedWithAQuoteAndQuoted(String value, String written) {
        assertEquals(written, Csv.field(value));
    }

    @Test
    void onlyTheFirstCharacterMakesAFieldFormulaLike() {
        assertEquals("Owner=alice; a-b (@x)", Csv.field("Owner=alice; a-b (@x)"));
    }

    @Test
    void aRecordJoinsItsFieldsWithCommasAndEndsInCrLf() {
        assertEquals("a,,\"b,c\"\r\n", Csv.record(List.of("a", "", "b,c")));
    }
}
