package io.kmstagenforcer.event;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * CloudTrail writes a key's {@code creationDate} as text, not ISO-8601: "Aug 10, 2022, 10:38:27 PM"
 * in current records, "Jun 30, 2020 2:34:07 AM" in older ones, in UTC (the published records' times
 * match their {@code eventTime}). ISO-8601 is read too.
 */
final class CloudTrailDates {
    private static final List<DateTimeFormatter> TEXT_FORMATS = List.of(
            DateTimeFormatter.ofPattern("MMM d, yyyy, h:mm:ss a", Locale.US),
            DateTimeFormatter.ofPattern("MMM d, yyyy h:mm:ss a", Locale.US));

    private CloudTrailDates() {
    }

    static Optional<Instant> parse(String text) {
        try {
            return Optional.of(Instant.parse(text));
        } catch (DateTimeParseException notIso) {
            for (DateTimeFormatter format : TEXT_FORMATS) {
                try {
                    return Optional.of(LocalDateTime.parse(text, format).toInstant(ZoneOffset.UTC));
                } catch (DateTimeParseException notThisOne) {
                    // try the next format
                }
            }
            return Optional.empty();
        }
    }
}
