package io.kmstagenforcer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kmstagenforcer.kms.LambdaKmsClients;
import io.kmstagenforcer.output.DecisionEvents;
import io.kmstagenforcer.output.ResultSink;
import io.kmstagenforcer.output.SecurityHubFindings;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** DECISION_EVENT_BUS and SECURITY_HUB_FINDINGS: which outputs a function gets, and a bad value failing its initialisation by name. */
class ResultSinkSettingsTest {
    private static List<ResultSink> sinks(String... namesAndValues) {
        Map<String, String> environment = new HashMap<>(Map.of("TAG_POLICY", "{\"required\":{\"Environment\":{\"default\":\"dev\"}}}",
                "AWS_REGION", "eu-west-1"));
        for (int i = 0; i < namesAndValues.length; i += 2) {
            environment.put(namesAndValues[i], namesAndValues[i + 1]);
        }
        return Settings.fromEnvironment(environment).resultSinks(environment, LambdaKmsClients.factory(), Clock.systemUTC());
    }

    @Test
    void emptyOrFalseIsNone() {
        assertEquals(List.of(), sinks());
        assertEquals(List.of(), sinks("DECISION_EVENT_BUS", " ", "SECURITY_HUB_FINDINGS", "false"));
    }

    @Test
    void eachSettingAddsItsOutput() {
        List<ResultSink> both = sinks("DECISION_EVENT_BUS", "default", "SECURITY_HUB_FINDINGS", "true");
        assertEquals(List.of(DecisionEvents.class, SecurityHubFindings.class), both.stream().map(Object::getClass).toList());
    }

    @ParameterizedTest
    @ValueSource(strings = {"my bus", "bus*", "arn:aws:sqs:eu-west-1:111122223333:queue"})
    void aBusThatIsNoBusNameFailsTheInitialisation(String bus) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> sinks("DECISION_EVENT_BUS", bus));
        assertTrue(e.getMessage().startsWith("DECISION_EVENT_BUS must be an event bus name"), e.getMessage());
    }

    @Test
    void aBusArnIsTakenAsItIs() {
        assertEquals(1, sinks("DECISION_EVENT_BUS", "arn:aws:events:eu-west-1:111122223333:event-bus/security").size());
    }

    @Test
    void securityHubFindingsIsTrueOrFalse() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> sinks("SECURITY_HUB_FINDINGS", "yes"));
        assertEquals("SECURITY_HUB_FINDINGS must be true or false, not \"yes\"", e.getMessage());
    }
}
