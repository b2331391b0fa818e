package io.kmstagenforcer.org;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.sun.net.httpserver.HttpServer;
import io.kmstagenforcer.aws.SignedCall;
import io.kmstagenforcer.json.JsonField;
import io.kmstagenforcer.localrun.LoopbackHttp;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;

/**
 * Listing an OU's accounts against a loopback Organizations that answers what moto cannot be made
 * to: a role that may not list (AccessDeniedException), throttling, and pages. (moto's own
 * Organizations, with nested OUs and a suspended account, is in OrganizationSweepIT.)
 */
class OrganizationAccountsTest {
    private static final String OU = "ou-abcd-12345678";

    private final Deque<String[]> answers = new ArrayDeque<>();
    private final List<JsonField> requests = new ArrayList<>();
    private final List<String> targets = new ArrayList<>();
    private final List<Duration> slept = new ArrayList<>();
    private HttpServer organizations;

    @AfterEach
    void stop() {
        if (organizations != null) {
            organizations.stop(0);
        }
    }

    @Test
    void aRoleThatMayNotListAccountsNamesTheOuAndWhyAndTheNextOuIsListed() {
        answer(400, "{\"__type\":\"AccessDeniedException\",\"Message\":\"You don't have permissions to access this resource.\"}");
        answer(200, "{\"Accounts\":[{\"Id\":\"444455556666\",\"Status\":\"ACTIVE\"}]}");
        answer(200, "{\"Children\":[]}");

        AccountDiscovery.Discovered found = accounts().accountsUnder(List.of(OU, "ou-abcd-87654321"));

        assertEquals(Map.of(OU, "ListAccountsForParent of " + OU
                + " answered AccessDeniedException: You don't have permissions to access this resource."), found.failed());
        assertEquals(List.of("444455556666"), found.active());
    }

    @Test
    void throttlingIsTriedAgainAfterABackoff() {
        answer(400, "{\"__type\":\"TooManyRequestsException\",\"Message\":\"slow down\"}");
        answer(200, "{\"Accounts\":[{\"Id\":\"444455556666\",\"State\":\"ACTIVE\"}]}");
        answer(200, "{\"Children\":[]}");

        AccountDiscovery.Discovered found = accounts().accountsUnder(List.of(OU));

        assertEquals(List.of("444455556666"), found.active());
        assertEquals(List.of(Duration.ofSeconds(1)), slept);
    }

    @Test
    void everyPageOfAccountsAndEveryChildOuIsListedWithItsOperationAndParent() {
        answer(200, "{\"Accounts\":[{\"Id\":\"111111111111\",\"Status\":\"ACTIVE\"}],\"NextToken\":\"t2\"}");
        answer(200, "{\"Accounts\":[{\"Id\":\"222222222222\",\"State\":\"PENDING_CLOSURE\",\"Status\":\"PENDING_CLOSURE\"}]}");
        answer(200, "{\"Children\":[{\"Id\":\"ou-abcd-child000\",\"Type\":\"ORGANIZATIONAL_UNIT\"}]}");
        answer(200, "{\"Accounts\":[{\"Id\":\"333333333333\",\"Status\":\"ACTIVE\"}]}");
        answer(200, "{\"Children\":[]}");

        AccountDiscovery.Discovered found = accounts().accountsUnder(List.of(OU));

        assertEquals(List.of("111111111111", "333333333333"), found.active());
        assertEquals(Map.of("222222222222", "PENDING_CLOSURE"), found.notActive());
        assertEquals(List.of("ListAccountsForParent", "ListAccountsForParent", "ListChildren", "ListAccountsForParent", "ListChildren"),
                targets.stream().map(target -> target.substring(target.indexOf('.') + 1)).toList());
        assertEquals("t2", requests.get(1).get("NextToken").requiredString());
        assertEquals("ORGANIZATIONAL_UNIT", requests.get(2).get("ChildType").requiredString());
        assertEquals("ou-abcd-child000", requests.get(3).get("ParentId").requiredString());
    }

    private void answer(int status, String body) {
        answers.add(new String[] {String.valueOf(status), body});
    }

    private OrganizationAccounts accounts() {
        organizations = LoopbackHttp.start(exchange -> {
            try (exchange) {
                requests.add(JsonField.parse("request", exchange.getRequestBody().readAllBytes()));
                targets.add(exchange.getRequestHeaders().getFirst("X-Amz-Target"));
                String[] next = answers.poll();
                LoopbackHttp.respond(exchange, Integer.parseInt(next[0]), next[1].getBytes(StandardCharsets.UTF_8));
            }
        }, null);
        return new OrganizationAccounts(new SignedCall("organizations", "us-east-1", LoopbackHttp.endpoint(organizations),
                UrlConnectionHttpClient.create(), StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDEXAMPLE", "secret"))),
                slept::add);
    }
}
