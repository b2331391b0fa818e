package io.kmstagenforcer.cli;

import java.util.List;
import java.util.stream.Collectors;

/** RFC 4180 CSV: fields separated by commas, records ended by CRLF, and a field quoted when it must be. */
final class Csv {
    static final String RECORD_END = "\r\n";

    private Csv() {
    }

    /** One record: the fields, quoted where needed, and CRLF. */
    static String record(List<String> fields) {
        return fields.stream().map(Csv::field).collect(Collectors.joining(",")) + RECORD_END;
    }

    /** The field as it is, or in double quotes (with its quotes doubled) when it holds a comma, a quote or a line break. */
    static String field(String value) {
        if (value.indexOf(',') < 0 && value.indexOf('"') < 0 && value.indexOf('\n') < 0 && value.indexOf('\r') < 0) {
            return value;
        }
        return '"' + value.replace("\"", "\"\"") + '"';
    }
}
