package io.kmstagenforcer.integration;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
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
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A tiny HTTP proxy on 127.0.0.1 in front of moto, for what moto does not model: it records the
 * operation of every request that reaches it ({@code X-Amz-Target}), answers the ones a test
 * chose with a KMS error (throttling, internal error, invalid state) and forwards the rest.
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
    private final List<String> received = new CopyOnWriteArrayList<>();
    private final List<String> forwarded = new CopyOnWriteArrayList<>();
    private final Map<String, Fault> faults = new ConcurrentHashMap<>();
    private final Map<String, Hook> hooks = new ConcurrentHashMap<>();

    /** Runs on the proxy's thread before a request is passed on; it may block to force an interleaving. */
    @FunctionalInterface
    interface Hook {
        void run() throws Exception;
    }

    /** A KMS error answer, given to the next {@code remaining} requests of one operation. */
    private record Fault(int status, String errorType, String message, AtomicInteger remaining) {
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
        faults.put(operation, new Fault(status, errorType, message, new AtomicInteger(times)));
    }

    /** Answers every request of {@code operation} with this error. */
    void failAlways(String operation, int status, String errorType, String message) {
        failNext(operation, Integer.MAX_VALUE, status, errorType, message);
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
        return List.copyOf(received);
    }

    /** The operation of every request passed on to moto, in order. */
    List<String> forwarded() {
        return List.copyOf(forwarded);
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
            received.add(operation);
            Fault fault = faults.get(operation);
            if (fault != null && fault.remaining().getAndUpdate(n -> n == Integer.MAX_VALUE ? n : n - 1) > 0) {
                exchange.getResponseHeaders().set("Content-Type", "application/x-amz-json-1.1");
                exchange.getResponseHeaders().set("x-amzn-RequestId", UUID.randomUUID().toString());
                LoopbackHttp.respond(exchange, fault.status(), fault.body().getBytes(StandardCharsets.UTF_8));
                return;
            }
            Hook hook = hooks.get(operation);
            if (hook != null) {
                try {
                    hook.run();
                } catch (Exception e) {
                    throw new IOException("hook before forwarding " + operation + " failed", e);
                }
            }
            forwarded.add(operation);
            forward(exchange, body);
        }
    }

    private void forward(HttpExchange exchange, byte[] body) throws IOException {
        HttpRequest.Builder request = HttpRequest.newBuilder(upstream.resolve(exchange.getRequestURI().toString()))
                .timeout(Duration.ofSeconds(10))
                .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
        exchange.getRequestHeaders().forEach((name, values) -> {
            if (!HOP_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
                values.forEach(value -> request.header(name, value));
            }
        });
        HttpResponse<byte[]> response;
        try {
            response = client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        response.headers().map().forEach((name, values) -> {
            if (!HOP_HEADERS.contains(name.toLowerCase(Locale.ROOT)) && !name.startsWith(":")) {
                exchange.getResponseHeaders().put(name, values);
            }
        });
        LoopbackHttp.respond(exchange, response.statusCode(), response.body());
    }
}
