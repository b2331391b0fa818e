package io.kmstagenforcer;

import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import io.kmstagenforcer.sweep.AccountSweeps;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * A run's account invocations as Lambda would make them, in this process: each a new handler (as
 * in a container of its own) given the payload as the runtime would deserialise it, its response
 * answered as the runtime serialises a record (an object of its components). Records which accounts
 * were invoked, and the most invocations in flight at once.
 */
public final class InProcessAccountSweeps implements AccountSweeps {
    private final Supplier<SweepHandler> handlers;
    private final Supplier<FakeContext> contexts;
    private final Path work;
    private final List<String> accounts = new CopyOnWriteArrayList<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger mostInFlight = new AtomicInteger();

    public InProcessAccountSweeps(Supplier<SweepHandler> handlers, Supplier<FakeContext> contexts, Path work) {
        this.handlers = handlers;
        this.contexts = contexts;
        this.work = work;
    }

    @Override
    public Answer invoke(String functionArn, byte[] payload) {
        mostInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
        try {
            ScheduledEvent event = load(payload);
            accounts.add(String.valueOf(event.getDetail().get("target")));
            return Answer.responded(asMap(handlers.get().handleRequest(event, contexts.get())));
        } finally {
            inFlight.decrementAndGet();
        }
    }

    /** The accounts invoked, in the order they were. */
    public List<String> accounts() {
        return List.copyOf(accounts);
    }

    public int mostInFlight() {
        return mostInFlight.get();
    }

    /** A ScheduledEvent as the runtime gives it to the handler. */
    public ScheduledEvent load(byte[] payload) {
        try {
            Path file = Files.createTempFile(work, "event-", ".json");
            Files.write(file, payload);
            return EventLoader.loadScheduledEvent(file.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A record as the runtime serialises it: a JSON object of its components. */
    static Map<String, Object> asMap(Record record) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (RecordComponent component : record.getClass().getRecordComponents()) {
            try {
                map.put(component.getName(), component.getAccessor().invoke(record));
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }
        return map;
    }
}
