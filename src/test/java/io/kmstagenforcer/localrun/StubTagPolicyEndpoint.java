package io.kmstagenforcer.localrun;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import software.amazon.awssdk.protocols.jsoncore.JsonNode;
import software.amazon.awssdk.protocols.jsoncore.JsonWriter;

/**
 * What moto lacks for the organisation's tag policy, on 127.0.0.1 (for {@code AWS_ENDPOINT_URL_ORGANIZATIONS} and
 * {@code AWS_ENDPOINT_URL_RESOURCE_GROUPS_TAGGING_API}): Organizations' {@code DescribeEffectivePolicy} and the
 * Resource Groups Tagging API's {@code ListRequiredTags}, each answering for the calling account only, as AWS does.
 * The caller's account is told from the access key the request is signed with (the function's own, or a member
 * session moto issued), never from anything the request says.
 *
 * <p>DescribeEffectivePolicy answers the documented shape, {@code {"EffectivePolicy": {"PolicyContent": "<JSON
 * string>", "LastUpdatedTimestamp", "TargetId", "PolicyType": "TAG_POLICY"}}}, or 400
 * {@code EffectivePolicyNotFoundException} for an account given no policy. ListRequiredTags answers, from the same
 * policy, the keys whose {@code report_required_tag_for} names KMS keys, under {@code kms:key}, as AWS derives them.
 */
public final class StubTagPolicyEndpoint implements AutoCloseable {
    public static final String DESCRIBE_EFFECTIVE_POLICY = "AWSOrganizationsV20161128.DescribeEffectivePolicy";
    public static final String LIST_REQUIRED_TAGS = "ResourceGroupsTaggingAPI_20170126.ListRequiredTags";
    private static final Set<String> KMS_KEY_TYPES = Set.of("kms:key", "kms:*", "kms:all_supported");

    /**
     * One request: the operation, the account it was answered for (empty: signed with an access key no account has), the
     * access key, the Authorization header and the body.
     */
    public record Received(String target, Optional<String> account, String accessKey, String authorization, String body) {
    }

    private final Function<String, Optional<String>> accountOfAccessKey;
    private final HttpServer server;
    private final Map<String, String> policies = new ConcurrentHashMap<>();
    private final Map<String, Deque<Map.Entry<Integer, String>>> errors = new ConcurrentHashMap<>();
    private final List<Received> received = new CopyOnWriteArrayList<>();

    private StubTagPolicyEndpoint(Function<String, Optional<String>> accountOfAccessKey) {
        this.accountOfAccessKey = accountOfAccessKey;
        this.server = LoopbackHttp.start(this::handle, null);
    }

    /** @param accountOfAccessKey the account an access key acts in: what STS issued it for */
    public static StubTagPolicyEndpoint start(Function<String, Optional<String>> accountOfAccessKey) {
        return new StubTagPolicyEndpoint(accountOfAccessKey);
    }

    public URI endpoint() {
        return LoopbackHttp.endpoint(server);
    }

    /** {@code account}'s effective tag policy: the flattened JSON DescribeEffectivePolicy carries as PolicyContent. */
    public StubTagPolicyEndpoint policy(String account, String effectivePolicyContent) {
        policies.put(account, effectivePolicyContent);
        return this;
    }

    /** The next call made as {@code account} is answered with this error (400 AccessDeniedException, 400 TooManyRequestsException...). */
    public StubTagPolicyEndpoint thenFail(String account, int status, String errorType) {
        errors.computeIfAbsent(account, unused -> new ArrayDeque<>()).add(Map.entry(status, errorType));
        return this;
    }

    public List<Received> received() {
        return List.copyOf(received);
    }

    /** The accounts an operation was called as, in order. */
    public List<String> callers(String target) {
        return received.stream().filter(request -> request.target().equals(target)).map(request -> request.account().orElse("?")).toList();
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange; InputStream in = exchange.getRequestBody()) {
            String body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            String target = Optional.ofNullable(exchange.getRequestHeaders().getFirst("X-Amz-Target")).orElse("");
            String authorization = Optional.ofNullable(exchange.getRequestHeaders().getFirst("Authorization")).orElse("");
            String accessKey = accessKeyOf(authorization);
            Optional<String> account = accountOfAccessKey.apply(accessKey);
            received.add(new Received(target, account, accessKey, authorization, body));
            exchange.getResponseHeaders().set("Content-Type", "application/x-amz-json-1.1");
            if (account.isEmpty()) {
                error(exchange, 403, "UnrecognizedClientException");
                return;
            }
            Deque<Map.Entry<Integer, String>> queued = errors.get(account.get());
            Map.Entry<Integer, String> fault = queued == null ? null : queued.poll();
            if (fault != null) {
                error(exchange, fault.getKey(), fault.getValue());
                return;
            }
            String policy = policies.get(account.get());
            switch (target) {
                case DESCRIBE_EFFECTIVE_POLICY -> {
                    if (policy == null) {
                        error(exchange, 400, "EffectivePolicyNotFoundException");
                    } else {
                        ok(exchange, describeEffectivePolicy(account.get(), policy));
                    }
                }
                case LIST_REQUIRED_TAGS -> ok(exchange, listRequiredTags(policy));
                default -> error(exchange, 400, "UnknownOperationException");
            }
        }
    }

    private static String describeEffectivePolicy(String account, String content) {
        JsonWriter writer = JsonWriter.create();
        writer.writeStartObject().writeFieldName("EffectivePolicy").writeStartObject()
                .writeFieldName("PolicyContent").writeValue(content)
                .writeFieldName("LastUpdatedTimestamp").writeNumber("1.764493965123E9")
                .writeFieldName("TargetId").writeValue(account)
                .writeFieldName("PolicyType").writeValue("TAG_POLICY")
                .writeEndObject().writeEndObject();
        return new String(writer.getBytes(), StandardCharsets.UTF_8);
    }

    /** The keys the policy reports as required on KMS keys; none without a policy. */
    private static String listRequiredTags(String content) {
        List<String> keys = new ArrayList<>();
        if (content != null) {
            JsonNode tags = JsonNode.parser().parse(content).field("tags").orElseThrow();
            tags.asObject().forEach((policyKey, rule) -> {
                List<JsonNode> types = rule.field("report_required_tag_for").map(StubTagPolicyEndpoint::assigned).orElse(List.of());
                if (types.stream().anyMatch(type -> KMS_KEY_TYPES.contains(type.asString().toLowerCase(Locale.ROOT)))) {
                    keys.add(rule.field("tag_key").map(key -> key.isObject() ? key.field("@@assign").orElseThrow() : key)
                            .map(JsonNode::asString).orElse(policyKey));
                }
            });
        }
        JsonWriter writer = JsonWriter.create();
        writer.writeStartObject().writeFieldName("RequiredTags").writeStartArray();
        if (!keys.isEmpty()) {
            writer.writeStartObject().writeFieldName("ResourceType").writeValue("kms:key")
                    .writeFieldName("CloudFormationResourceTypes").writeStartArray().writeValue("AWS::KMS::Key").writeEndArray()
                    .writeFieldName("ReportingTagKeys").writeStartArray();
            keys.forEach(writer::writeValue);
            writer.writeEndArray().writeEndObject();
        }
        writer.writeEndArray().writeEndObject();
        return new String(writer.getBytes(), StandardCharsets.UTF_8);
    }

    private static List<JsonNode> assigned(JsonNode field) {
        return field.isObject() ? field.field("@@assign").orElseThrow().asArray() : field.asArray();
    }

    private static void ok(HttpExchange exchange, String body) throws IOException {
        LoopbackHttp.respond(exchange, 200, body.getBytes(StandardCharsets.UTF_8));
    }

    private static void error(HttpExchange exchange, int status, String type) throws IOException {
        exchange.getResponseHeaders().set("x-amzn-ErrorType", type + ":http://internal.amazon.com/coral/com.amazonaws.awsorganizations.v20161128/");
        LoopbackHttp.respond(exchange, status, ("{\"__type\":\"" + type + "\",\"Message\":\"stub\"}").getBytes(StandardCharsets.UTF_8));
    }

    /** {@code Authorization: AWS4-HMAC-SHA256 Credential=<access key>/<date>/<region>/<service>/aws4_request, ...}. */
    private static String accessKeyOf(String authorization) {
        int credential = authorization.indexOf("Credential=");
        if (credential < 0) {
            return "";
        }
        int from = credential + "Credential=".length();
        int slash = authorization.indexOf('/', from);
        return slash < 0 ? "" : authorization.substring(from, slash);
    }
}
