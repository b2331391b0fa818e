package io.kmstagenforcer.enforce;

import io.kmstagenforcer.sweep.FakeKms;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.model.DescribeKeyRequest;
import software.amazon.awssdk.services.kms.model.DescribeKeyResponse;
import software.amazon.awssdk.services.kms.model.ListResourceTagsRequest;
import software.amazon.awssdk.services.kms.model.ListResourceTagsResponse;
import software.amazon.awssdk.services.kms.model.TagResourceRequest;
import software.amazon.awssdk.services.kms.model.TagResourceResponse;
import software.amazon.awssdk.services.kms.model.UntagResourceRequest;
import software.amazon.awssdk.services.kms.model.UntagResourceResponse;

/**
 * The in-memory {@link FakeKms} seen from outside: every call the enforcer makes is named in
 * {@link #calls()}, and a test may run something at the moment a call arrives, before KMS acts on
 * it (note where the log stands, crash the function, or let a person edit the key's tags).
 */
final class ObservedKms implements KmsClient {
    private final FakeKms kms;
    private final List<String> calls = new ArrayList<>();
    private Consumer<String> onCall = operation -> { };

    ObservedKms(FakeKms kms) {
        this.kms = kms;
    }

    /** Runs {@code action} with the operation's name as each call arrives, before it reaches KMS. */
    ObservedKms onCall(Consumer<String> action) {
        this.onCall = action;
        return this;
    }

    List<String> calls() {
        return List.copyOf(calls);
    }

    @Override
    public ListResourceTagsResponse listResourceTags(ListResourceTagsRequest request) {
        arrive("ListResourceTags");
        return kms.listResourceTags(request);
    }

    @Override
    public DescribeKeyResponse describeKey(DescribeKeyRequest request) {
        arrive("DescribeKey");
        return kms.describeKey(request);
    }

    @Override
    public TagResourceResponse tagResource(TagResourceRequest request) {
        arrive("TagResource");
        return kms.tagResource(request);
    }

    @Override
    public UntagResourceResponse untagResource(UntagResourceRequest request) {
        arrive("UntagResource");
        return kms.untagResource(request);
    }

    @Override
    public String serviceName() {
        return "kms";
    }

    @Override
    public void close() {
    }

    private void arrive(String operation) {
        calls.add(operation);
        onCall.accept(operation);
    }
}
