package io.kmstagenforcer.integration;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One moto server process ({@code python3 -m moto.server -H 127.0.0.1 -p PORT}) on a free
 * loopback port.
 *
 * <p>Started and stopped by the tests themselves: {@link #start()} waits until {@code /moto-api/}
 * answers, {@link #close()} ends the process (and anything it started), and a JVM shutdown hook
 * does the same if the JVM ends some other way, so no server is ever left behind. A machine
 * without python3 or moto fails the suite with a message saying how to install them: these tests
 * never skip.
 */
final class MotoServer implements ExtensionContext.Store.CloseableResource {
    static final String INSTALL_HINT = "The integration tests need python3 with moto's server: "
            + "pip install 'moto[server]' (moto 5.2.1 is what they were written against).";
    private static final Duration START_DEADLINE = Duration.ofSeconds(60);
    private static final Duration STOP_GRACE = Duration.ofSeconds(5);
    private static final int START_ATTEMPTS = 3;

    private final Process process;
    private final URI endpoint;
    private final Path log;
    private final Thread shutdownHook;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private MotoServer(Process process, URI endpoint, Path log) {
        this.process = process;
        this.endpoint = endpoint;
        this.log = log;
        this.shutdownHook = new Thread(this::stop, "moto-server-stop");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** Starts a server and returns once it answers. A port taken in the meantime is retried. */
    static MotoServer start() {
        AssertionError last = null;
        for (int attempt = 0; attempt < START_ATTEMPTS; attempt++) {
            int port = freePort();
            Path log = Path.of(System.getProperty("basedir", "."), "target", "moto-server-" + port + ".log");
            Process process;
            try {
                Files.createDirectories(log.getParent());
                process = new ProcessBuilder("python3", "-m", "moto.server", "-H", "127.0.0.1", "-p", String.valueOf(port))
                        .redirectErrorStream(true)
                        .redirectOutput(log.toFile())
                        .start();
            } catch (IOException e) {
                throw new AssertionError("Cannot run python3 (" + e.getMessage() + "). " + INSTALL_HINT, e);
            }
            MotoServer server = new MotoServer(process, URI.create("http://127.0.0.1:" + port), log);
            try {
                server.awaitReady();
                return server;
            } catch (AssertionError e) {
                server.close();
                last = e;
                if (!server.logText().contains("Address already in use")) {
                    throw e;
                }
            }
        }
        throw last;
    }

    /** Where the SDK should send KMS requests. */
    URI endpoint() {
        return endpoint;
    }

    /** Forgets every key, tag and alias: each test starts from an empty account. */
    void reset() {
        HttpResponse<String> response = send(HttpRequest.newBuilder(endpoint.resolve("/moto-api/reset"))
                .POST(HttpRequest.BodyPublishers.noBody()));
        if (response.statusCode() != 200) {
            throw new AssertionError("moto reset answered HTTP " + response.statusCode() + ": " + response.body());
        }
    }

    @Override
    public void close() {
        stop();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // The hook is running or has run: stop() is idempotent.
        }
    }

    private void stop() {
        List<ProcessHandle> children = process.descendants().toList();
        process.destroy();
        children.forEach(ProcessHandle::destroy);
        try {
            if (!process.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        children.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
    }

    private void awaitReady() {
        Instant deadline = Instant.now().plus(START_DEADLINE);
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new AssertionError("moto's server exited with code " + process.exitValue() + " before answering. "
                        + INSTALL_HINT + "\nIts output (" + log + "):\n" + logText());
            }
            try {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(endpoint.resolve("/moto-api/"))
                        .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    return;
                }
            } catch (ConnectException | java.net.http.HttpTimeoutException notYet) {
                // Still starting.
            } catch (IOException e) {
                // Connection reset while binding: try again.
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for moto", e);
            }
            sleep(Duration.ofMillis(100));
        }
        throw new AssertionError("moto's server did not answer " + endpoint + "/moto-api/ within " + START_DEADLINE.toSeconds()
                + " s. Its output (" + log + "):\n" + logText());
    }

    private HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return http.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException("moto at " + endpoint + " did not answer", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    private String logText() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no output: " + e.getMessage() + ")";
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
