package io.kmstagenforcer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class TextTableTest {
    @Test
    void eachColumnIsAsWideAsItsWidestCellAndTheLastIsNotPadded() {
        String table = new TextTable("", "  ")
                .row("KEY", "OUTCOME", "DETAIL")
                .row("arn:1", "COMPLIANT")
                .row("arn:22", "REPORTED", "ADD Owner=alice")
                .render();

        assertEquals("""
                KEY     OUTCOME   DETAIL
                arn:1   COMPLIANT
                arn:22  REPORTED  ADD Owner=alice
                """, table);
    }

    @Test
    void aRowsLastCellDoesNotWidenItsColumn() {
        String table = new TextTable("  ", " ")
                .row("a", "a reason much longer than the others")
                .row("b", "ADD", "x=1")
                .render();

        assertEquals("  a a reason much longer than the others\n  b ADD x=1\n", table);
    }

    @Test
    void noLineEndsInSpaces() {
        String table = new TextTable("", "  ").row("", "", "ADD", "x=1").row("longer key", "").render();

        assertEquals(" ".repeat(14) + "ADD  x=1\nlonger key\n", table);
    }

    @Test
    void widthsCountCharactersNotUtf16Units() {
        String table = new TextTable("", " ").row("\uD835\uDC00b", "x").row("abc", "y").render();

        assertEquals("\uD835\uDC00b  x\nabc y\n", table);
    }
}
