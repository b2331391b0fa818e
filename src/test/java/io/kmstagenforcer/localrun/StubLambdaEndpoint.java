package io.kmstagenforcer.localrun;

import com.sun.net.httpserver.HttpServer;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A stand-in for Lambda's API on 127.0.0.1 (for {@code AWS_ENDPOINT_URL_LAMBDA}) that records every
 * request and answers an asynchronous Invoke as Lambda does, 202 with no body, or with the error a
 * test chose.
 */
public final class StubLambdaEndpoint implements AutoCloseable {
    /** One request the stub received. */
    public record Received(String method, String rawPath, Map<String, List<String>> headers, byte[] body) {
        /** The first value of a header, by name in any case; null when absent. */
        public String header(String name) {
            return headers.entrySet().stream().filter(entry -> entry.getKey().equalsIgnoreCase(name))
                    .map(entry -> entry.getValue().get(0)).findFirst().orElse(null);
        }
    }

    private final HttpServer server = LoopbackHttp.server();
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private volatile int status = 202;

    private StubLambdaEndpoint() {
        server.createContext("/", exchange -> {
            try (exchange; InputStream in = exchange.getRequestBody()) {
                received.add(new Received(exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(),
                        Map.copyOf(exchange.getRequestHeaders()), in.readAllBytes()));
                int answer = status;
                byte[] body = answer == 202 ? new byte[0] : "{\"Type\":\"User\",\"message\":\"denied\"}".getBytes(StandardCharsets.UTF_8);
                if (answer != 202) {
                    exchange.getResponseHeaders().set("x-amzn-ErrorType", "AccessDeniedException");
                }
                exchange.sendResponseHeaders(answer, body.length == 0 ? -1 : body.length);
                if (body.length > 0) {
                    exchange.getResponseBody().write(body);
                }
            }
        });
        server.start();
    }

    public static StubLambdaEndpoint start() {
        return new StubLambdaEndpoint();
    }

    /** Where Lambda's API is, e.g. {@code http://127.0.0.1:40123}. */
    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** From now on, answer with this status (other than 202: AccessDeniedException, as Lambda refuses a caller). */
    public void answerWith(int httpStatus) {
        status = httpStatus;
    }

    /** Every request so far, in order. */
    public List<Received> received() {
        return List.copyOf(received);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
