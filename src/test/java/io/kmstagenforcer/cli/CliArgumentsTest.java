package io.kmstagenforcer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CliArgumentsTest {
    private static final Set<String> VALUES = Set.of("--policy", "--format");
    private static final Set<String> FLAGS = Set.of("--progress");

    private enum Shape { TABLE, JSON, CSV }

    private static CliArguments parse(String... args) {
        return CliArguments.parse(List.of(args), VALUES, FLAGS);
    }

    private static String error(String... args) {
        return assertThrows(UsageException.class, () -> parse(args)).getMessage();
    }

    @Test
    void anOptionTakesTheNextArgumentAsItsValue() {
        assertEquals(Optional.of("p.json"), parse("--policy", "p.json").value("--policy"));
    }

    @Test
    void anOptionTakesItsValueAfterAnEqualsSign() {
        assertEquals(Optional.of("a=b.json"), parse("--policy=a=b.json").value("--policy"));
    }

    @Test
    void aFlagIsSetOnlyWhenGiven() {
        assertTrue(parse("--progress").flag("--progress"));
        assertFalse(parse().flag("--progress"));
    }

    @Test
    void anUnknownOptionIsNamed() {
        assertEquals("unknown option --polcy", error("--polcy", "p.json"));
    }

    @Test
    void anOptionWithoutAValueSaysSo() {
        assertEquals("--policy needs a value", error("--policy"));
        assertEquals("--policy needs a value", error("--policy", "--progress"));
    }

    @Test
    void anOptionGivenTwiceIsAnError() {
        assertEquals("--policy is given twice", error("--policy", "a", "--policy", "b"));
        assertEquals("--progress is given twice", error("--progress", "--progress"));
    }

    @Test
    void aFlagTakesNoValue() {
        assertEquals("--progress takes no value", error("--progress=yes"));
    }

    @Test
    void aWordThatFollowsNoOptionIsAnError() {
        assertEquals("unexpected argument \"p.json\" (every value follows its option)", error("p.json"));
    }

    @Test
    void aMissingRequiredOptionIsNamed() {
        assertEquals("--policy is required", assertThrows(UsageException.class, () -> parse().required("--policy")).getMessage());
    }

    @Test
    void aChoiceIsOneOfTheEnumsLowerCaseNamesOrTheDefault() {
        assertEquals(Shape.CSV, parse("--format", "csv").choice("--format", Shape.class, Shape.TABLE));
        assertEquals(Shape.TABLE, parse().choice("--format", Shape.class, Shape.TABLE));
    }

    @Test
    void anUnknownChoiceListsTheChoices() {
        assertEquals("--format must be table, json or csv, not \"xml\"",
                assertThrows(UsageException.class, () -> parse("--format", "xml").choice("--format", Shape.class, Shape.TABLE)).getMessage());
    }

    @Test
    void helpIsAskedWithEitherSpelling() {
        assertTrue(parse("--help").helpAsked());
        assertTrue(parse("-h").helpAsked());
        assertFalse(parse("--progress").helpAsked());
    }
}
