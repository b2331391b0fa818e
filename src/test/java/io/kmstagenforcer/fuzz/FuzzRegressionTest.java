package io.kmstagenforcer.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kmstagenforcer.Fixtures;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What {@link EventFuzzTest} found, each as the smallest input that shows it, kept in
 * {@code src/test/resources/fuzz/} (see its README) and checked against the same contract as the
 * fuzzer's mutants.
 */
class FuzzRegressionTest {
    private static final String DIR = "src/test/resources/fuzz/";

    /**
     * Found with the default seed, first as mutant 48 (source set to []) and 131 more: EventInterpreter
     * read source, detail-type and detail.eventSource with {@code stringIfPresent()}, so a value of
     * another type counted as absent, and absent means "judge the event by its record": an event that
     * did not say it came from KMS was enforced. Now such an event is REJECTED, naming the field.
     */
    @ParameterizedTest
    @ValueSource(strings = {"source-not-a-string.json", "detail-type-not-a-string.json", "event-source-not-a-string.json"})
    void aRoutingFieldOfTheWrongTypeIsNotTakenForAbsent(String file) {
        try (FuzzHarness harness = new FuzzHarness()) {
            FuzzHarness.Check check = harness.check(Fixtures.bytes(DIR + file));
            assertTrue(check.good(), check::toString);
        }
    }

    /** The same inputs with the field a string that names someone else: left alone, which shows the type is all that matters. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "source-not-a-string.json         | \"source\": 42                           | \"source\": \"aws.s3\"",
            "detail-type-not-a-string.json    | \"detail-type\": true                    | \"detail-type\": \"KMS Key State Change\"",
            "event-source-not-a-string.json   | \"eventSource\": [\"kms.amazonaws.com\"] | \"eventSource\": \"s3.amazonaws.com\""})
    void withAStringThatNamesAnotherSourceTheSameInputIsLeftAlone(String file, String from, String to) {
        String text = new String(Fixtures.bytes(DIR + file), StandardCharsets.UTF_8);
        assertTrue(text.contains(from), file + " holds " + from);
        byte[] input = text.replace(from, to).getBytes(StandardCharsets.UTF_8);
        try (FuzzHarness harness = new FuzzHarness()) {
            FuzzHarness.Run run = harness.run(input);

            assertEquals(List.of(), run.writes());
            FuzzHarness.Check check = FuzzHarness.check(input, run);
            assertTrue(check.good(), check::toString);
            assertEquals("IGNORED", check.outcome());
        }
    }
}
