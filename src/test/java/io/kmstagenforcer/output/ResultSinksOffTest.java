package io.kmstagenforcer.output;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListSet;
import org.junit.jupiter.api.Test;

/**
 * Off, the optional outputs cost the event function nothing, not even their classes: the handler is
 * loaded afresh, from target/classes, by a class loader that records every class of the project it
 * defines, built and invoked once; none of the outputs' classes may be among them. With the option
 * on, they are (the check can fail).
 */
class ResultSinksOffTest {
    /** The classes of the optional outputs and their adapters. */
    static final Set<String> OPTIONAL = Set.of(
            "io.kmstagenforcer.output.ResultSink",
            "io.kmstagenforcer.output.Delivery",
            "io.kmstagenforcer.output.DecisionEvents",
            "io.kmstagenforcer.output.DecisionText",
            "io.kmstagenforcer.output.SecurityHubFindings",
            "io.kmstagenforcer.aws.PutEvents",
            "io.kmstagenforcer.aws.BatchImportFindings",
            "io.kmstagenforcer.aws.BatchSend");

    @Test
    void offTheEventFunctionLoadsNoneOfTheOutputsClasses() throws Exception {
        Set<String> loaded = runHandler(Map.of());
        assertTrue(loaded.contains("io.kmstagenforcer.output.DecisionLog"), "the check sees the project's classes: " + loaded);
        Set<String> optional = new TreeSet<>(loaded);
        optional.retainAll(OPTIONAL);
        assertEquals(Set.of(), optional);
    }

    @Test
    void withADecisionEventBusTheyAreLoaded() throws Exception {
        Set<String> loaded = runHandler(Map.of("DECISION_EVENT_BUS", "default"));
        assertTrue(loaded.contains("io.kmstagenforcer.output.DecisionEvents"), loaded::toString);
        assertTrue(loaded.contains("io.kmstagenforcer.aws.PutEvents"), loaded::toString);
    }

    @Test
    void withSecurityHubFindingsTheirsAreLoaded() throws Exception {
        Set<String> loaded = runHandler(Map.of("SECURITY_HUB_FINDINGS", "true"));
        assertTrue(loaded.contains("io.kmstagenforcer.output.SecurityHubFindings"), loaded::toString);
    }

    @Test
    void falseIsOffToo() throws Exception {
        Set<String> loaded = runHandler(Map.of("SECURITY_HUB_FINDINGS", "false", "DECISION_EVENT_BUS", ""));
        Set<String> optional = new TreeSet<>(loaded);
        optional.retainAll(OPTIONAL);
        assertEquals(Set.of(), optional);
    }

    /** Builds the handler in a fresh loader and gives it an event it rejects (no KMS call); returns the project classes defined. */
    private static Set<String> runHandler(Map<String, String> extra) throws Exception {
        Path classes = Path.of(System.getProperty("basedir", ".")).resolve("target/classes");
        try (RecordingLoader loader = new RecordingLoader(classes, ResultSinksOffTest.class.getClassLoader())) {
            Map<String, String> environment = new java.util.HashMap<>(Map.of(
                    "TAG_POLICY", "{\"required\":{\"Environment\":{\"default\":\"dev\"}}}", "AWS_REGION", "us-east-1"));
            environment.putAll(extra);
            Class<?> factory = loader.loadClass("io.kmstagenforcer.kms.KmsClientFactory");
            Object clients = Proxy.newProxyInstance(loader, new Class<?>[] {factory}, (proxy, method, args) -> {
                if (method.isDefault()) {
                    return java.lang.reflect.InvocationHandler.invokeDefault(proxy, method, args);
                }
                throw new AssertionError("no KMS client is built for a rejected event");
            });
            Class<?> collaborators = loader.loadClass("io.kmstagenforcer.TagEnforcerHandler$Collaborators");
            Object with = collaborators.getMethod("of", Map.class, factory).invoke(null, environment, clients);
            with = collaborators.getMethod("withLogOutput", PrintStream.class)
                    .invoke(with, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
            Object handler = loader.loadClass("io.kmstagenforcer.TagEnforcerHandler").getConstructor(collaborators).newInstance(with);
            handler.getClass().getMethod("handleRequest", InputStream.class, OutputStream.class,
                    com.amazonaws.services.lambda.runtime.Context.class)
                    .invoke(handler, new ByteArrayInputStream("{}".getBytes(StandardCharsets.UTF_8)), new ByteArrayOutputStream(), null);
            return loader.defined();
        }
    }

    /** Defines the project's classes itself (child first), from {@code classes}; everything else from the parent. */
    private static final class RecordingLoader extends ClassLoader implements AutoCloseable {
        private final Path classes;
        private final Set<String> defined = new ConcurrentSkipListSet<>();

        RecordingLoader(Path classes, ClassLoader parent) {
            super(parent);
            this.classes = classes;
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (!name.startsWith("io.kmstagenforcer.")) {
                return super.loadClass(name, resolve);
            }
            synchronized (getClassLoadingLock(name)) {
                Class<?> found = findLoadedClass(name);
                if (found == null) {
                    Path file = classes.resolve(name.replace('.', '/') + ".class");
                    try {
                        byte[] bytes = Files.readAllBytes(file);
                        found = defineClass(name, bytes, 0, bytes.length);
                        defined.add(name);
                    } catch (IOException e) {
                        throw new ClassNotFoundException(name, e);
                    }
                }
                return found;
            }
        }

        Set<String> defined() {
            return Set.copyOf(defined);
        }

        @Override
        public void close() {
        }
    }

}
