package io.kmstagenforcer.event;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kmstagenforcer.json.JsonField;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Whose writes are the enforcer's own: its execution role's, and in member accounts its member
 * role's (assumed-role/&lt;member role&gt;/&lt;function&gt;), whatever the account.
 */
class EnforcerIdentityTest {
    private static final String ROLE = "kms-tag-enforcer-TagEnforcerRole-EXAMPLE";
    private static final String MEMBER_ROLE = "kms-tag-enforcer-member";
    private static final String FUNCTION = "kms-tag-enforcer-TagEnforcerFunction-EXAMPLE";

    private static UserIdentity assumedRole(String account, String role, String session) {
        return UserIdentity.from(JsonField.parse("userIdentity", ("{'type':'AssumedRole','arn':'arn:aws:sts::" + account
                + ":assumed-role/" + role + "/" + session + "','sessionContext':{'sessionIssuer':{'userName':'" + role + "'}}}")
                .replace('\'', '"')));
    }

    @ParameterizedTest(name = "{0}: {4}")
    @CsvSource(delimiter = '|', textBlock = """
            the execution role, central account      | 111122223333 | kms-tag-enforcer-TagEnforcerRole-EXAMPLE | true  | true
            the member role, in a member account     | 444455556666 | kms-tag-enforcer-member                  | true  | false
            the member role, in another member       | 777788889999 | kms-tag-enforcer-member                  | true  | false
            a role named like the member role, plus  | 444455556666 | kms-tag-enforcer-member2                 | false | false
            a person's role in a member account      | 444455556666 | Admin                                    | false | false
            """)
    void aWriteIsTheEnforcersOwnWhenMadeWithItsRoleOrItsMemberRole(String what, String account, String role,
            boolean withMemberRole, boolean withoutMemberRole) {
        UserIdentity caller = assumedRole(account, role, FUNCTION);

        assertEquals(withMemberRole, new EnforcerIdentity(Optional.of(ROLE), Optional.of(FUNCTION), Optional.of(MEMBER_ROLE))
                .made(caller), "with MEMBER_ROLE_NAME");
        assertEquals(withoutMemberRole, new EnforcerIdentity(Optional.of(ROLE), Optional.of(FUNCTION)).made(caller),
                "without MEMBER_ROLE_NAME: as before");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            the member role  | kms-tag-enforcer-member                  | member role kms-tag-enforcer-member
            the own role     | kms-tag-enforcer-TagEnforcerRole-EXAMPLE | role kms-tag-enforcer-TagEnforcerRole-EXAMPLE
            """)
    void theReasonNamesTheRoleThatMadeTheWrite(String what, String role, String described) {
        EnforcerIdentity enforcer = new EnforcerIdentity(Optional.of(ROLE), Optional.of(FUNCTION), Optional.of(MEMBER_ROLE));

        assertEquals(described, enforcer.describe(assumedRole("444455556666", role, FUNCTION)));
    }

    @ParameterizedTest(name = "blank member role name \"{0}\" is none")
    @CsvSource({"''", "' '"})
    void aBlankMemberRoleNameIsNone(String blank) {
        assertEquals(Optional.empty(), new EnforcerIdentity(Optional.of(ROLE), Optional.empty(), Optional.of(blank)).memberRoleName());
    }
}
