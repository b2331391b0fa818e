package io.kmstagenforcer.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kmstagenforcer.plan.Exemption.State;
import io.kmstagenforcer.policy.Policies;
import io.kmstagenforcer.policy.TagPolicy;
import java.time.LocalDate;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** What the exemption tag's value means on a given day: the day is the test's, never the machine's. */
class ExemptionTest {
    private static final String TAG = "tag-enforcer:exempt";
    private static final LocalDate TODAY = LocalDate.of(2027, 3, 31);
    private static final TagPolicy UNCAPPED = Policies.parse("{'exemptTag':'tag-enforcer:exempt'}");
    private static final TagPolicy CAPPED_90 = Policies.parse("{'exemptTag':'tag-enforcer:exempt','maxExemptionDays':90}");

    @Test
    void aValueWithoutAnEndDateExemptsForGoodAsItAlwaysHas() {
        Exemption exemption = judge(UNCAPPED, "true");

        assertEquals(State.ACTIVE, exemption.state());
        assertEquals(Optional.empty(), exemption.until());
        assertEquals("key carries the exemption tag " + TAG, exemption.detail());
    }

    @ParameterizedTest(name = "\"{0}\" exempts without end")
    @CsvSource(delimiter = '|', value = {"yes", "SEC-123", "until further notice", "untilled", "2027-03-31", "until", "' '"})
    void aValueThatGivesNoEndDateKeepsTodaysMeaning(String value) {
        Exemption exemption = judge(UNCAPPED, value);

        assertTrue(exemption.honoured(), exemption::detail);
        assertEquals(Optional.empty(), exemption.until());
    }

    @Test
    void anEndDateInTheFutureExemptsAndTheDetailSaysUntilWhen() {
        Exemption exemption = judge(UNCAPPED, "until 2027-04-15");

        assertEquals(State.ACTIVE, exemption.state());
        assertEquals(Optional.of(LocalDate.of(2027, 4, 15)), exemption.until());
        assertEquals("key carries the exemption tag " + TAG + " until 2027-04-15", exemption.detail());
    }

    @Test
    void theEndDateItselfIsStillExempt() {
        Exemption exemption = judge(UNCAPPED, "until 2027-03-31");

        assertTrue(exemption.honoured(), exemption::detail);
        assertEquals(OptionalInt.of(0), exemption.daysLeft(TODAY));
    }

    @Test
    void theDayAfterTheEndDateTheExemptionHasExpired() {
        Exemption exemption = judge(UNCAPPED, "until 2027-03-30");

        assertEquals(State.EXPIRED, exemption.state());
        assertFalse(exemption.honoured());
        assertEquals(Optional.of(LocalDate.of(2027, 3, 30)), exemption.until());
        assertEquals("exemption " + TAG + " expired on 2027-03-30: the key is enforced again", exemption.detail());
    }

    @ParameterizedTest(name = "\"{0}\" ends on {1}")
    @CsvSource(delimiter = '|', value = {
            "UNTIL 2027-06-01|2027-06-01",
            "Until 2027-06-01 SEC-123 rotation pending|2027-06-01",
            "  until   2027-06-01  |2027-06-01"})
    void untilIsReadInAnyCaseWithSpacesAndAReasonAfterTheDate(String value, LocalDate until) {
        assertEquals(Optional.of(until), judge(UNCAPPED, value).until());
    }

    @ParameterizedTest(name = "\"{0}\" is not honoured")
    @CsvSource(delimiter = '|', value = {"until 2027-02-30|2027-02-30", "until 2027-3-31|2027-3-31", "until 31/03/2027|31/03/2027",
            "until 2028-02-29x|2028-02-29x", "until 20270331|20270331"})
    void anEndDateThatIsNotADateDoesNotExempt(String value, String written) {
        Exemption exemption = judge(UNCAPPED, value);

        assertEquals(State.END_DATE_NOT_A_DATE, exemption.state());
        assertEquals(Optional.empty(), exemption.until());
        assertEquals("exemption " + TAG + " not honoured: its end date \"" + written + "\" is not a date (until YYYY-MM-DD); the key is enforced",
                exemption.detail());
    }

    @Test
    void underACapAnEndDateWithinItExempts() {
        Exemption exemption = judge(CAPPED_90, "until " + TODAY.plusDays(90));

        assertTrue(exemption.honoured(), exemption::detail);
    }

    @Test
    void underACapAnEndDateBeyondItDoesNotExempt() {
        Exemption exemption = judge(CAPPED_90, "until " + TODAY.plusDays(91));

        assertEquals(State.BEYOND_CAP, exemption.state());
        assertEquals("exemption " + TAG + " not honoured: it runs until 2027-06-30, beyond the policy's maxExemptionDays (90): the latest end "
                + "date allowed today is 2027-06-29; the key is enforced", exemption.detail());
    }

    @Test
    void underACapAValueWithoutAnEndDateDoesNotExempt() {
        Exemption exemption = judge(CAPPED_90, "true");

        assertEquals(State.NO_END_DATE_UNDER_CAP, exemption.state());
        assertEquals("exemption " + TAG + " not honoured: it gives no end date, and the policy's maxExemptionDays (90) requires "
                + "\"until YYYY-MM-DD\" at most 90 days ahead; the key is enforced", exemption.detail());
    }

    @Test
    void underACapAnExpiredExemptionIsExpired() {
        assertEquals(State.EXPIRED, judge(CAPPED_90, "until 2026-12-31").state());
    }

    @Test
    void anExemptionEndsWithinThirtyDaysUpToItsThirtiethDay() {
        assertTrue(judge(UNCAPPED, "until " + TODAY.plusDays(30)).endsWithin(TODAY, 30));
        assertFalse(judge(UNCAPPED, "until " + TODAY.plusDays(31)).endsWithin(TODAY, 30));
        assertFalse(judge(UNCAPPED, "true").endsWithin(TODAY, 30), "no end date");
        assertFalse(judge(UNCAPPED, "until 2027-03-01").endsWithin(TODAY, 30), "already expired");
    }

    @Test
    void aKeyWithoutTheTagOrAPolicyWithoutOneHasNoExemption() {
        assertEquals(Optional.empty(), Exemption.of(Map.of("Owner", "alice"), UNCAPPED, TODAY));
        assertEquals(Optional.empty(), Exemption.of(Map.of(TAG, "true"), Policies.parse("{}"), TODAY));
    }

    private static Exemption judge(TagPolicy policy, String value) {
        return Exemption.of(Map.of(TAG, value), policy, TODAY).orElseThrow();
    }
}
