package io.kmstagenforcer.integration;

import java.net.URI;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Gives a test class a running moto server, reset before every test, and per test a
 * {@link MotoKeys} on it for setting keys up and reading them back.
 *
 * <pre>{@code @RegisterExtension static final MotoServerExtension MOTO = new MotoServerExtension();}</pre>
 *
 * <p>One server serves every class of the run: it lives in the root context's store, which
 * closes it (process destroyed, waited for, killed if it lingers) when the run ends. If it cannot
 * start, every test that uses it fails with the reason and how to install moto.
 */
public final class MotoServerExtension implements BeforeAllCallback, BeforeEachCallback, AfterEachCallback {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(MotoServerExtension.class);

    private MotoServer server;
    private MotoKeys keys;

    @Override
    public void beforeAll(ExtensionContext context) {
        server = context.getRoot().getStore(NAMESPACE)
                .getOrComputeIfAbsent(MotoServer.class, type -> MotoServer.start(), MotoServer.class);
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        server().reset();
        keys = new MotoKeys(server().endpoint());
    }

    @Override
    public void afterEach(ExtensionContext context) {
        keys.close();
        keys = null;
    }

    /** The current test's helper for creating and inspecting keys (its calls are never counted). */
    MotoKeys keys() {
        if (keys == null) {
            throw new IllegalStateException("keys() is for use inside a test");
        }
        return keys;
    }

    /** The server's base address, e.g. {@code http://127.0.0.1:40123}. */
    public URI endpoint() {
        return server().endpoint();
    }

    private MotoServer server() {
        if (server == null) {
            throw new IllegalStateException("register MotoServerExtension with @RegisterExtension on a static field");
        }
        return server;
    }
}
