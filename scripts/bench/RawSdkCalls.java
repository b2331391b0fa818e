package bench;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProviderChain;
import software.amazon.awssdk.auth.credentials.ContainerCredentialsProvider;
import software.amazon.awssdk.auth.credentials.EnvironmentVariableCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.model.Tag;

/**
 * The floor of scripts/benchmark's warm per-event latency: the KMS calls the enforcer makes for
 * the same events, and nothing else (no Lambda runtime, no event parsing, no planning, no logs),
 * through the same SDK, HTTP client and timeouts, in one warm JVM started with the same flags.
 *
 * <p>Input: a file with one line per event, {@code ARN write|read}. "write" is a fresh key (the
 * enforcer reads its tags and writes the four missing ones: ListResourceTags + TagResource);
 * "read" is a redelivery of an event for a compliant key (ListResourceTags only). The first
 * {@code warmup} lines are run but not reported. Output (stdout): one line per reported event,
 * {@code write|read MICROSECONDS}.
 *
 * <p>Usage: {@code java -cp lib/*:classes bench.RawSdkCalls ENDPOINT REGION EVENTS_FILE WARMUP [chain]};
 * with {@code chain}, credentials come from the function's own provider chain (environment
 * variables, then the container endpoint) instead of a static provider.
 */
public final class RawSdkCalls {
    public static void main(String[] args) throws Exception {
        URI endpoint = URI.create(args[0]);
        Region region = Region.of(args[1]);
        List<String> lines = Files.readAllLines(Path.of(args[2]));
        int warmup = Integer.parseInt(args[3]);
        List<Tag> tags = List.of(
                Tag.builder().tagKey("Owner").tagValue("alice").build(),
                Tag.builder().tagKey("CostCenter").tagValue("unassigned").build(),
                Tag.builder().tagKey("Environment").tagValue("dev").build(),
                Tag.builder().tagKey("CreatedBy").tagValue("arn:aws:iam::123456789012:user/alice").build());
        StringBuilder out = new StringBuilder();
        try (SdkHttpClient http = UrlConnectionHttpClient.builder()
                     .connectionTimeout(Duration.ofSeconds(2)).socketTimeout(Duration.ofSeconds(5)).build();
             KmsClient kms = KmsClient.builder()
                     .region(region)
                     .endpointOverride(endpoint)
                     .httpClient(http)
                     .credentialsProvider(args.length > 4 && "chain".equals(args[4])
                             // the function's own provider: environment variables, else the container endpoint
                             ? AwsCredentialsProviderChain.builder().reuseLastProviderEnabled(false)
                                     .credentialsProviders(EnvironmentVariableCredentialsProvider.create(),
                                             ContainerCredentialsProvider.builder().build())
                                     .build()
                             : StaticCredentialsProvider.create(AwsBasicCredentials.create("testing", "testing")))
                     .overrideConfiguration(o -> o.apiCallTimeout(Duration.ofSeconds(15)))
                     .build()) {
            List<long[]> timings = new ArrayList<>();
            for (int i = 0; i < lines.size(); i++) {
                String[] parts = lines.get(i).trim().split("\\s+");
                String arn = parts[0];
                boolean write = "write".equals(parts[1]);
                long start = System.nanoTime();
                kms.listResourceTags(r -> r.keyId(arn));
                if (write) {
                    kms.tagResource(r -> r.keyId(arn).tags(tags));
                }
                long micros = (System.nanoTime() - start) / 1000;
                if (i >= warmup) {
                    out.append(write ? "write " : "read ").append(micros).append('\n');
                }
            }
        }
        System.out.print(out);
    }
}
