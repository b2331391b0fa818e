package io.kmstagenforcer.integration;

import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.model.CreateKeyRequest;
import software.amazon.awssdk.services.kms.model.KeyManagerType;
import software.amazon.awssdk.services.kms.model.KeyMetadata;
import software.amazon.awssdk.services.kms.model.KeySpec;
import software.amazon.awssdk.services.kms.model.KeyState;
import software.amazon.awssdk.services.kms.model.KeyUsageType;
import software.amazon.awssdk.services.kms.model.OriginType;
import software.amazon.awssdk.services.kms.model.ReplicateKeyRequest;
import software.amazon.awssdk.services.kms.model.ReplicateKeyResponse;
import software.amazon.awssdk.services.kms.model.Tag;

/**
 * Sets keys up in moto and reads them back, with clients of its own (never the function's, so
 * none of these calls is counted), one per region.
 */
final class MotoKeys implements AutoCloseable {
    static final String ACCOUNT = "123456789012";
    static final String HOME_REGION = "us-east-1";

    /** Threads for many calls at once: moto answers several requests at a time. */
    private static final int THREADS = 6;

    private final URI endpoint;
    private final Map<String, KmsClient> clients = new ConcurrentHashMap<>();

    MotoKeys(URI endpoint) {
        this.endpoint = endpoint;
    }

    /** Creates a key in {@link #HOME_REGION} with these creation tags; returns its CreateKey event. */
    CloudTrailEvents.Event createKey(Map<String, String> tags) {
        return create(CreateKeyRequest.builder().tags(kmsTags(tags)).build());
    }

    /** Creates a key in {@link #HOME_REGION} as this request asks; returns its CreateKey event. */
    CloudTrailEvents.Event createKey(CreateKeyRequest request) {
        return create(request);
    }

    /** Points {@code alias} at the key. */
    void createAlias(String keyArn, String alias) {
        client(regionOf(keyArn)).createAlias(request -> request.aliasName(alias).targetKeyId(keyIdOf(keyArn)));
    }

    /** Creates a multi-Region primary key in {@link #HOME_REGION}; returns its CreateKey event. */
    CloudTrailEvents.Event createMultiRegionKey(Map<String, String> tags) {
        return create(CreateKeyRequest.builder().multiRegion(true).tags(kmsTags(tags)).build());
    }

    /** Replicates a multi-Region key as a caller would (moto takes only the bare mrk- id); returns the ReplicateKey event. */
    CloudTrailEvents.Event replicate(String primaryArn, String replicaRegion) {
        ReplicateKeyRequest request = ReplicateKeyRequest.builder()
                .keyId(keyIdOf(primaryArn))
                .replicaRegion(replicaRegion)
                .build();
        ReplicateKeyResponse response = client(regionOf(primaryArn)).replicateKey(request);
        return CloudTrailEvents.replicateKey(request, response, primaryArn);
    }

    /** Replicates as {@link #replicate} does; returns both records of it: ReplicateKey (primary's region), CreateKey (replica's). */
    List<CloudTrailEvents.Event> replicateRecordedTwice(String primaryArn, String replicaRegion) {
        ReplicateKeyRequest request = ReplicateKeyRequest.builder()
                .keyId(keyIdOf(primaryArn))
                .replicaRegion(replicaRegion)
                .build();
        ReplicateKeyResponse response = client(regionOf(primaryArn)).replicateKey(request);
        return List.of(CloudTrailEvents.replicateKey(request, response, primaryArn), CloudTrailEvents.createKeyOfReplica(response));
    }

    /** A CreateKey event for a key KMS has never heard of (a random key id in this account and region). */
    CloudTrailEvents.Event eventForKeyThatDoesNotExist() {
        String keyId = UUID.randomUUID().toString();
        KeyMetadata key = KeyMetadata.builder()
                .awsAccountId(ACCOUNT)
                .keyId(keyId)
                .arn("arn:aws:kms:" + HOME_REGION + ":" + ACCOUNT + ":key/" + keyId)
                .creationDate(Instant.now())
                .enabled(true)
                .keyState(KeyState.ENABLED)
                .keyManager(KeyManagerType.CUSTOMER)
                .keySpec(KeySpec.SYMMETRIC_DEFAULT)
                .keyUsage(KeyUsageType.ENCRYPT_DECRYPT)
                .origin(OriginType.AWS_KMS)
                .multiRegion(false)
                .build();
        return CloudTrailEvents.createKey(CreateKeyRequest.builder().build(), key);
    }

    /**
     * Creates one key per entry, with those creation tags, on a few threads; returns their ARNs in
     * the same order. They are ECC_NIST_P256 signing keys, customer managed keys like any other to
     * the enforcer: moto 5.2.1 makes an RSA-2048 private key for every CreateKey except an ECC one
     * (whatever the key spec), about 100 ms of CPU per key, against about 10 ms for an ECC key.
     */
    List<String> createKeys(List<Map<String, String>> tagsPerKey) {
        return inParallel(tagsPerKey, tags -> create(CreateKeyRequest.builder()
                .keySpec(KeySpec.ECC_NIST_P256).keyUsage(KeyUsageType.SIGN_VERIFY).tags(kmsTags(tags)).build()).keyArn());
    }

    /** {@link #tags(String)} of each key, read on a few threads; in the same order. */
    List<Map<String, String>> tagsOf(List<String> keyArns) {
        return inParallel(keyArns, this::tags);
    }

    /** ScheduleKeyDeletion (7 days) by the bare key id: DescribeKey says PendingDeletion, though moto still lets it be tagged. */
    void scheduleDeletion(String keyArn) {
        client(regionOf(keyArn)).scheduleKeyDeletion(r -> r.keyId(keyIdOf(keyArn)).pendingWindowInDays(7));
    }

    /** DisableKey by the bare key id: moto 5.2.1 answers HTTP 500 to an ARN here (KMS takes either). */
    void disable(String keyArn) {
        client(regionOf(keyArn)).disableKey(r -> r.keyId(keyIdOf(keyArn)));
    }

    /** TagResource as a person would make it (not recorded). */
    void setTags(String keyArn, Map<String, String> tags) {
        client(regionOf(keyArn)).tagResource(r -> r.keyId(keyArn).tags(kmsTags(tags)));
    }

    /** UntagResource as a person would make it (not recorded). */
    void removeTags(String keyArn, List<String> tagKeys) {
        client(regionOf(keyArn)).untagResource(r -> r.keyId(keyArn).tagKeys(tagKeys));
    }

    KeyState state(String keyArn) {
        return client(regionOf(keyArn)).describeKey(r -> r.keyId(keyArn)).keyMetadata().keyState();
    }

    /** Replaces the key's key policy (PutKeyPolicy, policy name default). */
    void putKeyPolicy(String keyArn, String policy) {
        client(regionOf(keyArn)).putKeyPolicy(r -> r.keyId(keyIdOf(keyArn)).policyName("default").policy(policy));
    }

    /** The key's tags as KMS holds them now, in KMS's order. */
    Map<String, String> tags(String keyArn) {
        Map<String, String> tags = new LinkedHashMap<>();
        client(regionOf(keyArn)).listResourceTags(r -> r.keyId(keyArn))
                .tags().forEach(tag -> tags.put(tag.tagKey(), tag.tagValue()));
        return tags;
    }

    @Override
    public void close() {
        clients.values().forEach(KmsClient::close);
    }

    /** {@code work} on each item, on a few threads; the results in the items' order. */
    private static <T, R> List<R> inParallel(List<T> items, Function<T, R> work) {
        ExecutorService threads = Executors.newFixedThreadPool(THREADS);
        try {
            List<Future<R>> futures = new ArrayList<>();
            for (T item : items) {
                futures.add(threads.submit(() -> work.apply(item)));
            }
            List<R> results = new ArrayList<>();
            for (Future<R> future : futures) {
                results.add(future.get());
            }
            return results;
        } catch (ExecutionException e) {
            throw new IllegalStateException("a call to moto failed", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while calling moto", e);
        } finally {
            threads.shutdownNow();
        }
    }

    private CloudTrailEvents.Event create(CreateKeyRequest request) {
        return CloudTrailEvents.createKey(request, client(HOME_REGION).createKey(request).keyMetadata());
    }

    private KmsClient client(String region) {
        return clients.computeIfAbsent(region, r -> RecordingKmsClients.unrecorded(endpoint, r));
    }

    static String keyIdOf(String keyArn) {
        return keyArn.substring(keyArn.indexOf(":key/") + ":key/".length());
    }

    static String regionOf(String keyArn) {
        return keyArn.split(":")[3];
    }

    private static List<Tag> kmsTags(Map<String, String> tags) {
        return tags.entrySet().stream().map(tag -> Tag.builder().tagKey(tag.getKey()).tagValue(tag.getValue()).build()).toList();
    }
}
