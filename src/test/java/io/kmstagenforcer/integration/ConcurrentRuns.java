package io.kmstagenforcer.integration;

import io.kmstagenforcer.TagEnforcerHandler;
import io.kmstagenforcer.TagEnforcerHandler.Collaborators;
import io.kmstagenforcer.integration.HandlerRuns.Response;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;

/**
 * Events processed at the same moment by separate runtimes (one handler and one set of KMS clients
 * each, as two Lambda execution environments have), with the worst interleaving forced: a proxy
 * holds every ListResourceTags until all runtimes have read, so none sees another's writes.
 */
final class ConcurrentRuns implements AutoCloseable {
    private final KmsProxy proxy;
    private final List<RecordingKmsClients> runtimes = new ArrayList<>();

    private ConcurrentRuns(URI moto) {
        this.proxy = KmsProxy.start(moto);
    }

    static ConcurrentRuns against(URI moto) {
        return new ConcurrentRuns(moto);
    }

    /** Runs each event in its own runtime with {@code environment}, all reads before any write; the responses in order. */
    List<Response> allReadBeforeAnyWrites(Map<String, String> environment, List<CloudTrailEvents.Event> events) throws Exception {
        CyclicBarrier allRead = new CyclicBarrier(events.size());
        proxy.beforeForwarding("ListResourceTags", () -> allRead.await(20, TimeUnit.SECONDS));
        List<CompletableFuture<Response>> runs = new ArrayList<>();
        for (CloudTrailEvents.Event event : events) {
            RecordingKmsClients clients = new RecordingKmsClients(proxy.endpoint());
            runtimes.add(clients);
            TagEnforcerHandler handler = new TagEnforcerHandler(Collaborators.of(environment, clients));
            runs.add(CompletableFuture.supplyAsync(() -> HandlerRuns.invoke(handler, event)));
        }
        List<Response> responses = new ArrayList<>();
        for (CompletableFuture<Response> run : runs) {
            responses.add(run.get(60, TimeUnit.SECONDS));
        }
        return responses;
    }

    /** Every operation that reached KMS, in order. */
    List<String> forwarded() {
        return proxy.forwarded();
    }

    @Override
    public void close() {
        runtimes.forEach(RecordingKmsClients::close);
        proxy.close();
    }
}
