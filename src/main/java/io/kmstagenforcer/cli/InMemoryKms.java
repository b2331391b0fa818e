package io.kmstagenforcer.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.model.DescribeKeyRequest;
import software.amazon.awssdk.services.kms.model.DescribeKeyResponse;
import software.amazon.awssdk.services.kms.model.GetKeyPolicyRequest;
import software.amazon.awssdk.services.kms.model.GetKeyPolicyResponse;
import software.amazon.awssdk.services.kms.model.KeyManagerType;
import software.amazon.awssdk.services.kms.model.KeyMetadata;
import software.amazon.awssdk.services.kms.model.KeyState;
import software.amazon.awssdk.services.kms.model.ListAliasesRequest;
import software.amazon.awssdk.services.kms.model.ListAliasesResponse;
import software.amazon.awssdk.services.kms.model.ListResourceTagsRequest;
import software.amazon.awssdk.services.kms.model.ListResourceTagsResponse;
import software.amazon.awssdk.services.kms.model.Tag;
import software.amazon.awssdk.services.kms.model.TagResourceRequest;
import software.amazon.awssdk.services.kms.model.TagResourceResponse;
import software.amazon.awssdk.services.kms.model.UntagResourceRequest;
import software.amazon.awssdk.services.kms.model.UntagResourceResponse;

/**
 * One customer managed key, enabled, with the simulator's tags and key policy, held in memory: the five KMS
 * operations the enforcer uses, and a record of every write, in order. Any other operation is the
 * SDK's default, {@link UnsupportedOperationException}. Nothing leaves the process.
 *
 * <p>DescribeKey gives no creation date: the simulator does not know it, so {@code ${eventTime}}
 * and {@code ${eventDate}} of an existing key render as {@code unknown}.
 */
final class InMemoryKms implements KmsClient {
    /** A TagResource ({@code tags}) or an UntagResource ({@code tagKeys}) the enforcer sent. */
    record Write(String operation, Map<String, String> tags, List<String> tagKeys) {
        static final String TAG = "TagResource";
        static final String UNTAG = "UntagResource";
    }

    /** The key policy KMS gives a key created without one: the account may use it through IAM; no tag condition. */
    static final String DEFAULT_KEY_POLICY = "{\"Version\":\"2012-10-17\",\"Id\":\"key-default-1\",\"Statement\":[{\"Sid\":"
            + "\"Enable IAM User Permissions\",\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::111122223333:root\"},"
            + "\"Action\":\"kms:*\",\"Resource\":\"*\"}]}";

    private final Map<String, String> tags;
    private final String keyPolicy;
    private final List<Write> writes = new ArrayList<>();

    InMemoryKms(Map<String, String> tags, String keyPolicy) {
        this.tags = new LinkedHashMap<>(tags);
        this.keyPolicy = keyPolicy;
    }

    /** The key's tags now. */
    Map<String, String> tags() {
        return new LinkedHashMap<>(tags);
    }

    /** The writes received, in order. */
    List<Write> writes() {
        return List.copyOf(writes);
    }

    @Override
    public ListResourceTagsResponse listResourceTags(ListResourceTagsRequest request) {
        return ListResourceTagsResponse.builder()
                .tags(tags.entrySet().stream().map(tag -> Tag.builder().tagKey(tag.getKey()).tagValue(tag.getValue()).build()).toList())
                .truncated(false)
                .build();
    }

    /** The simulated key has no alias: a scope on aliases does not apply to it. */
    @Override
    public ListAliasesResponse listAliases(ListAliasesRequest request) {
        return ListAliasesResponse.builder().aliases(List.of()).truncated(false).build();
    }

    @Override
    public DescribeKeyResponse describeKey(DescribeKeyRequest request) {
        return DescribeKeyResponse.builder()
                .keyMetadata(KeyMetadata.builder().keyId(request.keyId()).keyManager(KeyManagerType.CUSTOMER).keyState(KeyState.ENABLED).build())
                .build();
    }

    @Override
    public GetKeyPolicyResponse getKeyPolicy(GetKeyPolicyRequest request) {
        return GetKeyPolicyResponse.builder().policyName(request.policyName()).policy(keyPolicy).build();
    }

    @Override
    public TagResourceResponse tagResource(TagResourceRequest request) {
        Map<String, String> sent = new LinkedHashMap<>();
        request.tags().forEach(tag -> sent.put(tag.tagKey(), tag.tagValue()));
        writes.add(new Write(Write.TAG, sent, List.of()));
        tags.putAll(sent);
        return TagResourceResponse.builder().build();
    }

    @Override
    public UntagResourceResponse untagResource(UntagResourceRequest request) {
        writes.add(new Write(Write.UNTAG, Map.of(), request.tagKeys()));
        request.tagKeys().forEach(tags::remove);
        return UntagResourceResponse.builder().build();
    }

    @Override
    public String serviceName() {
        return SERVICE_NAME;
    }

    @Override
    public void close() {
        // Nothing to release.
    }
}
