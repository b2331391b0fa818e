package io.kmstagenforcer.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/** Tag value templates: {@code ${variable}} placeholders filled from the event, always rendering a valid tag value. */
class ValueTemplateTest {
    private static final Map<TemplateVariable, String> EVENT = Map.ofEntries(
            Map.entry(TemplateVariable.ACCOUNT, "111122223333"),
            Map.entry(TemplateVariable.REGION, "eu-west-1"),
            Map.entry(TemplateVariable.KEY_ID, "1234abcd-12ab-34cd-56ef-1234567890ab"),
            Map.entry(TemplateVariable.KEY_ARN, "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"),
            Map.entry(TemplateVariable.PRINCIPAL, "alice"),
            Map.entry(TemplateVariable.PRINCIPAL_ROLE, "Admin"),
            Map.entry(TemplateVariable.PRINCIPAL_ARN, "arn:aws:sts::111122223333:assumed-role/Admin/alice"),
            Map.entry(TemplateVariable.PRINCIPAL_TYPE, "AssumedRole"),
            Map.entry(TemplateVariable.EVENT_TIME, "2024-05-01T12:34:56Z"),
            Map.entry(TemplateVariable.EVENT_DATE, "2024-05-01"),
            Map.entry(TemplateVariable.EVENT_NAME, "CreateKey"));

    /** U+1D49C MATHEMATICAL SCRIPT CAPITAL A: a letter outside the BMP, so a surrogate pair in UTF-16. */
    private static final String SCRIPT_A = "\uD835\uDC9C";
    /** U+1F600 GRINNING FACE: a surrogate pair too, but not a character KMS accepts. */
    private static final String EMOJI = "\uD83D\uDE00";

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "account,        111122223333",
            "region,         eu-west-1",
            "keyId,          1234abcd-12ab-34cd-56ef-1234567890ab",
            "keyArn,         arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            "principal,      alice",
            "principal.role, Admin",
            "principal.arn,  arn:aws:sts::111122223333:assumed-role/Admin/alice",
            "principal.type, AssumedRole",
            "eventTime,      2024-05-01T12:34:56Z",
            "eventDate,      2024-05-01",
            "eventName,      CreateKey"})
    void rendersEachVariableFromTheEvent(String variable, String expected) {
        assertEquals(expected, render("${" + variable + "}", EVENT));
    }

    @ParameterizedTest
    @EnumSource(TemplateVariable.class)
    void everyVariableIsKnownByItsPolicyName(TemplateVariable variable) {
        assertEquals(Optional.of(variable), TemplateVariable.named(variable.variableName()));
    }

    @Test
    void rendersLiteralTextAroundVariables() {
        assertEquals("team/alice@111122223333:eu-west-1", render("team/${principal}@${account}:${region}", EVENT));
    }

    @Test
    void literalTemplateRendersAsItself() {
        assertEquals("unassigned", render("unassigned", EVENT));
    }

    @Test
    void variableTheEventHasNoValueForRendersUnknown() {
        assertEquals("role=unknown", render("role=${principal.role}", without(TemplateVariable.PRINCIPAL_ROLE)));
    }

    @Test
    void variableWithAnEmptyValueRendersUnknown() {
        assertEquals("role=unknown", render("role=${principal.role}", with(TemplateVariable.PRINCIPAL_ROLE, "")));
    }

    @ParameterizedTest(name = "\"{0}\" -> \"{1}\"")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            alice&bob             | alice_bob
            alice,bob             | alice_bob
            alice#1               | alice_1
            a*b?c!d               | a_b_c_d
            "${account}"          | __account_
            "Zürich & Genève"     | Zürich _ Genève
            日本&中国              | 日本_中国
            """)
    void variableValuesHaveCharactersKmsRefusesReplacedByUnderscore(String principal, String expected) {
        assertEquals(expected, render("${principal}", with(TemplateVariable.PRINCIPAL, principal)));
    }

    @Test
    void renderedValueIsCutTo256Characters() {
        String rendered = render("x-${principal}", with(TemplateVariable.PRINCIPAL, "a".repeat(300)));

        assertEquals("x-" + "a".repeat(254), rendered);
    }

    @Test
    void renderedValueOf256CharactersIsKeptWhole() {
        String principal = "a".repeat(TagSyntax.MAX_VALUE_LENGTH);

        assertEquals(principal, render("${principal}", with(TemplateVariable.PRINCIPAL, principal)));
    }

    @Test
    void cutCounts256CodePointsAndNeverSplitsASurrogatePair() {
        String rendered = render("x${principal}", with(TemplateVariable.PRINCIPAL, SCRIPT_A.repeat(300)));

        assertEquals("x" + SCRIPT_A.repeat(255), rendered);
        assertEquals(TagSyntax.MAX_VALUE_LENGTH, rendered.codePointCount(0, rendered.length()));
    }

    @Test
    void eachEmojiBecomesOneUnderscoreBeforeTheCut() {
        String rendered = render("${principal}", with(TemplateVariable.PRINCIPAL, (EMOJI + SCRIPT_A).repeat(200)));

        assertEquals(("_" + SCRIPT_A).repeat(128), rendered);
        assertTrue(TagSyntax.isValidValue(rendered));
    }

    @Test
    void literalIsTheTextOfATemplateWithoutVariables() {
        assertEquals(Optional.of("unassigned"), ValueTemplate.parse("unassigned").literal());
        assertEquals(Optional.of(""), ValueTemplate.parse("").literal());
        assertEquals(Optional.empty(), ValueTemplate.parse("team-${principal}").literal());
    }

    @Test
    void literalPartsAreTheTextBetweenVariables() {
        assertEquals(List.of("team/", "@"), ValueTemplate.parse("team/${principal}@${account}").literalParts());
    }

    @Test
    void toStringIsTheSourceText() {
        assertEquals("team/${principal}", ValueTemplate.parse("team/${principal}").toString());
    }

    @ParameterizedTest(name = "\"{0}\": {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            ${user}                | unknown variable ${user}
            ${Principal}           | unknown variable ${Principal}
            ${}                    | unknown variable ${}
            team-${principal       | '${' at position 5 is never closed
            ${principal}-${account | '${' at position 13 is never closed
            """)
    void parseRejectsWhatItCannotRender(String template, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ValueTemplate.parse(template));

        assertEquals(message, e.getMessage());
    }

    private static String render(String template, Map<TemplateVariable, String> variables) {
        return ValueTemplate.parse(template).render(variables);
    }

    private static Map<TemplateVariable, String> with(TemplateVariable variable, String value) {
        Map<TemplateVariable, String> variables = new EnumMap<>(EVENT);
        variables.put(variable, value);
        return variables;
    }

    private static Map<TemplateVariable, String> without(TemplateVariable variable) {
        Map<TemplateVariable, String> variables = new EnumMap<>(EVENT);
        variables.remove(variable);
        return variables;
    }
}
