package io.kmstagenforcer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kmstagenforcer.kms.MemberRole;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The member-account settings as the template sets them, and each way they can be wrong failing the initialisation by name. */
class MemberSettingsTest {
    private static Map<String, String> environment(String... namesAndValues) {
        Map<String, String> environment = new HashMap<>(Map.of("TAG_POLICY", "{\"required\":{\"Team\":{\"default\":\"x\"}}}"));
        for (int i = 0; i < namesAndValues.length; i += 2) {
            environment.put(namesAndValues[i], namesAndValues[i + 1]);
        }
        return environment;
    }

    @Test
    void withoutAMemberRoleNameThereAreNoMemberAccountsAsBefore() {
        Settings settings = Settings.fromEnvironment(environment("ENFORCER_ACCOUNT_ID", "111122223333", "MEMBER_ROLE_NAME", "",
                "MEMBER_EXTERNAL_ID", "", "MEMBER_ACCOUNT_IDS", ""));

        assertEquals(Optional.empty(), settings.memberRole());
        assertEquals(List.of(), settings.memberAccounts());
        assertEquals(Optional.empty(), settings.identity().memberRoleName());
    }

    @Test
    void theMemberAccountsAreInOrderEachOnceWithoutTheOwnAccount() {
        Settings settings = Settings.fromEnvironment(environment("ENFORCER_ACCOUNT_ID", "111122223333", "MEMBER_ROLE_NAME", "member",
                "MEMBER_EXTERNAL_ID", "ext-1", "MEMBER_ACCOUNT_IDS", "444455556666, 111122223333,777788889999,444455556666"));

        assertEquals(Optional.of(new MemberRole("111122223333", "member", Optional.of("ext-1"))), settings.memberRole());
        assertEquals(List.of("444455556666", "777788889999"), settings.memberAccounts());
        assertEquals(Optional.of("member"), settings.identity().memberRoleName());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            a role without the own account | MEMBER_ROLE_NAME | member    | ENFORCER_ACCOUNT_ID | ''            | ENFORCER_ACCOUNT_ID
            a role name IAM refuses        | MEMBER_ROLE_NAME | a role    | ENFORCER_ACCOUNT_ID | 111122223333  | MEMBER_ROLE_NAME
            accounts without a role        | MEMBER_ACCOUNT_IDS | 444455556666 | ENFORCER_ACCOUNT_ID | 111122223333 | MEMBER_ACCOUNT_IDS
            """)
    void aWrongSettingFailsTheInitialisationNamingTheVariable(String what, String name, String value, String name2, String value2,
            String named) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Settings.fromEnvironment(environment(name, value, name2, value2)));

        assertTrue(e.getMessage().startsWith(named + " "), e::getMessage);
    }

    @Test
    void anAccountListThatIsNotAccountIdsFailsNamingTheVariable() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Settings.fromEnvironment(environment(
                "ENFORCER_ACCOUNT_ID", "111122223333", "MEMBER_ROLE_NAME", "member", "MEMBER_ACCOUNT_IDS", "4444-5555-6666")));

        assertTrue(e.getMessage().startsWith("MEMBER_ACCOUNT_IDS must be account IDs"), e::getMessage);
    }
}
