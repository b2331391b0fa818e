package io.kmstagenforcer.localrun;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.concurrent.Executor;

/** The JDK's HTTP server on a free 127.0.0.1 port, for the tests' stand-ins of AWS endpoints. */
public final class LoopbackHttp {
    static {
        // The JDK's server writes a response's headers and body separately; without TCP_NODELAY, Nagle's
        // algorithm holds the body back until the client's delayed ACK, about 40 ms a request. The
        // property is read once, when the JVM makes its first server: hence here, before any.
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    private LoopbackHttp() {
    }

    /** A server not yet started: add contexts, then start it. */
    public static HttpServer server() {
        try {
            return HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A started server answering every path with {@code handler}; {@code executor} null: the server's own thread. */
    public static HttpServer start(HttpHandler handler, Executor executor) {
        HttpServer server = server();
        server.setExecutor(executor);
        server.createContext("/", handler);
        server.start();
        return server;
    }

    public static URI endpoint(HttpServer server) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** The status and the body (none when empty); headers are set before. */
    public static void respond(HttpExchange exchange, int status, byte[] body) throws IOException {
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }
}
