package io.kmstagenforcer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** DEADLINE_RESERVE_MS: how long before the timeout every call is cut short, to answer. */
class DeadlineReserveSettingTest {
    private static final String POLICY = "{\"required\":{\"Team\":{\"default\":\"x\"}}}";

    @Test
    void unsetItIsOneSecond() {
        assertEquals(Duration.ofSeconds(1), Settings.fromEnvironment(Map.of("TAG_POLICY", POLICY)).timeToAnswer());
    }

    @Test
    void itIsReadInMilliseconds() {
        Settings settings = Settings.fromEnvironment(Map.of("TAG_POLICY", POLICY, "DEADLINE_RESERVE_MS", "2500"));

        assertEquals(Duration.ofMillis(2_500), settings.timeToAnswer());
    }

    @ParameterizedTest
    @ValueSource(strings = {"1s", "99", "10001", "-1000", "1.5"})
    void aValueOutsideATenthOfASecondToTenSecondsFailsTheInitialisationNamingTheVariable(String value) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Settings.fromEnvironment(Map.of("TAG_POLICY", POLICY, "DEADLINE_RESERVE_MS", value)));

        assertTrue(e.getMessage().startsWith("DEADLINE_RESERVE_MS must be a whole number of milliseconds from 100 to 10000"),
                e::getMessage);
    }
}
