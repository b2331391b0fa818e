package io.kmstagenforcer.fuzz;

import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.withSettings;

import io.kmstagenforcer.kms.KmsClientFactory;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.mockito.Answers;
import org.mockito.stubbing.Answer;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.model.DescribeKeyRequest;
import software.amazon.awssdk.services.kms.model.DescribeKeyResponse;
import software.amazon.awssdk.services.kms.model.KeyManagerType;
import software.amazon.awssdk.services.kms.model.KeyMetadata;
import software.amazon.awssdk.services.kms.model.KeyState;
import software.amazon.awssdk.services.kms.model.ListResourceTagsRequest;
import software.amazon.awssdk.services.kms.model.ListResourceTagsResponse;
import software.amazon.awssdk.services.kms.model.TagResourceRequest;
import software.amazon.awssdk.services.kms.model.TagResourceResponse;
import software.amazon.awssdk.services.kms.model.UntagResourceRequest;
import software.amazon.awssdk.services.kms.model.UntagResourceResponse;

/**
 * A KMS that never fails: every key exists, is customer managed and Enabled, and has no tags.
 * One Mockito {@link KmsClient} per region (stub-only, so 10,000 events do not pile up recorded
 * invocations); every TagResource and UntagResource is recorded with the region it was sent to,
 * and any other call fails the event as unexpected.
 */
final class RecordingKms implements KmsClientFactory {
    /** One write as KMS received it: the tags of a TagResource, or the keys of an UntagResource. */
    record Write(String region, String operation, String keyId, List<SentTag> tags, List<String> tagKeys) {
    }

    /** A tag as sent, nulls and repeats included. */
    record SentTag(String key, String value) {
    }

    private final Map<String, KmsClient> clients = new ConcurrentHashMap<>();
    private final List<Write> writes = Collections.synchronizedList(new ArrayList<>());

    @Override
    public KmsClient create(String region) {
        return clients.computeIfAbsent(region, this::client);
    }

    /** The writes since the last {@link #clear()}. */
    List<Write> writes() {
        synchronized (writes) {
            return List.copyOf(writes);
        }
    }

    void clear() {
        writes.clear();
    }

    private KmsClient client(String region) {
        Answer<Object> unexpected = invocation -> {
            if (invocation.getMethod().getDeclaringClass() == Object.class) {
                return Answers.RETURNS_DEFAULTS.answer(invocation);
            }
            throw new AssertionError("unexpected KMS call " + invocation.getMethod().getName());
        };
        KmsClient kms = mock(KmsClient.class, withSettings().stubOnly().defaultAnswer(unexpected));
        doAnswer(invocation -> ListResourceTagsResponse.builder().tags(List.of()).truncated(false).build())
                .when(kms).listResourceTags(any(ListResourceTagsRequest.class));
        doAnswer(invocation -> DescribeKeyResponse.builder().keyMetadata(KeyMetadata.builder()
                        .arn(invocation.<DescribeKeyRequest>getArgument(0).keyId())
                        .keyManager(KeyManagerType.CUSTOMER)
                        .keyState(KeyState.ENABLED)
                        .build()).build())
                .when(kms).describeKey(any(DescribeKeyRequest.class));
        doAnswer(invocation -> {
            TagResourceRequest request = invocation.getArgument(0);
            List<SentTag> tags = request.tags().stream().map(tag -> new SentTag(tag.tagKey(), tag.tagValue())).toList();
            writes.add(new Write(region, "TagResource", request.keyId(), tags, List.of()));
            return TagResourceResponse.builder().build();
        }).when(kms).tagResource(any(TagResourceRequest.class));
        doAnswer(invocation -> {
            UntagResourceRequest request = invocation.getArgument(0);
            writes.add(new Write(region, "UntagResource", request.keyId(), List.of(), request.tagKeys()));
            return UntagResourceResponse.builder().build();
        }).when(kms).untagResource(any(UntagResourceRequest.class));
        return kms;
    }
}
