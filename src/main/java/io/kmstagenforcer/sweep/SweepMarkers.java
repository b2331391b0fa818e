package io.kmstagenforcer.sweep;

import io.kmstagenforcer.json.JsonObjectWriter;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * A {@link SweepMarker} in the {@code detail} of a ScheduledEvent: a scheduled run has an empty
 * detail; a continuation carries the marker there, so both reach the same typed handler. A marker
 * without {@code account} (as every marker was before member accounts) is in the function's own account.
 */
public final class SweepMarkers {
    static final String SOURCE = "kms-tag-enforcer.sweep";
    static final String DETAIL_TYPE = "Sweep Continuation";

    private SweepMarkers() {
    }

    /**
     * The marker in a ScheduledEvent's detail (as the runtime deserialised it: strings, numbers,
     * maps), or empty for a scheduled run.
     *
     * @throws IllegalArgumentException naming the field, for a detail that has a marker but not a usable one
     */
    public static Optional<SweepMarker> fromDetail(Map<String, Object> detail) {
        if (detail == null || !detail.containsKey("sweepId")) {
            return Optional.empty();
        }
        String sweepId = string(detail, "sweepId").orElseThrow(() -> invalid("sweepId", "a string"));
        long invocation = number(detail.get("invocation")).orElseThrow(() -> invalid("invocation", "a number"));
        if (invocation < 1 || invocation > Sweep.MAX_INVOCATIONS + 1) {
            throw invalid("invocation", "between 1 and " + (Sweep.MAX_INVOCATIONS + 1));
        }
        Map<String, Long> totals = new LinkedHashMap<>();
        Object totalsField = detail.get("totals");
        if (totalsField != null) {
            if (!(totalsField instanceof Map<?, ?> map)) {
                throw invalid("totals", "an object");
            }
            map.forEach((name, count) -> totals.put(String.valueOf(name),
                    number(count).orElseThrow(() -> invalid("totals." + name, "a number"))));
        }
        Optional<String> account = string(detail, "account");
        if (account.isPresent() && !account.get().matches("\\d{12}")) {
            throw invalid("account", "an account ID (12 digits)");
        }
        return Optional.of(new SweepMarker(sweepId, (int) invocation,
                new SweepPosition(string(detail, "pageMarker"), string(detail, "afterKeyId"), account), totals));
    }

    /** The ScheduledEvent that continues a sweep from {@code marker}. */
    public static byte[] continuationEvent(SweepMarker marker, String account, String region, Instant time) {
        return event(DETAIL_TYPE, account, region, time, detail -> members(detail, marker));
    }

    /** A ScheduledEvent of this function whose {@code detail} {@code writeDetail} writes: how a run hands work on. */
    public static byte[] event(String detailType, String account, String region, Instant time,
            Consumer<JsonObjectWriter> writeDetail) {
        return new JsonObjectWriter()
                .string("version", "0")
                .string("id", UUID.randomUUID().toString())
                .string("detail-type", detailType)
                .string("source", SOURCE)
                .string("account", account)
                .string("time", time.toString())
                .string("region", region)
                .strings("resources", List.of())
                .object("detail", writeDetail)
                .toBytes();
    }

    /** The marker's members, as {@link #fromDetail} reads them: in a continuation's detail, or nested in a run's. */
    public static JsonObjectWriter members(JsonObjectWriter json, SweepMarker marker) {
        return json
                .string("sweepId", marker.sweepId())
                .number("invocation", marker.invocation())
                .string("pageMarker", marker.position().pageMarker().orElse(null))
                .string("afterKeyId", marker.position().afterKeyId().orElse(null))
                .string("account", marker.position().account().orElse(null))
                .object("totals", totals -> marker.totals().forEach(totals::number));
    }

    private static Optional<String> string(Map<String, Object> detail, String field) {
        Object value = detail.get(field);
        if (value != null && !(value instanceof String)) {
            throw invalid(field, "a string");
        }
        return Optional.ofNullable((String) value);
    }

    private static Optional<Long> number(Object value) {
        return value instanceof Number number && number.doubleValue() == number.longValue()
                ? Optional.of(number.longValue()) : Optional.empty();
    }

    private static IllegalArgumentException invalid(String field, String expected) {
        return new IllegalArgumentException("detail." + field + " must be " + expected);
    }
}
