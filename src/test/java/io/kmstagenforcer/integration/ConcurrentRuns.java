package io.kmstagenforcer.integration;

import io.kmstagenforcer.TagEnforcerHandler;
import io.kmstagenforcer.TagEnforcerHandler.Collaborators;
import io.kmstagenforcer.integration.HandlerRuns.Response;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * Events (or a sweep) processed at the same moment by separate runtimes (one handler and one set of KMS clients
 * each, as two Lambda execution environments have), with the worst interleaving forced: a proxy
 * holds every ListResourceTags until all runtimes have read, so none sees another's writes.
 */
final class ConcurrentRuns implements AutoCloseable {
    /** One thread per runtime: a runtime waiting for another's writes must not hold up that one's start. */
    private static final ExecutorService POOL = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "runtime");
        thread.setDaemon(true);
        return thread;
    });
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
        return responses(run(events.stream().map(event -> eventRuntime(environment, event)).toList(), false));
    }

    /**
     * As {@link #allReadBeforeAnyWrites}, and each runtime's writes wait until the runtime before it
     * has finished: the writes land in the order of {@code events}, the last one's last.
     */
    List<Response> allReadBeforeWritesInOrder(Map<String, String> environment, List<CloudTrailEvents.Event> events) throws Exception {
        return responses(run(events.stream().map(event -> eventRuntime(environment, event)).toList(), true));
    }

    /**
     * Runtimes of either function, each given its own KMS clients: all read the key before any writes,
     * and the writes land in the order given. What each returned, in that order.
     */
    List<Object> allReadBeforeWritesInOrder(List<Function<RecordingKmsClients, Object>> runtimes) throws Exception {
        return run(runtimes, true);
    }

    /** The key-event function's runtime for one event. */
    static Function<RecordingKmsClients, Object> eventRuntime(Map<String, String> environment, CloudTrailEvents.Event event) {
        return clients -> HandlerRuns.invoke(new TagEnforcerHandler(Collaborators.of(environment, clients)), event);
    }

    private List<Object> run(List<Function<RecordingKmsClients, Object>> work, boolean writesInOrder) throws Exception {
        // Each runtime's first read waits for the others' (a later read, if any, passes at once).
        CountDownLatch allRead = new CountDownLatch(work.size());
        proxy.beforeForwarding("ListResourceTags", () -> {
            allRead.countDown();
            if (!allRead.await(20, TimeUnit.SECONDS)) {
                throw new TimeoutException("not every runtime read the key");
            }
        });
        List<CompletableFuture<Object>> runs = new ArrayList<>();
        for (Function<RecordingKmsClients, Object> runtime : work) {
            RecordingKmsClients clients = new RecordingKmsClients(proxy.endpoint());
            if (writesInOrder && !runs.isEmpty()) {
                CompletableFuture<Object> before = runs.get(runs.size() - 1);
                clients.beforeEachWrite(() -> before.join());
            }
            runtimes.add(clients);
            runs.add(CompletableFuture.supplyAsync(() -> runtime.apply(clients), POOL));
        }
        List<Object> results = new ArrayList<>();
        for (CompletableFuture<Object> run : runs) {
            results.add(run.get(60, TimeUnit.SECONDS));
        }
        return results;
    }

    private static List<Response> responses(List<Object> results) {
        return results.stream().map(Response.class::cast).toList();
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
