package io.kmstagenforcer.integration;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.kmstagenforcer.localrun.LoopbackHttp;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import software.amazon.awssdk.protocols.jsoncore.JsonNode;

/**
 * A tiny HTTP proxy on 127.0.0.1 in front of moto, for what moto does not model: it records the
 * operation and arrival time of every request that reaches it ({@code X-Amz-Target}), answers the
 * ones a test chose with a KMS error (throttling, internal error, invalid state) or with a canned
 * answer (AWS managed keys' aliases), pages ListKeys as KMS may, and forwards the rest.
 */
final class KmsProxy implements AutoCloseable {
    /** Headers the JDK client sets itself, or that describe one hop only. */
    private static final Set<String> HOP_HEADERS = Set.of("host", "content-length", "connection", "expect", "upgrade",
            "transfer-encoding", "keep-alive", "date");

    private final URI upstream;
    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "kms-proxy");
        thread.setDaemon(true);
        return thread;
    });
    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2))
            .build();
    private final List<Arrival> arrivals = new CopyOnWriteArrayList<>();
    private final Map<String, Fault> faults = new ConcurrentHashMap<>();
    private final Map<String, String> cannedAnswers = new ConcurrentHashMap<>();
    private final Map<String, Hook> hooks = new ConcurrentHashMap<>();

    /** Runs on the proxy's thread before a request is passed on; it may block to force an interleaving. */
    @FunctionalInterface
    interface Hook {
        void run() throws Exception;
    }
    private volatile int listKeysPageSize = Integer.MAX_VALUE;

    /**
     * One request that reached the proxy.
     *
     * @param keyId     the request's {@code KeyId} (the enforcer sends the key's ARN); empty for a listing
     * @param nanos     {@link System#nanoTime()} when its body had been read
     * @param forwarded passed on to moto (false: answered with a fault or a canned answer)
     */
    record Arrival(String operation, Optional<String> keyId, long nanos, boolean forwarded) {
    }

    /** A KMS error answer, given to the next {@code remaining} requests of one operation signed with an access key {@code signedBy} takes. */
    private record Fault(int status, String errorType, String message, AtomicInteger remaining, Predicate<String> signedBy) {
        String body() {
            return "{\"__type\":\"" + errorType + "\",\"message\":\"" + message + "\"}";
        }
    }

    private KmsProxy(URI upstream) {
        this.upstream = upstream;
        server = LoopbackHttp.start(this::handle, executor);
    }

    /** Starts a proxy to {@code upstream} (moto's endpoint) on a free loopback port. */
    static KmsProxy start(URI upstream) {
        return new KmsProxy(upstream);
    }

    URI endpoint() {
        return LoopbackHttp.endpoint(server);
    }

    /** Answers the next {@code times} requests of {@code operation} with this error instead of forwarding them. */
    void failNext(String operation, int times, int status, String errorType, String message) {
        faults.put(operation, new Fault(status, errorType, message, new AtomicInteger(times), accessKey -> true));
    }

    /**
     * Answers every request of {@code operation} signed with an access key {@code signedBy} takes (asked
     * at each request: a member session's key is known only once it is issued) with this error: one
     * account's refusal, such as a service control policy's, among several.
     */
    void failAlwaysWhenSignedBy(Predicate<String> signedBy, String operation, int status, String errorType, String message) {
        faults.put(operation, new Fault(status, errorType, message, new AtomicInteger(Integer.MAX_VALUE), signedBy));
    }

    /** Answers every request of {@code operation} with this error. */
    void failAlways(String operation, int status, String errorType, String message) {
        failNext(operation, Integer.MAX_VALUE, status, errorType, message);
    }

    /** Answers every request of {@code operation} with HTTP 200 and this JSON body, without asking moto. */
    void answer(String operation, String json) {
        cannedAnswers.put(operation, json);
    }

    /**
     * Gives out moto's ListKeys answer (moto ignores Limit and Marker) in pages of at most
     * {@code size} keys, with {@code Truncated} and an opaque {@code NextMarker}, as KMS does: it
     * "might return fewer" keys than the Limit asked for.
     */
    void pageListKeys(int size) {
        listKeysPageSize = size;
    }

    /** Every request that reached the proxy, in order, with when it arrived. */
    List<Arrival> arrivals() {
        return List.copyOf(arrivals);
    }

    /** The operations sent for one key ({@code KeyId} = its ARN), in order. */
    List<String> operationsOn(String keyArn) {
        return arrivals.stream().filter(arrival -> arrival.keyId().equals(Optional.of(keyArn))).map(Arrival::operation).toList();
    }

    /** Holds every request of {@code operation} this long before passing it on: a slow KMS. */
    void delay(String operation, Duration delay) {
        beforeForwarding(operation, () -> Thread.sleep(delay.toMillis()));
    }

    /** Runs {@code hook} before each request of {@code operation} is passed on to moto. */
    void beforeForwarding(String operation, Hook hook) {
        hooks.put(operation, hook);
    }

    /** The operation of every request that reached the proxy, in order. */
    List<String> received() {
        return arrivals.stream().map(Arrival::operation).toList();
    }

    /** The operation of every request passed on to moto, in order. */
    List<String> forwarded() {
        return arrivals.stream().filter(Arrival::forwarded).map(Arrival::operation).toList();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
            String operation = target == null ? exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath()
                    : target.substring(target.indexOf('.') + 1);
            long arrived = System.nanoTime();
            Optional<String> keyId = keyIdOf(body);
            Fault fault = faults.get(operation);
            if (fault != null && fault.signedBy().test(accessKeyOf(exchange))
                    && fault.remaining().getAndUpdate(n -> n == Integer.MAX_VALUE ? n : n - 1) > 0) {
                arrivals.add(new Arrival(operation, keyId, arrived, false));
                answerDirectly(exchange, fault.status(), fault.body());
                return;
            }
            String canned = cannedAnswers.get(operation);
            if (canned != null) {
                arrivals.add(new Arrival(operation, keyId, arrived, false));
                answerDirectly(exchange, 200, canned);
                return;
            }
            arrivals.add(new Arrival(operation, keyId, arrived, true));
            Hook hook = hooks.get(operation);
            if (hook != null) {
                try {
                    hook.run();
                } catch (Exception e) {
                    throw new IOException("hook before forwarding " + operation + " failed", e);
                }
            }
            if (operation.equals("ListKeys") && listKeysPageSize != Integer.MAX_VALUE) {
                HttpResponse<byte[]> all = send(exchange, body);
                answerDirectly(exchange, all.statusCode(), all.statusCode() == 200
                        ? page(all.body(), body) : new String(all.body(), StandardCharsets.UTF_8));
                return;
            }
            HttpResponse<byte[]> response = send(exchange, body);
            response.headers().map().forEach((name, values) -> {
                if (!HOP_HEADERS.contains(name.toLowerCase(Locale.ROOT)) && !name.startsWith(":")) {
                    exchange.getResponseHeaders().put(name, values);
                }
            });
            LoopbackHttp.respond(exchange, response.statusCode(), response.body());
        }
    }

    /** One page of moto's whole key list: the keys after the request's Marker (the last key id of the page before). */
    private String page(byte[] motoAnswer, byte[] request) {
        List<JsonNode> keys = JsonNode.parser().parse(motoAnswer).field("Keys").map(JsonNode::asArray).orElse(List.of());
        JsonNode asked = JsonNode.parser().parse(request);
        Optional<String> marker = asked.field("Marker").map(JsonNode::asString);
        int size = asked.field("Limit").map(limit -> Math.min(Integer.parseInt(limit.asNumber()), listKeysPageSize)).orElse(listKeysPageSize);
        int from = 0;
        if (marker.isPresent()) {
            while (from < keys.size() && !keyId(keys.get(from)).equals(marker.get())) {
                from++;
            }
            from++;
        }
        int to = Math.min(keys.size(), from + size);
        StringBuilder json = new StringBuilder("{\"Keys\":[");
        for (int i = from; i < to; i++) {
            json.append(i == from ? "" : ",").append("{\"KeyId\":\"").append(keyId(keys.get(i)))
                    .append("\",\"KeyArn\":\"").append(keys.get(i).field("KeyArn").map(JsonNode::asString).orElseThrow()).append("\"}");
        }
        json.append("],\"Truncated\":").append(to < keys.size());
        if (to < keys.size()) {
            json.append(",\"NextMarker\":\"").append(keyId(keys.get(to - 1))).append('"');
        }
        return json.append('}').toString();
    }

    private static Optional<String> keyIdOf(byte[] request) {
        try {
            return JsonNode.parser().parse(request).field("KeyId").filter(JsonNode::isString).map(JsonNode::asString);
        } catch (RuntimeException notJson) {
            return Optional.empty();
        }
    }

    /** The access key ID a SigV4 request was signed with: {@code Authorization: AWS4-HMAC-SHA256 Credential=<id>/<date>/...}. */
    private static String accessKeyOf(HttpExchange exchange) {
        String authorization = exchange.getRequestHeaders().getFirst("Authorization");
        int credential = authorization == null ? -1 : authorization.indexOf("Credential=");
        if (credential < 0) {
            return "";
        }
        int from = credential + "Credential=".length();
        int slash = authorization.indexOf('/', from);
        return slash < 0 ? "" : authorization.substring(from, slash);
    }

    private static String keyId(JsonNode key) {
        return key.field("KeyId").map(JsonNode::asString).orElseThrow();
    }

    private static void answerDirectly(HttpExchange exchange, int status, String json) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "application/x-amz-json-1.1");
        exchange.getResponseHeaders().set("x-amzn-RequestId", UUID.randomUUID().toString());
        LoopbackHttp.respond(exchange, status, json.getBytes(StandardCharsets.UTF_8));
    }

    private HttpResponse<byte[]> send(HttpExchange exchange, byte[] body) throws IOException {
        HttpRequest.Builder request = HttpRequest.newBuilder(upstream.resolve(exchange.getRequestURI().toString()))
                .timeout(Duration.ofSeconds(10))
                .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
        exchange.getRequestHeaders().forEach((name, values) -> {
            if (!HOP_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
                values.forEach(value -> request.header(name, value));
            }
        });
        try {
            return client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }
}
