package io.kmstagenforcer.cli;

import java.util.List;
import java.util.stream.Collectors;

/**
 * RFC 4180 CSV: fields separated by commas, records ended by CRLF, and a field quoted when it must be.
 * A field a spreadsheet would take for a formula is neutralised (OWASP, "CSV Injection"): a KMS tag
 * key may begin with {@code = + - @}, and a report's cells begin with tag keys.
 */
final class Csv {
    static final String RECORD_END = "\r\n";
    /** The first characters that make a spreadsheet read a cell as a formula (OWASP's list). */
    private static final String FORMULA_STARTS = "=+-@\t\r";

    private Csv() {
    }

    /** One record: the fields, quoted where needed, and CRLF. */
    static String record(List<String> fields) {
        return fields.stream().map(Csv::field).collect(Collectors.joining(",")) + RECORD_END;
    }

    /**
     * The field as it is, or in double quotes (with its quotes doubled) when it holds a comma, a quote
     * or a line break; one that begins with a formula character is prefixed with a single quote
     * (a spreadsheet then takes it for text) and quoted.
     */
    static String field(String value) {
        if (!value.isEmpty() && FORMULA_STARTS.indexOf(value.charAt(0)) >= 0) {
            return quoted("'" + value);
        }
        if (value.indexOf(',') < 0 && value.indexOf('"') < 0 && value.indexOf('\n') < 0 && value.indexOf('\r') < 0) {
            return value;
        }
        return quoted(value);
    }

    private static String quoted(String value) {
        return '"' + value.replace("\"", "\"\"") + '"';
    }
}
