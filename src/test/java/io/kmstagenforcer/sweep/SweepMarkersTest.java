package io.kmstagenforcer.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import com.amazonaws.services.lambda.runtime.tests.annotations.Event;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The sweep marker in a ScheduledEvent's detail, read back the way Lambda hands it to the handler
 * (EventLoader deserialises with the runtime's own serialization library).
 */
class SweepMarkersTest {
    @TempDir
    Path work;

    @ParameterizedTest
    @Event(value = "events/scheduled-sweep.json", type = ScheduledEvent.class)
    void aScheduledRunCarriesNoMarker(ScheduledEvent event) {
        assertEquals(Optional.empty(), SweepMarkers.fromDetail(event.getDetail()));
    }

    @Test
    void aContinuationEventReadsBackAsTheSameMarker() throws IOException {
        Map<String, Long> totals = new LinkedHashMap<>();
        totals.put("keysSeen", 1234L);
        totals.put("calls.TagResource", 17L);
        SweepMarker marker = new SweepMarker("sweep-1", 3,
                new SweepPosition(Optional.of("AQEBAHj6...page-marker=="), Optional.of("mrk-8a3f61c2d94e4b07a1c5e92f3b6d8a40")), totals);
        Path file = work.resolve("continuation.json");
        Files.write(file, SweepMarkers.continuationEvent(marker, "111122223333", "eu-west-1", Instant.parse("2026-12-03T10:00:00Z")));

        ScheduledEvent event = EventLoader.loadScheduledEvent(file.toString());

        assertEquals(Optional.of(marker), SweepMarkers.fromDetail(event.getDetail()));
        assertEquals("eu-west-1", event.getRegion());
        assertEquals(SweepMarkers.SOURCE, event.getSource());
    }

    @Test
    void aMarkerInAMemberAccountReadsBackWithItsAccount() throws IOException {
        SweepMarker marker = new SweepMarker("sweep-1", 4,
                new SweepPosition(Optional.of("page-2"), Optional.of("k7"), Optional.of("444455556666")), Map.of("keysSeen", 9L));
        Path file = work.resolve("continuation.json");
        Files.write(file, SweepMarkers.continuationEvent(marker, "111122223333", "eu-west-1", Instant.EPOCH));

        assertEquals(Optional.of(marker), SweepMarkers.fromDetail(EventLoader.loadScheduledEvent(file.toString()).getDetail()));
    }

    @Test
    void aMarkerWithoutAnAccountIsInTheFunctionsOwnAccountAsEveryMarkerWasBefore() throws IOException {
        Path file = work.resolve("old.json");
        Files.writeString(file, "{\"version\":\"0\",\"id\":\"x\",\"detail-type\":\"Sweep Continuation\",\"source\":\"s\","
                + "\"account\":\"111122223333\",\"time\":\"2026-12-03T10:00:00Z\",\"region\":\"eu-west-1\",\"resources\":[],"
                + "\"detail\":{\"sweepId\":\"s\",\"invocation\":2,\"pageMarker\":null,\"afterKeyId\":\"k1\",\"totals\":{}}}");

        SweepMarker marker = SweepMarkers.fromDetail(EventLoader.loadScheduledEvent(file.toString()).getDetail()).orElseThrow();

        assertEquals(new SweepPosition(Optional.empty(), Optional.of("k1")), marker.position());
        assertEquals(Optional.empty(), marker.position().account());
    }

    @Test
    void theFirstPageHasNoMarkerAndTheMarkerSaysSo() throws IOException {
        SweepMarker marker = new SweepMarker("sweep-1", 2, new SweepPosition(Optional.empty(), Optional.of("k1")), Map.of());
        Path file = work.resolve("continuation.json");
        Files.write(file, SweepMarkers.continuationEvent(marker, "111122223333", "eu-west-1", Instant.EPOCH));

        assertEquals(Optional.of(marker), SweepMarkers.fromDetail(EventLoader.loadScheduledEvent(file.toString()).getDetail()));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            sweepId is a number        | {"sweepId": 7, "invocation": 2}                          | detail.sweepId
            invocation is missing      | {"sweepId": "s"}                                         | detail.invocation
            invocation is a fraction   | {"sweepId": "s", "invocation": 2.5}                      | detail.invocation
            invocation is out of range | {"sweepId": "s", "invocation": 1000}                     | detail.invocation
            pageMarker is an object    | {"sweepId": "s", "invocation": 2, "pageMarker": {}}      | detail.pageMarker
            a total is text            | {"sweepId": "s", "invocation": 2, "totals": {"a": "b"}}  | detail.totals.a
            account is not an account  | {"sweepId": "s", "invocation": 2, "account": "1234"}     | detail.account
            """)
    void aMarkerThatCannotBeUsedIsRefusedNamingTheField(String what, String detailJson, String field) throws IOException {
        Path file = work.resolve("bad.json");
        Files.writeString(file, "{\"version\":\"0\",\"id\":\"x\",\"detail-type\":\"Sweep Continuation\",\"source\":\"s\","
                + "\"account\":\"111122223333\",\"time\":\"2026-12-03T10:00:00Z\",\"region\":\"eu-west-1\",\"resources\":[],"
                + "\"detail\":" + detailJson + "}");
        Map<String, Object> detail = EventLoader.loadScheduledEvent(file.toString()).getDetail();

        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> SweepMarkers.fromDetail(detail));

        assertTrue(error.getMessage().startsWith(field + " "), error::getMessage);
    }
}
