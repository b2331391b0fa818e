package bench;

import io.kmstagenforcer.event.EventInterpreter;
import io.kmstagenforcer.event.Interpretation;
import io.kmstagenforcer.plan.EventVariables;
import io.kmstagenforcer.plan.TagPlanner;
import io.kmstagenforcer.policy.PolicyParser;
import io.kmstagenforcer.policy.TagPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import software.amazon.awssdk.protocols.jsoncore.JsonNode;

/**
 * What the function's own JSON reading and planning cost in a cold JVM (scripts/benchmark
 * --candidates): the first use of each step, timed in the order the function runs them.
 * The SDK's JSON parser is timed first and apart, since the KMS protocol loads it in any case.
 *
 * <p>Usage: {@code java -cp TASK_ROOT:TASK_ROOT/lib/*:classes bench.ColdParse POLICY_FILE EVENT_FILE};
 * prints {@code step microseconds} lines.
 */
public final class ColdParse {
    public static void main(String[] args) throws Exception {
        String policyJson = Files.readString(Path.of(args[0]));
        byte[] event = Files.readAllBytes(Path.of(args[1]));
        long t0 = System.nanoTime();
        JsonNode.parser().parse("{\"a\":[1,\"b\",{\"c\":null}]}");
        long t1 = System.nanoTime();
        TagPolicy policy = PolicyParser.parse("TAG_POLICY", policyJson);
        long t2 = System.nanoTime();
        Interpretation interpretation = new EventInterpreter().interpret(event);
        long t3 = System.nanoTime();
        if (!(interpretation instanceof Interpretation.Enforce enforce)) {
            throw new IllegalStateException("the event was not taken: " + interpretation);
        }
        TagPlanner.plan(Map.of(), policy, EventVariables.of(enforce.event()));
        long t4 = System.nanoTime();
        System.out.printf("sdk-json %d%npolicy %d%nevent %d%nplan %d%n",
                (t1 - t0) / 1000, (t2 - t1) / 1000, (t3 - t2) / 1000, (t4 - t3) / 1000);
    }
}
