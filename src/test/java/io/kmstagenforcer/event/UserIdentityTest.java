package io.kmstagenforcer.event;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kmstagenforcer.json.JsonField;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Who made the call, from CloudTrail's {@code userIdentity}: {@code principal()} names the caller
 * as a person would (user name, session name, root, the calling service), {@code roleName()} the
 * role of an assumed-role session. Every field is optional and one of the wrong type counts as
 * absent: a strange identity never makes an event malformed.
 */
class UserIdentityTest {

    private static UserIdentity identity(String json) {
        return UserIdentity.from(JsonField.parse("userIdentity", json));
    }

    private static Optional<String> optional(String value) {
        return Optional.ofNullable(value);
    }

    /** identity | principal | role (an empty cell: absent). JSON uses single quotes, swapped before parsing. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            IAM user                                     | {'type':'IAMUser','arn':'arn:aws:iam::111122223333:user/bob','userName':'bob'}                   | bob                          |
            IAM user without userName: from the ARN      | {'type':'IAMUser','arn':'arn:aws:iam::111122223333:user/bob'}                                    | bob                          |
            IAM user with a path                         | {'type':'IAMUser','arn':'arn:aws:iam::111122223333:user/division/team/bob'}                      | bob                          |
            IAM user: userName wins over the ARN         | {'type':'IAMUser','arn':'arn:aws:iam::111122223333:user/ops/bob','userName':'robert'}            | robert                       |
            assumed role: the session name               | {'type':'AssumedRole','arn':'arn:aws:sts::111122223333:assumed-role/KeyAdmins/alice','sessionContext':{'sessionIssuer':{'type':'Role','userName':'KeyAdmins'}}} | alice | KeyAdmins
            assumed role: sessionIssuer wins for the role | {'type':'AssumedRole','arn':'arn:aws:sts::111122223333:assumed-role/KeyAdmins/alice','sessionContext':{'sessionIssuer':{'userName':'IssuerName'}}} | alice | IssuerName
            assumed role without sessionIssuer: role from the ARN | {'type':'AssumedRole','arn':'arn:aws:sts::111122223333:assumed-role/KeyAdmins/alice','sessionContext':{'attributes':{}}} | alice | KeyAdmins
            assumed role without sessionContext          | {'type':'AssumedRole','arn':'arn:aws:sts::111122223333:assumed-role/KeyAdmins/alice'}            | alice                        | KeyAdmins
            assumed role without an ARN                  | {'type':'AssumedRole','sessionContext':{'sessionIssuer':{'userName':'KeyAdmins'}}}               |                              | KeyAdmins
            assumed role, neither ARN nor issuer         | {'type':'AssumedRole','principalId':'AROA3XFRBF23EXAMPLE1:alice'}                               |                              |
            root                                         | {'type':'Root','arn':'arn:aws:iam::111122223333:root','accountId':'111122223333'}                | root                         |
            root without an ARN                          | {'type':'Root'}                                                                                  | root                         |
            AWS service: invokedBy                       | {'type':'AWSService','invokedBy':'cloudformation.amazonaws.com'}                                 | cloudformation.amazonaws.com |
            federated user: the name in the ARN, no role | {'type':'FederatedUser','arn':'arn:aws:sts::111122223333:federated-user/Bob','sessionContext':{'sessionIssuer':{'type':'IAMUser','userName':'bob-admin'}}} | Bob |
            another AWS account: its id                  | {'type':'AWSAccount','accountId':'444455556666','principalId':'AIDAEXAMPLE'}                     | 444455556666                 |
            unknown type: userName                       | {'type':'SAMLUser','userName':'carol'}                                                           | carol                        |
            unknown type: last ARN segment               | {'type':'WebIdentityUser','arn':'arn:aws:sts::111122223333:something/dave'}                      | dave                         |
            no type, only invokedBy (internal records)   | {'accountId':'111122223333','invokedBy':'kms.amazonaws.com'}                                     | kms.amazonaws.com            |
            no type, only principalId and accountId      | {'principalId':'AROA3XFRBF23EXAMPLE1:alice','accountId':'111122223333'}                          |                              |
            empty identity                               | {}                                                                                               |                              |
            """)
    void principalAndRoleAreNamedByIdentityType(String what, String json, String principal, String role) {
        UserIdentity identity = identity(json.replace('\'', '"'));
        assertEquals(List.of(optional(principal), optional(role)), List.of(identity.principal(), identity.roleName()), what);
    }

    /** Each row: a field of the wrong type is treated as absent, and what that leaves. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            type a number: the untyped fallback           | {'type':42,'userName':'bob'}                                                                     | bob   |
            userName an object: the ARN                   | {'type':'IAMUser','userName':{'a':1},'arn':'arn:aws:iam::111122223333:user/bob'}                | bob   |
            arn a number                                  | {'type':'AssumedRole','arn':7}                                                                   |       |
            invokedBy an array                            | {'type':'AWSService','invokedBy':['a']}                                                          |       |
            accountId a number                            | {'type':'AWSAccount','accountId':444455556666}                                                   |       |
            sessionContext a string: role from the ARN    | {'type':'AssumedRole','arn':'arn:aws:sts::111122223333:assumed-role/KeyAdmins/alice','sessionContext':'x'} | alice | KeyAdmins
            sessionIssuer a string: role from the ARN     | {'type':'AssumedRole','arn':'arn:aws:sts::111122223333:assumed-role/KeyAdmins/alice','sessionContext':{'sessionIssuer':'x'}} | alice | KeyAdmins
            issuer userName a number: role from the ARN   | {'type':'AssumedRole','arn':'arn:aws:sts::111122223333:assumed-role/KeyAdmins/alice','sessionContext':{'sessionIssuer':{'userName':5}}} | alice | KeyAdmins
            """)
    void aFieldOfTheWrongTypeIsTreatedAsAbsent(String what, String json, String principal, String role) {
        principalAndRoleAreNamedByIdentityType(what, json, principal, role);
    }

    @ParameterizedTest(name = "userIdentity {0}")
    @ValueSource(strings = {"\"someone\"", "42", "[]", "null", "true"})
    void anIdentityThatIsNotAnObjectIsUnknown(String json) {
        assertEquals(UserIdentity.UNKNOWN, identity(json));
    }

    @Test
    void anAbsentIdentityIsUnknown() {
        assertEquals(UserIdentity.UNKNOWN, UserIdentity.from(JsonField.parse("detail", "{}").get("userIdentity")));
    }

    @Test
    void theUnknownIdentityNamesNoPrincipalAndNoRole() {
        assertEquals(List.of(Optional.empty(), Optional.empty()), List.of(UserIdentity.UNKNOWN.principal(), UserIdentity.UNKNOWN.roleName()));
    }

    @Test
    void everyFieldIsReadFromItsCloudTrailName() {
        UserIdentity identity = identity("""
                {"type": "AssumedRole", "arn": "arn:aws:sts::111122223333:assumed-role/KeyAdmins/alice",
                 "userName": "u", "invokedBy": "i.amazonaws.com", "accountId": "111122223333",
                 "sessionContext": {"sessionIssuer": {"userName": "KeyAdmins"}}}""");
        assertEquals(new UserIdentity(Optional.of("AssumedRole"), Optional.of("arn:aws:sts::111122223333:assumed-role/KeyAdmins/alice"),
                Optional.of("u"), Optional.of("i.amazonaws.com"), Optional.of("111122223333"), Optional.of("KeyAdmins")), identity);
    }
}
