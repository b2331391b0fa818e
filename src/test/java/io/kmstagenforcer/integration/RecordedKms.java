package io.kmstagenforcer.integration;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Per test: the function's KMS clients, recording every request, sent to moto directly or through
 * a {@link KmsProxy}; built before each test and closed after it.
 *
 * <pre>{@code @RegisterExtension final RecordedKms kms = RecordedKms.throughProxy(MOTO);}</pre>
 */
final class RecordedKms implements BeforeEachCallback, AfterEachCallback {
    private final MotoServerExtension moto;
    private final boolean proxied;
    private KmsProxy proxy;
    private RecordingKmsClients clients;

    private RecordedKms(MotoServerExtension moto, boolean proxied) {
        this.moto = moto;
        this.proxied = proxied;
    }

    static RecordedKms direct(MotoServerExtension moto) {
        return new RecordedKms(moto, false);
    }

    static RecordedKms throughProxy(MotoServerExtension moto) {
        return new RecordedKms(moto, true);
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        proxy = proxied ? KmsProxy.start(moto.endpoint()) : null;
        clients = new RecordingKmsClients(proxied ? proxy.endpoint() : moto.endpoint());
    }

    @Override
    public void afterEach(ExtensionContext context) {
        clients.close();
        if (proxy != null) {
            proxy.close();
        }
    }

    RecordingKmsClients clients() {
        return clients;
    }

    KmsProxy proxy() {
        if (proxy == null) {
            throw new IllegalStateException("RecordedKms.direct has no proxy: use throughProxy");
        }
        return proxy;
    }
}
