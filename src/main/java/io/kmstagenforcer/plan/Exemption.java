package io.kmstagenforcer.plan;

import io.kmstagenforcer.policy.TagPolicy;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a key's exemption tag means on a given day: a pure function of the tag's value, the policy's
 * {@code maxExemptionDays} and the day (UTC), so the planner stays pure and a test picks the day.
 *
 * <p>The tag's value may give an end date: {@code until YYYY-MM-DD}, the word {@code until} in any
 * case, then an ISO date, then optionally a space and any text (a ticket, a reason). The key is
 * exempt through the whole of that day (UTC) and enforced from the next. A value whose word after
 * {@code until} begins with a digit is read as an end date; if that is not a real YYYY-MM-DD date
 * ({@code until 2027-02-30}, {@code until 31/03/2027}) the exemption is not honoured: somebody meant to
 * end it, and an end date nobody can read must not become an exemption without end. Every other value
 * ({@code true}, {@code SEC-123}, {@code until further notice}) exempts without end, as it always has,
 * unless the policy caps exemptions: then only a readable end date at most {@code maxExemptionDays}
 * after today exempts.
 *
 * @param tag    the policy's exemption tag, as the key holds it
 * @param value  its value
 * @param until  the last day the exemption covers, when the value gives a readable one
 * @param detail what the decision says about it
 */
public record Exemption(String tag, String value, State state, Optional<LocalDate> until, String detail) {
    /** {@code until}, then the word that should be the date, then anything. */
    private static final Pattern DATED = Pattern.compile("(?i)\\s*until\\s+(\\d\\S*)(?:\\s.*)?", Pattern.DOTALL);
    private static final Pattern ISO_DATE = Pattern.compile("\\d{4}-\\d{2}-\\d{2}");
    /** How the tag's value must give an end date, in messages. */
    public static final String SYNTAX = "until YYYY-MM-DD";

    /** Whether the key is exempt, and if not, why its exemption tag does not exempt it. */
    public enum State {
        /** The key is exempt: no end date (and no cap), or an end date that is today or later (and within the cap). */
        ACTIVE("active"),
        /** The end date has passed: the key is enforced again. */
        EXPIRED("expired"),
        /** {@code until} is followed by something meant as a date that is not one: the key is enforced. */
        END_DATE_NOT_A_DATE("endDateNotADate"),
        /** The end date is further away than the policy's {@code maxExemptionDays}: the key is enforced. */
        BEYOND_CAP("beyondCap"),
        /** The policy caps exemptions and this one gives no end date: the key is enforced. */
        NO_END_DATE_UNDER_CAP("noEndDateUnderCap");

        private final String label;

        State(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /** How the key's exemption tag stands on {@code today}; empty when the policy has no exemption tag or the key does not carry it. */
    public static Optional<Exemption> of(Map<String, String> tags, TagPolicy policy, LocalDate today) {
        return policy.exemptTag()
                .filter(tags::containsKey)
                .map(tag -> judge(tag, tags.get(tag), policy.maxExemptionDays(), today));
    }

    static Exemption judge(String tag, String value, OptionalInt maxDays, LocalDate today) {
        Matcher dated = DATED.matcher(value);
        if (!dated.matches()) {
            if (maxDays.isPresent()) {
                return new Exemption(tag, value, State.NO_END_DATE_UNDER_CAP, Optional.empty(), notHonoured(tag,
                        "it gives no end date, and the policy's maxExemptionDays (" + maxDays.getAsInt() + ") requires \"" + SYNTAX
                                + "\" at most " + maxDays.getAsInt() + " days ahead"));
            }
            return new Exemption(tag, value, State.ACTIVE, Optional.empty(), "key carries the exemption tag " + tag);
        }
        String written = dated.group(1);
        Optional<LocalDate> until = isoDate(written);
        if (until.isEmpty()) {
            return new Exemption(tag, value, State.END_DATE_NOT_A_DATE, Optional.empty(), notHonoured(tag,
                    "its end date \"" + written + "\" is not a date (" + SYNTAX + ")"));
        }
        LocalDate end = until.get();
        if (end.isBefore(today)) {
            return new Exemption(tag, value, State.EXPIRED, until, "exemption " + tag + " expired on " + end + ": the key is enforced again");
        }
        if (maxDays.isPresent() && ChronoUnit.DAYS.between(today, end) > maxDays.getAsInt()) {
            return new Exemption(tag, value, State.BEYOND_CAP, until, notHonoured(tag,
                    "it runs until " + end + ", beyond the policy's maxExemptionDays (" + maxDays.getAsInt()
                            + "): the latest end date allowed today is " + today.plusDays(maxDays.getAsInt())));
        }
        return new Exemption(tag, value, State.ACTIVE, until, "key carries the exemption tag " + tag + " until " + end);
    }

    /** The key is exempt today. */
    public boolean honoured() {
        return state == State.ACTIVE;
    }

    /** Days from {@code today} to the end date (0 on the last exempt day, negative once expired); empty without one. */
    public OptionalInt daysLeft(LocalDate today) {
        return until.map(end -> OptionalInt.of((int) ChronoUnit.DAYS.between(today, end))).orElse(OptionalInt.empty());
    }

    /** An active exemption whose end date is at most {@code days} days after {@code today}. */
    public boolean endsWithin(LocalDate today, int days) {
        return honoured() && daysLeft(today).stream().anyMatch(left -> left <= days);
    }

    private static String notHonoured(String tag, String why) {
        return "exemption " + tag + " not honoured: " + why + "; the key is enforced";
    }

    /** A strict ISO date: four-digit year, real month and day ({@code 2027-02-30} is none). */
    private static Optional<LocalDate> isoDate(String text) {
        if (!ISO_DATE.matcher(text).matches()) {
            return Optional.empty();
        }
        try {
            return Optional.of(LocalDate.parse(text));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }
}
