package io.kmstagenforcer.localrun;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;

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
}
