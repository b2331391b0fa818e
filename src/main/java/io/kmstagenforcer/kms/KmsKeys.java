package io.kmstagenforcer.kms;

import io.kmstagenforcer.event.KeyArn;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.model.DescribeKeyRequest;
import software.amazon.awssdk.services.kms.model.KeyMetadata;
import software.amazon.awssdk.services.kms.model.KmsException;
import software.amazon.awssdk.services.kms.model.ListResourceTagsRequest;
import software.amazon.awssdk.services.kms.model.ListResourceTagsResponse;
import software.amazon.awssdk.services.kms.model.NotFoundException;
import software.amazon.awssdk.services.kms.model.Tag;
import software.amazon.awssdk.services.kms.model.TagResourceRequest;
import software.amazon.awssdk.services.kms.model.UntagResourceRequest;

/**
 * The enforcer's only door to KMS: the four calls it makes, each sent to the region in the key's
 * ARN, with SDK exceptions translated into {@link KmsCallException}s that say whether a retry
 * could help.
 */
public final class KmsKeys {
    /** Error codes worth another try; the SDK already retried throttling a few times before these reach us. */
    private static final Set<String> RETRYABLE_CODES = Set.of(
            "ThrottlingException", "KMSInternalException", "DependencyTimeoutException",
            "ServiceUnavailableException", "RequestTimeoutException", "InternalFailure");
    /** KMS has no more than 50 user tags plus a few aws: tags; more pages than this means a broken marker. */
    private static final int MAX_PAGES = 20;

    private final KmsClientFactory factory;
    private final Map<String, KmsClient> clientsByRegion = new ConcurrentHashMap<>();

    public KmsKeys(KmsClientFactory factory) {
        this.factory = factory;
    }

    public KeyDescription describe(KeyArn key) {
        KeyMetadata metadata = call("DescribeKey",
                () -> client(key).describeKey(DescribeKeyRequest.builder().keyId(key.toString()).build()).keyMetadata());
        return new KeyDescription(
                Optional.ofNullable(metadata.keyManagerAsString()),
                Optional.ofNullable(metadata.keyStateAsString()));
    }

    /** Every tag on the key, following ListResourceTags pages until KMS says there are no more. */
    public Map<String, String> listTags(KeyArn key) {
        Map<String, String> tags = new LinkedHashMap<>();
        String marker = null;
        for (int page = 0; page < MAX_PAGES; page++) {
            String pageMarker = marker;
            ListResourceTagsResponse response = call("ListResourceTags",
                    () -> client(key).listResourceTags(ListResourceTagsRequest.builder().keyId(key.toString()).marker(pageMarker).build()));
            response.tags().forEach(tag -> tags.put(tag.tagKey(), tag.tagValue()));
            if (!Boolean.TRUE.equals(response.truncated()) || response.nextMarker() == null
                    || response.nextMarker().equals(pageMarker)) {
                return tags;
            }
            marker = response.nextMarker();
        }
        throw new KmsCallException("ListResourceTags", "TooManyPages", KmsCallException.Kind.RETRYABLE, null);
    }

    public void tag(KeyArn key, Map<String, String> tags) {
        List<Tag> kmsTags = tags.entrySet().stream()
                .map(tag -> Tag.builder().tagKey(tag.getKey()).tagValue(tag.getValue()).build())
                .toList();
        call("TagResource", () -> client(key).tagResource(TagResourceRequest.builder().keyId(key.toString()).tags(kmsTags).build()));
    }

    public void untag(KeyArn key, List<String> tagKeys) {
        call("UntagResource", () -> client(key).untagResource(UntagResourceRequest.builder().keyId(key.toString()).tagKeys(tagKeys).build()));
    }

    private KmsClient client(KeyArn key) {
        return clientsByRegion.computeIfAbsent(key.region(), factory::create);
    }

    private static <T> T call(String operation, Supplier<T> request) {
        try {
            return request.get();
        } catch (NotFoundException e) {
            throw new KmsCallException(operation, "NotFoundException", KmsCallException.Kind.NOT_FOUND, e);
        } catch (KmsException e) {
            String code = e.awsErrorDetails() != null && e.awsErrorDetails().errorCode() != null
                    ? e.awsErrorDetails().errorCode()
                    : "HTTP " + e.statusCode();
            boolean retryable = e.statusCode() >= 500 || RETRYABLE_CODES.contains(code) || e.isThrottlingException();
            throw new KmsCallException(operation, code,
                    retryable ? KmsCallException.Kind.RETRYABLE : KmsCallException.Kind.TERMINAL, e);
        } catch (SdkClientException e) {
            // No answer from KMS (connection, timeout, credentials endpoint): nothing says it would fail again.
            throw new KmsCallException(operation, "ClientError", KmsCallException.Kind.RETRYABLE, e);
        }
    }
}
