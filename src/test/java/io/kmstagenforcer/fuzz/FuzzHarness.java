package io.kmstagenforcer.fuzz;

import io.kmstagenforcer.TagEnforcerHandler;
import io.kmstagenforcer.TagEnforcerHandler.Collaborators;
import io.kmstagenforcer.fuzz.EventOracle.Verdict;
import io.kmstagenforcer.fuzz.FuzzJson.Obj;
import io.kmstagenforcer.fuzz.RecordingKms.SentTag;
import io.kmstagenforcer.fuzz.RecordingKms.Write;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * The handler as Lambda runs it, built once through its public constructor with a
 * {@link RecordingKms}, and the contract every input must keep. {@link #check} runs one input and
 * lists what went wrong (nothing, for a good run).
 *
 * <p>The policy gives every tag a default from one template variable, and one tag all of them, so
 * that whatever the event says about its caller, time and key is written (ENFORCEMENT_MODE=enforce,
 * and the key has no tags yet). The handler runs on a thread with a 1 MiB stack, the JVM's default
 * on 64-bit Linux, and a run that takes longer than {@link #HANG_LIMIT} counts as a hang.
 */
final class FuzzHarness implements AutoCloseable {
    static final String POLICY = """
            {
              "required": {
                "Principal":     {"default": "${principal}"},
                "PrincipalArn":  {"default": "${principal.arn}"},
                "PrincipalRole": {"default": "${principal.role}"},
                "PrincipalType": {"default": "${principal.type}"},
                "EventTime":     {"default": "${eventTime}"},
                "EventDate":     {"default": "${eventDate}"},
                "EventName":     {"default": "${eventName}"},
                "Account":       {"default": "${account}"},
                "Region":        {"default": "${region}"},
                "KeyId":         {"default": "${keyId}"},
                "KeyArn":        {"default": "${keyArn}"},
                "Everything":    {"default": "${principal} ${principal.arn} ${principal.role} ${principal.type} ${eventTime} ${eventDate} ${eventName} ${account} ${region} ${keyId} ${keyArn}"}
              }
            }""";
    /** Every outcome a response may name (RETRYING is thrown, never returned). */
    static final Set<String> KNOWN_OUTCOMES = Set.of(
            "COMPLIANT", "REMEDIATED", "REPORTED", "NONCOMPLIANT", "IGNORED", "REJECTED", "FAILED");
    /**
     * What this harness allows: enforce mode and defaults for every required tag (so never REPORTED
     * or NONCOMPLIANT), a key with no tags (never COMPLIANT), a KMS that never fails (never FAILED).
     */
    static final Set<String> POSSIBLE_OUTCOMES = Set.of("REMEDIATED", "IGNORED", "REJECTED");
    static final Duration HANG_LIMIT = Duration.ofSeconds(10);
    /**
     * The limit for a harness's first event, which loads and links the handler's classes: that alone
     * took 6 to 11 s of wall clock on a loaded 2-core machine, where a warm event takes milliseconds.
     */
    static final Duration FIRST_EVENT_HANG_LIMIT = Duration.ofSeconds(60);
    private final AtomicBoolean warm = new AtomicBoolean();
    private static final long HANDLER_STACK_BYTES = 1L << 20;
    /**
     * A rejection's reason starts with the path of the field at fault, rooted at the event, e.g.
     * {@code event is not valid JSON: ...} or {@code event.detail.responseElements.keyMetadata.arn: ...}:
     * {@code event}, then {@code .name} parts (each maybe with an {@code [index]}), then a space or a colon.
     */
    private static final Pattern STARTS_WITH_FIELD_PATH = Pattern.compile("event(\\.[A-Za-z][A-Za-z0-9-]*(\\[\\d+])?)*(?=[ :])");

    /** What one run did. */
    record Run(Optional<byte[]> response, Optional<Throwable> thrown, List<Write> writes, String log) {
    }

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private final RecordingKms kms = new RecordingKms();
    private final AtomicLong handlerCpuNanos = new AtomicLong();
    private final ByteArrayOutputStream log = new ByteArrayOutputStream();
    private final TagEnforcerHandler handler;
    private final ExecutorService worker = Executors.newSingleThreadExecutor(task -> {
        Thread thread = new Thread(null, task, "fuzz-handler", HANDLER_STACK_BYTES);
        thread.setDaemon(true);
        return thread;
    });

    FuzzHarness() {
        // The public constructor logs to System.out as it is when it runs: point it at our buffer.
        PrintStream stdout = System.out;
        System.setOut(new PrintStream(log, true, StandardCharsets.UTF_8));
        try {
            handler = new TagEnforcerHandler(Collaborators.of(Map.of(
                    "TAG_POLICY", POLICY,
                    "ENFORCEMENT_MODE", "enforce",
                    "AWS_LAMBDA_FUNCTION_NAME", "kms-tag-enforcer-fuzz",
                    "AWS_REGION", "us-east-1"), kms));
        } finally {
            System.setOut(stdout);
        }
    }

    /** CPU time the handler's thread has spent in the handler so far. */
    long handlerCpuNanos() {
        return handlerCpuNanos.get();
    }

    /** Runs one input; a hang is reported as a thrown {@link TimeoutException}. */
    Run run(byte[] input) {
        return runAll(List.of(input)).get(0);
    }

    /**
     * Runs the inputs one after the other on the handler's thread, handing over once per batch
     * (a hand-over per event costs more than the event on a busy machine). The runs up to a hang,
     * which ends the batch as a thrown {@link TimeoutException}.
     */
    List<Run> runAll(List<byte[]> inputs) {
        List<Run> runs = Collections.synchronizedList(new ArrayList<>());
        AtomicLong eventStarted = new AtomicLong(System.nanoTime());
        Future<?> batch = worker.submit(() -> {
            long cpuStart = THREADS.getCurrentThreadCpuTime();
            for (byte[] input : inputs) {
                eventStarted.set(System.nanoTime());
                runs.add(runHere(input));
                warm.set(true);
            }
            handlerCpuNanos.addAndGet(THREADS.getCurrentThreadCpuTime() - cpuStart);
        });
        while (true) {
            try {
                batch.get(HANG_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
                return List.copyOf(runs);
            } catch (TimeoutException e) {
                Duration limit = warm.get() ? HANG_LIMIT : FIRST_EVENT_HANG_LIMIT;
                if (System.nanoTime() - eventStarted.get() > limit.toNanos()) {
                    batch.cancel(true);
                    List<Run> done = new ArrayList<>(runs);
                    done.add(new Run(Optional.empty(), Optional.of(new TimeoutException(
                            "no answer after " + limit.toSeconds() + " s")), kms.writes(), ""));
                    return done;
                }
            } catch (ExecutionException e) {
                throw new IllegalStateException("the harness itself failed", e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
    }

    private Run runHere(byte[] input) {
        kms.clear();
        log.reset();
        ByteArrayOutputStream response = new ByteArrayOutputStream();
        Optional<Throwable> thrown = Optional.empty();
        try {
            handler.handleRequest(new ByteArrayInputStream(input), response, null);
        } catch (Throwable e) { // StackOverflowError and every other Error included: all are findings
            thrown = Optional.of(e);
        }
        return new Run(thrown.isPresent() ? Optional.empty() : Optional.of(response.toByteArray()), thrown, kms.writes(),
                log.toString(StandardCharsets.UTF_8));
    }

    /** Every way a run broke the contract ({@code problems}, empty for a good run), and the response's outcome (or what happened instead). */
    record Check(List<String> problems, String outcome) {
        boolean good() {
            return problems.isEmpty();
        }
    }

    /** Runs the input and checks the run. */
    Check check(byte[] input) {
        return check(input, run(input));
    }

    static Check check(byte[] input, Run run) {
        List<String> problems = new ArrayList<>();
        run.thrown().ifPresent(thrown -> problems.add("the handler threw " + describe(thrown)));
        Verdict verdict = EventOracle.judge(input);
        if (!run.writes().isEmpty() && !verdict.valid()) {
            problems.add("wrote to KMS (" + run.writes().stream().map(Write::operation).toList() + ") for an input that is "
                    + "not a valid event on a customer managed key: " + verdict.why());
        }
        problems.addAll(writeProblems(verdict, run.writes()));
        String outcome = run.thrown().map(thrown -> "threw " + thrown.getClass().getSimpleName()).orElse("no JSON object");
        if (run.response().isPresent()) {
            Optional<Object> response = FuzzJson.tryParse(run.response().get());
            if (response.orElse(null) instanceof Obj object) {
                outcome = String.valueOf(object.get("outcome"));
                problems.addAll(responseProblems(object, run.writes()));
            } else {
                problems.add("the response is not one JSON object: "
                        + EventMutator.abbreviated(new String(run.response().get(), StandardCharsets.UTF_8)));
            }
            problems.addAll(logProblems(run.log()));
        }
        return new Check(problems, outcome);
    }

    /** Writes only to the event's key in its region, at most one of each kind, with tags KMS accepts. */
    private static List<String> writeProblems(Verdict verdict, List<Write> writes) {
        List<String> problems = new ArrayList<>();
        for (String operation : List.of("TagResource", "UntagResource")) {
            long count = writes.stream().filter(write -> write.operation().equals(operation)).count();
            if (count > 1) {
                problems.add(count + " " + operation + " calls for one event");
            }
        }
        for (Write write : writes) {
            verdict.keyArn().filter(arn -> !arn.equals(write.keyId())).ifPresent(arn ->
                    problems.add(write.operation() + " went to " + write.keyId() + ", not to the event's key " + arn));
            verdict.keyArn().map(arn -> arn.split(":")[3]).filter(region -> !region.equals(write.region())).ifPresent(region ->
                    problems.add(write.operation() + " was sent to region " + write.region() + ", not to the key's region " + region));
            Set<String> keys = new HashSet<>();
            for (SentTag tag : write.tags()) {
                Optional<String> refused = KmsTagRules.keyProblem(tag.key()).or(() -> KmsTagRules.valueProblem(tag.value()));
                refused.ifPresent(why -> problems.add("TagResource sent a tag KMS refuses, " + EventMutator.abbreviated(tag.key())
                        + " = " + EventMutator.abbreviated(String.valueOf(tag.value())) + ": " + why));
                if (!keys.add(tag.key())) {
                    problems.add("TagResource sent the key " + EventMutator.abbreviated(tag.key()) + " twice");
                }
            }
        }
        return problems;
    }

    /** A known outcome; a reason for what was left alone; REMEDIATED exactly when tags were written. */
    private static List<String> responseProblems(Obj response, List<Write> writes) {
        List<String> problems = new ArrayList<>();
        Object outcome = response.get("outcome");
        Object reason = response.get("reason");
        if (!KNOWN_OUTCOMES.contains(outcome)) {
            problems.add("the response's outcome " + EventMutator.abbreviated(outcome) + " is not one of " + KNOWN_OUTCOMES);
        } else if (!POSSIBLE_OUTCOMES.contains(outcome)) {
            problems.add("outcome " + outcome + " cannot happen here (enforce mode, defaults for every tag, a key without "
                    + "tags, a KMS that never fails): " + EventMutator.abbreviated(reason));
        }
        if (("REJECTED".equals(outcome) || "IGNORED".equals(outcome)) && !(reason instanceof String text && !text.isBlank())) {
            problems.add(outcome + " without a reason");
        }
        if ("REJECTED".equals(outcome) && reason instanceof String text && !namesAField(text)) {
            problems.add("the rejection's reason does not start with the path of a field: " + EventMutator.abbreviated(text));
        }
        Map<String, String> written = new LinkedHashMap<>();
        writes.forEach(write -> write.tags().forEach(tag -> written.put(tag.key(), tag.value())));
        if ("REMEDIATED".equals(outcome) == written.isEmpty()) {
            problems.add("outcome " + outcome + " but " + written.size() + " tags written");
        }
        Map<String, Object> added = new LinkedHashMap<>();
        if (response.get("added") instanceof Obj addedTags) {
            addedTags.members.forEach(member -> added.put(member.name, member.value));
        }
        if (!added.equals(written)) {
            problems.add("the response's added " + EventMutator.abbreviated(response.get("added"))
                    + " is not what TagResource was sent (" + written.size() + " tags)");
        }
        return problems;
    }

    /** Exactly a decision line and a metrics document, each one JSON object on its own line. */
    private static List<String> logProblems(String log) {
        List<String> lines = log.isEmpty() ? List.of() : List.of(log.split("\n", -1));
        if (lines.size() != 3 || !lines.get(2).isEmpty()) {
            return List.of("the log is not two lines: " + EventMutator.abbreviated(log));
        }
        List<String> problems = new ArrayList<>();
        for (String line : lines.subList(0, 2)) {
            if (!(FuzzJson.tryParse(line.getBytes(StandardCharsets.UTF_8)).orElse(null) instanceof Obj)) {
                problems.add("a log line is not one JSON object: " + EventMutator.abbreviated(line));
            }
        }
        return problems;
    }

    /** True when the reason starts with a field path rooted at the event (see {@link #STARTS_WITH_FIELD_PATH}). */
    static boolean namesAField(String reason) {
        return STARTS_WITH_FIELD_PATH.matcher(reason).lookingAt();
    }

    private static String describe(Throwable thrown) {
        StackTraceElement[] trace = thrown.getStackTrace();
        String where = trace.length == 0 ? "" : " at " + trace[0];
        return thrown.getClass().getName() + ": " + EventMutator.abbreviated(String.valueOf(thrown.getMessage())) + where;
    }

    @Override
    public void close() {
        worker.shutdownNow();
    }
}
