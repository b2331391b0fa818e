package io.kmstagenforcer.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kmstagenforcer.Fixtures;
import io.kmstagenforcer.fuzz.EventMutator.Cut;
import io.kmstagenforcer.fuzz.EventMutator.Kind;
import io.kmstagenforcer.fuzz.EventMutator.Mutant;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Seeded, repeatable fuzzing of the whole handler: {@value #DEFAULT_COUNT} mutants of every event
 * file in {@code events/} (but {@code env.json}) and {@code src/test/resources/events/}, found by
 * listing the folders, each run through the handler with a {@link RecordingKms} and checked
 * against the contract in {@link FuzzHarness#check} (no exception, one JSON response with a
 * known outcome, rejections that name a field, writes only for events {@link EventOracle} calls
 * valid, tags {@link KmsTagRules} accepts, at most one TagResource and one UntagResource).
 *
 * <p>Mutant {@code i} is made from seed file {@code i mod files} with primary mutation
 * {@code (i / files) mod kinds} and a random source derived from the seed and {@code i} alone, so
 * any one mutant can be made again without the others. Every failure line starts with
 * {@code fuzz.seed=S fuzz.only=I}; replay it with
 * {@code mvn -B test -Dtest=EventFuzzTest -Dfuzz.seed=S -Dfuzz.only=I}; the failing inputs are also
 * written to {@code target/fuzz-failures/}. {@code -Dfuzz.count=N} runs more (or fewer) mutants.
 * Adding a seed file changes which mutant an index names: replay against the same corpus.
 *
 * <p>What it found is kept, as the smallest input that shows it, in {@link FuzzRegressionTest}. A
 * run also fails when it shows too little: too few mutants, or too few of each possible outcome, or hostile
 * template values that never reach a TagResource.
 */
class EventFuzzTest {
    static final long DEFAULT_SEED = 20_240_514L;
    static final int DEFAULT_COUNT = 10_000;
    private static final long FUZZ_THREAD_STACK_BYTES = 256L << 20;
    private static final int MESSAGES_SHOWN = 25;
    /** Mutants handed to the handler's thread at a time. */
    private static final int BATCH = 100;
    private static final ThreadMXBean FUZZ_THREAD = ManagementFactory.getThreadMXBean();
    private static final Path REPOSITORY = Fixtures.path("events/").getParent();
    private static final Path FAILURES = Fixtures.path("target/fuzz-failures/");

    /** One seed file and its bytes. */
    record Seed(String name, byte[] bytes) {
    }

    @Test
    void mutatedEventsNeverBreakTheHandlersContract() throws Exception {
        long seed = Long.getLong("fuzz.seed", DEFAULT_SEED);
        int count = Integer.getInteger("fuzz.count", DEFAULT_COUNT);
        Integer only = Integer.getInteger("fuzz.only");
        List<Seed> corpus = corpus();
        // The fuzzer's own reader and writer recurse through 2,000-deep documents: give them room.
        // The handler itself runs on FuzzHarness's thread with a default-sized stack.
        FutureTask<Report> fuzz = new FutureTask<>(() -> fuzz(seed, corpus, only == null ? 0 : only,
                only == null ? count : only + 1));
        Thread thread = new Thread(null, fuzz, "fuzz", FUZZ_THREAD_STACK_BYTES);
        thread.start();
        Report report;
        try {
            report = fuzz.get();
        } catch (ExecutionException e) {
            throw new AssertionError("fuzz.seed=" + seed + ": the fuzzer itself failed", e.getCause());
        }
        System.out.println(report.summary());
        assertTrue(report.failures().isEmpty(), () -> report.failureMessage(seed));
        if (only == null) {
            report.assertMeaningful(seed, corpus.size());
        }
    }

    /** Runs mutants {@code from} (inclusive) to {@code to} (exclusive). */
    private static Report fuzz(long seed, List<Seed> corpus, int from, int to) {
        Report report = new Report(from, to);
        try {
            Files.deleteIfExists(FAILURES.resolve("seed-" + seed + ".txt"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        long start = System.nanoTime();
        long cpuStart = processCpuNanos();
        try (FuzzHarness harness = new FuzzHarness()) {
            for (int first = from; first < to; first += BATCH) {
                long cpu0 = FUZZ_THREAD.getCurrentThreadCpuTime();
                List<Mutant> mutants = new ArrayList<>();
                for (int index = first; index < Math.min(first + BATCH, to); index++) {
                    mutants.add(mutant(seed, index, corpus));
                }
                long cpu1 = FUZZ_THREAD.getCurrentThreadCpuTime();
                List<FuzzHarness.Run> runs = harness.runAll(mutants.stream().map(Mutant::bytes).toList());
                long cpu2 = FUZZ_THREAD.getCurrentThreadCpuTime();
                for (int i = 0; i < runs.size(); i++) {
                    Mutant mutant = mutants.get(i);
                    FuzzHarness.Check check = FuzzHarness.check(mutant.bytes(), runs.get(i));
                    report.count(mutant, runs.get(i), check);
                    if (!check.problems().isEmpty()) {
                        report.fail(seed, first + i, corpus.get((first + i) % corpus.size()), mutant, check.problems());
                    }
                }
                report.mutatingNanos += cpu1 - cpu0;
                report.checkingNanos += FUZZ_THREAD.getCurrentThreadCpuTime() - cpu2;
                if (runs.stream().anyMatch(run -> run.thrown().filter(TimeoutException.class::isInstance).isPresent())) {
                    break; // a hang: the handler's thread is stuck, later runs would mean nothing
                }
            }
            report.handlerNanos = harness.handlerCpuNanos();
        }
        report.elapsedMillis = (System.nanoTime() - start) / 1_000_000;
        report.cpuMillis = (processCpuNanos() - cpuStart) / 1_000_000;
        return report;
    }

    /** CPU time of the whole test JVM (JIT and GC included): on a shared machine, steadier than the wall clock. */
    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** Mutant {@code index} of the corpus for {@code seed}: the same bytes every time. */
    static Mutant mutant(long seed, int index, List<Seed> corpus) {
        int files = corpus.size();
        Kind[] kinds = Kind.values();
        Cut[] cuts = Cut.values();
        Kind kind = kinds[(index / files) % kinds.length];
        Cut cut = cuts[(index / (files * kinds.length)) % cuts.length];
        SplittableRandom random = new SplittableRandom(seed ^ (0x9E3779B97F4A7C15L * (index + 1L)));
        return EventMutator.mutate(corpus.get(index % files).bytes(), kind, cut, random);
    }

    /** Every {@code .json} file in events/ (but env.json, the SAM environment) and src/test/resources/events/, by name. */
    static List<Seed> corpus() {
        try (Stream<Path> samples = Files.list(Fixtures.path("events/"));
                Stream<Path> fixtures = Files.list(Fixtures.FIXTURE_DIR)) {
            List<Seed> corpus = Stream.concat(samples, fixtures)
                    .filter(path -> path.getFileName().toString().endsWith(".json"))
                    .filter(path -> !path.equals(Fixtures.path("events/env.json")))
                    .sorted()
                    .map(path -> new Seed(REPOSITORY.relativize(path).toString(), read(path)))
                    .toList();
            assertFalse(corpus.isEmpty(), "no seed files found");
            return corpus;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] read(Path path) {
        try {
            return Files.readAllBytes(path);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Counts and failures of one fuzzing run. */
    static final class Report {
        private final int from;
        private final int to;
        private final Map<String, Integer> outcomes = new TreeMap<>();
        private final Map<Kind, Integer> mutantsByKind = new EnumMap<>(Kind.class);
        private final Map<Kind, Integer> writesByKind = new EnumMap<>(Kind.class);
        private final List<String> failures = new ArrayList<>();
        private int mutants;
        private int withWrites;
        private long elapsedMillis;
        private long cpuMillis;
        private long mutatingNanos;
        private long handlerNanos;
        private long checkingNanos;

        Report(int from, int to) {
            this.from = from;
            this.to = to;
        }

        void count(Mutant mutant, FuzzHarness.Run run, FuzzHarness.Check check) {
            mutants++;
            mutantsByKind.merge(mutant.kind(), 1, Integer::sum);
            if (!run.writes().isEmpty()) {
                withWrites++;
                writesByKind.merge(mutant.kind(), 1, Integer::sum);
            }
            outcomes.merge(check.outcome(), 1, Integer::sum);
        }

        void fail(long seed, int index, Seed file, Mutant mutant, List<String> problems) {
            String message = "fuzz.seed=" + seed + " fuzz.only=" + index + " (" + file.name() + ", " + mutant.kind() + ": "
                    + mutant.description() + "): " + String.join("; ", problems);
            failures.add(message);
            try {
                Files.createDirectories(FAILURES);
                Files.write(FAILURES.resolve("seed-" + seed + "-" + index + ".json"), mutant.bytes());
                Files.writeString(FAILURES.resolve("seed-" + seed + ".txt"), message + "\n", StandardCharsets.UTF_8,
                        StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            } catch (IOException e) {
                failures.add("fuzz.seed=" + seed + " fuzz.only=" + index + ": could not save the input: " + e);
            }
        }

        List<String> failures() {
            return failures;
        }

        String summary() {
            return "EventFuzzTest: mutants " + from + ".." + (to - 1) + " (" + mutants + ") in " + elapsedMillis + " ms, " + cpuMillis
                    + " ms of CPU (mutating "
                    + mutatingNanos / 1_000_000 + " ms, handler " + handlerNanos / 1_000_000 + " ms, checking "
                    + checkingNanos / 1_000_000 + " ms); "
                    + withWrites + " wrote to KMS; outcomes " + outcomes + "; writes by mutation " + writesByKind
                    + "; failures " + failures.size();
        }

        String failureMessage(long seed) {
            String shown = failures.stream().limit(MESSAGES_SHOWN).collect(Collectors.joining("\n"));
            return "fuzz.seed=" + seed + ": " + failures.size() + " of " + mutants + " mutated events broke the handler's contract"
                    + " (replay one with -Dfuzz.seed=" + seed + " -Dfuzz.only=I; inputs and every message in target/fuzz-failures/):\n" + shown
                    + (failures.size() > MESSAGES_SHOWN ? "\n... and " + (failures.size() - MESSAGES_SHOWN) + " more" : "");
        }

        /**
         * Guards against a fuzzer that checks nothing: enough mutants, every kind used on every
         * seed file, and outcomes of every possible kind, writes included, also from hostile values.
         */
        void assertMeaningful(long seed, int files) {
            String prefix = "fuzz.seed=" + seed + ": ";
            assertTrue(mutants >= DEFAULT_COUNT || mutants == to - from, prefix + "only " + mutants + " mutants ran");
            assertTrue(mutants >= files * Kind.values().length, prefix + "too few mutants for every kind on every seed file");
            for (String outcome : FuzzHarness.POSSIBLE_OUTCOMES) {
                assertTrue(outcomes.getOrDefault(outcome, 0) * 50 >= mutants, prefix + "under 2% of the mutants were " + outcome
                        + ": " + summary());
            }
            int hostile = mutantsByKind.getOrDefault(Kind.HOSTILE_TEMPLATE_VALUE, 0);
            assertTrue(writesByKind.getOrDefault(Kind.HOSTILE_TEMPLATE_VALUE, 0) * 10 >= hostile,
                    prefix + "under 10% of the hostile template values reached a TagResource: " + summary());
        }
    }

    // --- the fuzzer's own parts, checked so that a silent one cannot pass for a thorough one

    @Test
    void everyUnmutatedSeedKeepsTheContractAndTheOracleAgreesWithTheHandlerOnIt() {
        try (FuzzHarness harness = new FuzzHarness()) {
            for (Seed file : corpus()) {
                FuzzHarness.Run run = harness.run(file.bytes());
                FuzzHarness.Check check = FuzzHarness.check(file.bytes(), run);
                assertTrue(check.good(), () -> file.name() + ": " + check);
                EventOracle.Verdict verdict = EventOracle.judge(file.bytes());
                assertEquals(verdict.valid(), !run.writes().isEmpty(), file.name() + ": oracle says " + verdict.why());
            }
        }
    }

    @Test
    void mutantsAreRepeatableAndDiffer() {
        List<Seed> corpus = corpus();
        for (int index : new int[] {0, 1, corpus.size() * 7 + 3, 9_999}) {
            assertEquals(new String(mutant(DEFAULT_SEED, index, corpus).bytes(), StandardCharsets.ISO_8859_1),
                    new String(mutant(DEFAULT_SEED, index, corpus).bytes(), StandardCharsets.ISO_8859_1));
        }
        assertFalse(Arrays.equals(mutant(1, 0, corpus).bytes(), mutant(2, 0, corpus).bytes()));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "event is empty",
            "event is not valid JSON: Unexpected end-of-input",
            "event must be an object, not an array",
            "event.detail must be an object, not missing",
            "event.detail-type is odd",
            "event.detail.responseElements.keyMetadata.arn: 'x' is not an ARN",
            "event.detail.resources[0].ARN: 'x' is not an ARN"})
    void aReasonThatStartsWithAFieldPathNamesAField(String reason) {
        assertTrue(FuzzHarness.namesAField(reason), reason);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "", "bad input", "eventName is missing", "events are odd", "the event is bad", "detail", "NullPointerException",
            "java.lang.IllegalStateException: event", "event", "event.", "event.detail", ".detail is missing",
            "event.detail.resources[] is odd"})
    void aReasonThatDoesNotStartWithAFieldPathDoesNotNameAField(String reason) {
        assertFalse(FuzzHarness.namesAField(reason), reason);
    }

    @ParameterizedTest
    @ValueSource(strings = {"alice", "a b", "\u043A\u043B\u044E\u0447", "x:y/z=1+2-3@4_5.6", "\u216B\u00B2", "\u00A0\u2028",
            "\uD835\uDC00", "\u01C5"})
    void kmsAcceptsLettersNumbersSeparatorsAndItsPunctuation(String text) {
        assertEquals(Optional.empty(), KmsTagRules.keyProblem(text));
        assertEquals(Optional.empty(), KmsTagRules.valueProblem(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"a,b", "a&b", "<", ">", "\"", ";", "\uD83D\uDE00", "\t", "\n", "\u0000", "\uD800", "e\u0301", "\u200B"})
    void kmsRefusesEverythingElse(String text) {
        assertTrue(KmsTagRules.keyProblem(text).isPresent(), text);
        assertTrue(KmsTagRules.valueProblem(text).isPresent(), text);
    }

    @Test
    void kmsCountsLengthsInCodePointsAndReservesAwsKeys() {
        assertTrue(KmsTagRules.keyProblem("").isPresent());
        assertEquals(Optional.empty(), KmsTagRules.valueProblem(""));
        assertEquals(Optional.empty(), KmsTagRules.keyProblem("\uD835\uDC00".repeat(128)));
        assertTrue(KmsTagRules.keyProblem("a".repeat(129)).isPresent());
        assertEquals(Optional.empty(), KmsTagRules.valueProblem("\uD835\uDC00".repeat(256)));
        assertTrue(KmsTagRules.valueProblem("a".repeat(257)).isPresent());
        assertTrue(KmsTagRules.keyProblem("aws:x").isPresent());
        assertTrue(KmsTagRules.keyProblem("AwS:x").isPresent());
        assertEquals(Optional.empty(), KmsTagRules.keyProblem("x:aws:"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"{}", "[]", "0", "-0.5e-3", "\"\\ud800\"", "\"\\ud83d\\ude00\u00e9\"", "\ufeff{\"a\":[1,{\"b\":null}]} \n",
            "{\"a\":1,\"A\":2}"})
    void theOraclesReaderTakesStrictJson(String json) {
        assertTrue(FuzzJson.tryParse(json.getBytes(StandardCharsets.UTF_8)).isPresent(), json);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "{", "{\"a\":1,}", "[1,]", "{\"a\":1,\"a\":1}", "{} x", "01", "1.", ".5", "+1", "NaN",
            "\"\t\"", "\"\\x\"", "\"\\u12\"", "tru", "{'a':1}", "// c\n{}"})
    void theOraclesReaderRefusesAnythingElse(String json) {
        assertFalse(FuzzJson.tryParse(json.getBytes(StandardCharsets.UTF_8)).isPresent(), json);
    }

    @Test
    void theOraclesReaderRefusesMalformedUtf8() {
        for (byte[] bad : List.of(new byte[] {'"', (byte) 0xC0, (byte) 0x80, '"'}, new byte[] {'"', (byte) 0xED, (byte) 0xA0, (byte) 0x80, '"'},
                new byte[] {'"', (byte) 0xC3, '"'}, new byte[] {'"', (byte) 0xFF, '"'}, new byte[] {'"', (byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80, '"'})) {
            assertFalse(FuzzJson.tryParse(bad).isPresent(), Arrays.toString(bad));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"INSIDE_STRING", "AFTER_BACKSLASH", "MID_NUMBER", "MID_UTF8", "AFTER_COMMA"})
    void everyCutFallsWhereItsNameSays(String cut) {
        byte[] bytes = "{\"a\":\"x\\n\u00E9\",\"n\":-12.5e3}".getBytes(StandardCharsets.UTF_8);
        // {"a":"x\né","n":-12.5e3}  (é is two bytes, C3 A9)
        Map<String, List<Integer>> expected = Map.of(
                "INSIDE_STRING", List.of(3, 7, 8, 9, 10, 11, 15),
                "AFTER_BACKSLASH", List.of(8),
                "MID_NUMBER", List.of(18, 19, 20, 21, 22, 23),
                "MID_UTF8", List.of(10),
                "AFTER_COMMA", List.of(13));
        assertEquals(expected.get(cut), EventMutator.cutPoints(bytes, Cut.valueOf(cut)));
    }
}
