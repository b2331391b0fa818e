package io.kmstagenforcer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class CsvTest {
    @Test
    void aPlainFieldIsWrittenAsItIs() {
        assertEquals("Owner=alice; tmp:build (1)", Csv.field("Owner=alice; tmp:build (1)"));
    }

    @Test
    void aFieldWithACommaIsQuoted() {
        assertEquals("\"a,b\"", Csv.field("a,b"));
    }

    @Test
    void aFieldWithAQuoteIsQuotedAndTheQuoteDoubled() {
        assertEquals("\"matches forbidden \"\"tmp:*\"\"\"", Csv.field("matches forbidden \"tmp:*\""));
    }

    @Test
    void aFieldWithALineBreakIsQuoted() {
        assertEquals("\"one\ntwo\"", Csv.field("one\ntwo"));
        assertEquals("\"one\rtwo\"", Csv.field("one\rtwo"));
    }

    @Test
    void aRecordJoinsItsFieldsWithCommasAndEndsInCrLf() {
        assertEquals("a,,\"b,c\"\r\n", Csv.record(List.of("a", "", "b,c")));
    }
}
