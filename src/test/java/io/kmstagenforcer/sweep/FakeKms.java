package io.kmstagenforcer.sweep;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.model.AliasListEntry;
import software.amazon.awssdk.services.kms.model.DescribeKeyRequest;
import software.amazon.awssdk.services.kms.model.DescribeKeyResponse;
import software.amazon.awssdk.services.kms.model.KeyListEntry;
import software.amazon.awssdk.services.kms.model.KeyManagerType;
import software.amazon.awssdk.services.kms.model.KeyMetadata;
import software.amazon.awssdk.services.kms.model.KmsException;
import software.amazon.awssdk.services.kms.model.ListAliasesRequest;
import software.amazon.awssdk.services.kms.model.ListAliasesResponse;
import software.amazon.awssdk.services.kms.model.ListKeysRequest;
import software.amazon.awssdk.services.kms.model.ListKeysResponse;
import software.amazon.awssdk.services.kms.model.ListResourceTagsRequest;
import software.amazon.awssdk.services.kms.model.ListResourceTagsResponse;
import software.amazon.awssdk.services.kms.model.Tag;
import software.amazon.awssdk.services.kms.model.TagResourceRequest;
import software.amazon.awssdk.services.kms.model.TagResourceResponse;
import software.amazon.awssdk.services.kms.model.UntagResourceRequest;
import software.amazon.awssdk.services.kms.model.UntagResourceResponse;

/**
 * One region's KMS in memory, for what moto does not model: ListKeys and ListAliases pagination,
 * AWS managed keys, KMS refusing to tag a key pending deletion, and throttling. It records every
 * call with the fake time it was made at.
 */
public final class FakeKms implements KmsClient {
    public static final String REGION = "eu-west-1";
    static final String ACCOUNT = "111122223333";

    /** One recorded call. */
    record Call(String operation, String keyId, long atNanos) {
    }

    private final LongSupplier clock;
    private final String account;
    private final Map<String, Map<String, String>> tags = new LinkedHashMap<>();
    private final Map<String, String> states = new LinkedHashMap<>();
    private final Map<String, String> managers = new LinkedHashMap<>();
    private final Map<String, String> aliases = new LinkedHashMap<>();
    private final List<Call> calls = new ArrayList<>();
    private int pageSize = 1000;
    private final Map<String, Integer> throttleNext = new LinkedHashMap<>();
    /** How KMS says "throttled": its usual code, unless a test makes it say so otherwise. */
    private int throttleStatus = 400;
    private String throttleCode = "ThrottlingException";
    private final Map<String, String> alwaysFail = new LinkedHashMap<>();

    public FakeKms(LongSupplier clock) {
        this(clock, ACCOUNT);
    }

    /** The KMS of another account (a member account), in the same region. */
    public FakeKms(LongSupplier clock, String account) {
        this.clock = clock;
        this.account = account;
    }

    public String arn(String keyId) {
        return "arn:aws:kms:" + REGION + ":" + account + ":key/" + keyId;
    }

    public FakeKms key(String keyId, Map<String, String> keyTags) {
        tags.put(keyId, new LinkedHashMap<>(keyTags));
        states.put(keyId, "Enabled");
        managers.put(keyId, "CUSTOMER");
        return this;
    }

    /** An AWS managed key, as KMS makes one: with its alias/aws/... alias. */
    FakeKms awsManagedKey(String keyId, String alias) {
        key(keyId, Map.of());
        managers.put(keyId, "AWS");
        aliases.put(alias, keyId);
        return this;
    }

    FakeKms alias(String alias, String keyId) {
        aliases.put(alias, keyId);
        return this;
    }

    public FakeKms state(String keyId, String state) {
        states.put(keyId, state);
        return this;
    }

    FakeKms pageSize(int size) {
        this.pageSize = size;
        return this;
    }

    /** The next {@code times} calls of {@code operation} answer ThrottlingException. */
    public FakeKms throttleNext(String operation, int times) {
        throttleNext.put(operation, times);
        return this;
    }

    /** Throttling is answered with this HTTP status and error code from now on (as a renamed or generic throttle would be). */
    FakeKms throttleAs(int status, String errorCode) {
        throttleStatus = status;
        throttleCode = errorCode;
        return this;
    }

    /** Every call of {@code operation} answers this error code. */
    public FakeKms alwaysFail(String operation, String errorCode) {
        alwaysFail.put(operation, errorCode);
        return this;
    }

    public Map<String, String> tagsOf(String keyId) {
        return tags.get(keyId);
    }

    List<Call> calls() {
        return List.copyOf(calls);
    }

    List<String> callsFor(String keyId) {
        return calls.stream().filter(call -> keyId.equals(call.keyId())).map(Call::operation).toList();
    }

    public long count(String operation) {
        return calls.stream().filter(call -> call.operation().equals(operation)).count();
    }

    public List<Long> timesOf(String... operations) {
        List<String> wanted = List.of(operations);
        return calls.stream().filter(call -> wanted.contains(call.operation())).map(Call::atNanos).toList();
    }

    @Override
    public ListKeysResponse listKeys(ListKeysRequest request) {
        record("ListKeys", null);
        List<String> ids = new ArrayList<>(tags.keySet());
        int from = request.marker() == null ? 0 : Integer.parseInt(request.marker());
        int to = Math.min(ids.size(), from + Math.min(pageSize, request.limit() == null ? 100 : request.limit()));
        List<KeyListEntry> page = ids.subList(from, to).stream()
                .map(id -> KeyListEntry.builder().keyId(id).keyArn(arn(id)).build()).toList();
        boolean truncated = to < ids.size();
        return ListKeysResponse.builder().keys(page).truncated(truncated).nextMarker(truncated ? Integer.toString(to) : null).build();
    }

    @Override
    public ListAliasesResponse listAliases(ListAliasesRequest request) {
        record("ListAliases", null);
        List<String> names = new ArrayList<>(aliases.keySet());
        int from = request.marker() == null ? 0 : Integer.parseInt(request.marker());
        int to = Math.min(names.size(), from + 2);
        List<AliasListEntry> page = names.subList(from, to).stream()
                .map(name -> AliasListEntry.builder().aliasName(name).targetKeyId(aliases.get(name)).build()).toList();
        boolean truncated = to < names.size();
        return ListAliasesResponse.builder().aliases(page).truncated(truncated).nextMarker(truncated ? Integer.toString(to) : null).build();
    }

    @Override
    public DescribeKeyResponse describeKey(DescribeKeyRequest request) {
        String keyId = keyIdOf(request.keyId());
        record("DescribeKey", keyId);
        return DescribeKeyResponse.builder().keyMetadata(KeyMetadata.builder()
                .keyId(keyId).arn(arn(keyId)).keyState(states.get(keyId))
                .keyManager(KeyManagerType.fromValue(managers.get(keyId)))
                .creationDate(Instant.parse("2023-02-03T04:05:06Z")).build()).build();
    }

    @Override
    public ListResourceTagsResponse listResourceTags(ListResourceTagsRequest request) {
        String keyId = keyIdOf(request.keyId());
        record("ListResourceTags", keyId);
        List<Tag> list = tags.get(keyId).entrySet().stream()
                .map(tag -> Tag.builder().tagKey(tag.getKey()).tagValue(tag.getValue()).build()).toList();
        return ListResourceTagsResponse.builder().tags(list).truncated(false).build();
    }

    @Override
    public TagResourceResponse tagResource(TagResourceRequest request) {
        String keyId = keyIdOf(request.keyId());
        record("TagResource", keyId);
        refuseIfPendingDeletion(keyId);
        request.tags().forEach(tag -> tags.get(keyId).put(tag.tagKey(), tag.tagValue()));
        return TagResourceResponse.builder().build();
    }

    @Override
    public UntagResourceResponse untagResource(UntagResourceRequest request) {
        String keyId = keyIdOf(request.keyId());
        record("UntagResource", keyId);
        refuseIfPendingDeletion(keyId);
        request.tagKeys().forEach(tags.get(keyId)::remove);
        return UntagResourceResponse.builder().build();
    }

    @Override
    public String serviceName() {
        return "kms";
    }

    @Override
    public void close() {
    }

    private void record(String operation, String keyId) {
        calls.add(new Call(operation, keyId, clock.getAsLong()));
        Integer throttles = throttleNext.get(operation);
        if (throttles != null && throttles > 0) {
            throttleNext.put(operation, throttles - 1);
            throw error(throttleStatus, throttleCode, "Rate exceeded");
        }
        String failure = alwaysFail.get(operation);
        if (failure != null) {
            throw error(failure.startsWith("KMSInternal") ? 500 : 400, failure, operation + " refused");
        }
    }

    private void refuseIfPendingDeletion(String keyId) {
        if (states.get(keyId).startsWith("Pending") && states.get(keyId).contains("Deletion")) {
            throw error(400, "KMSInvalidStateException", arn(keyId) + " is pending deletion.");
        }
    }

    private static KmsException error(int status, String code, String message) {
        return (KmsException) KmsException.builder().statusCode(status).message(message)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).errorMessage(message).build()).build();
    }

    private static String keyIdOf(String keyIdOrArn) {
        return keyIdOrArn.substring(keyIdOrArn.lastIndexOf('/') + 1);
    }
}
