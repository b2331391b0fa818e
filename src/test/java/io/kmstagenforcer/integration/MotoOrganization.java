package io.kmstagenforcer.integration;

import io.kmstagenforcer.aws.SignedCall;
import io.kmstagenforcer.json.JsonField;
import io.kmstagenforcer.json.JsonObjectWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.Map;
import java.util.function.Consumer;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;

/**
 * An organisation on moto, made as its management account (moto's default account) would: the
 * organisation, OUs, accounts moved into them, an account closed (SUSPENDED). AWS JSON 1.1 through
 * {@link SignedCall}, as the function calls Organizations.
 */
final class MotoOrganization {
    private final SignedCall call;
    private final String root;

    private MotoOrganization(URI endpoint) {
        this.call = new SignedCall("organizations", "us-east-1", endpoint, UrlConnectionHttpClient.create(),
                RecordingKmsClients.TEST_CREDENTIALS);
        post("CreateOrganization", json -> json.string("FeatureSet", "ALL"));
        this.root = post("ListRoots", json -> { }).get("Roots").elements().get(0).get("Id").requiredString();
    }

    static MotoOrganization create(URI endpoint) {
        return new MotoOrganization(endpoint);
    }

    String root() {
        return root;
    }

    String organizationalUnit(String parent, String name) {
        return post("CreateOrganizationalUnit", json -> json.string("ParentId", parent).string("Name", name))
                .get("OrganizationalUnit").get("Id").requiredString();
    }

    /** A new account, moved from the root into {@code parent}; its id. */
    String account(String parent, String name) {
        String id = post("CreateAccount", json -> json.string("AccountName", name).string("Email", name + "@example.com"))
                .get("CreateAccountStatus").get("AccountId").requiredString();
        if (!parent.equals(root)) {
            post("MoveAccount", json -> json.string("AccountId", id).string("SourceParentId", root).string("DestinationParentId", parent));
        }
        return id;
    }

    /** CloseAccount: moto makes it SUSPENDED at once (AWS passes through PENDING_CLOSURE). */
    void close(String account) {
        post("CloseAccount", json -> json.string("AccountId", account));
    }

    private JsonField post(String operation, Consumer<JsonObjectWriter> members) {
        JsonObjectWriter request = new JsonObjectWriter();
        members.accept(request);
        try {
            SignedCall.Answer answer = call.post("/", Map.of("X-Amz-Target", "AWSOrganizationsV20161128." + operation,
                    "Content-Type", "application/x-amz-json-1.1"), request.toBytes());
            if (answer.status() != 200) {
                throw new AssertionError(operation + " answered HTTP " + answer.status() + ": " + answer.body());
            }
            return JsonField.parse(operation, answer.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
