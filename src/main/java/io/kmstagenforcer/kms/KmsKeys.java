package io.kmstagenforcer.kms;

import io.kmstagenforcer.event.KeyArn;
import io.kmstagenforcer.policy.KeyAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiFunction;
import java.time.Duration;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.retry.RetryUtils;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.model.DescribeKeyRequest;
import software.amazon.awssdk.services.kms.model.GetKeyPolicyRequest;
import software.amazon.awssdk.services.kms.model.KeyMetadata;
import software.amazon.awssdk.services.kms.model.ListAliasesRequest;
import software.amazon.awssdk.services.kms.model.ListAliasesResponse;
import software.amazon.awssdk.services.kms.model.ListKeysRequest;
import software.amazon.awssdk.services.kms.model.ListKeysResponse;
import software.amazon.awssdk.services.kms.model.ListResourceTagsRequest;
import software.amazon.awssdk.services.kms.model.ListResourceTagsResponse;
import software.amazon.awssdk.services.kms.model.NotFoundException;
import software.amazon.awssdk.services.kms.model.Tag;
import software.amazon.awssdk.services.kms.model.TagResourceRequest;
import software.amazon.awssdk.services.kms.model.UntagResourceRequest;

/**
 * The enforcer's only door to KMS: the calls it makes, each sent to the account and region in the
 * key's ARN (a member account through its member role, see {@link KmsClientFactory}), with SDK
 * exceptions, KMS's and STS's, translated into {@link KmsCallException}s that say whether a retry could help.
 * It counts the calls it makes, lets a {@link WriteGate} pace the writes, and in
 * {@linkplain #readOnly read-only} form refuses every write before it is sent.
 */
public final class KmsKeys {
    /**
     * Error codes worth another try besides throttling (which the SDK classifies) and 5xx; the SDK already
     * retried these a few times before they reach us.
     */
    private static final Set<String> RETRYABLE_CODES = Set.of(
            "KMSInternalException", "DependencyTimeoutException", "ServiceUnavailableException", "RequestTimeoutException",
            "InternalFailure",
            // STS's: a member session that could not be had this time.
            "IDPCommunicationError");
    /** The operation name of a member session's refresh, in results and call counts. */
    public static final String ASSUME_ROLE = "AssumeRole";
    /** KMS has no more than 50 user tags plus a few aws: tags; more pages than this means a broken marker. */
    private static final int MAX_PAGES = 20;
    /** The largest page each listing call allows: fewer calls per sweep. */
    private static final int LIST_KEYS_LIMIT = 1000;
    private static final int LIST_ALIASES_LIMIT = 100;
    /** Aliases of AWS managed keys: such keys cannot be tagged. */
    private static final String AWS_MANAGED_ALIAS_PREFIX = "alias/aws/";
    /** A key has exactly one key policy, and this is its name. */
    private static final String DEFAULT_POLICY_NAME = "default";

    /** The longest a call may take when the invocation's deadline is far: what the Lambda clients are built with. */
    static final Duration LONGEST_CALL = Duration.ofSeconds(8);
    /** Kept back from the deadline for logging and returning a result. */
    public static final Duration DEFAULT_TIME_TO_ANSWER = Duration.ofSeconds(1);
    /** Less than this left for a call: do not send it. */
    static final Duration SHORTEST_CALL = Duration.ofMillis(250);

    private final KmsClientFactory factory;
    private final boolean writable;
    private final WriteGate writeGate;
    private final Map<ClientKey, KmsClient> clients;
    private final Map<String, LongAdder> calls;
    private final Deadline deadline;
    /** Kept back from every call's bound: the time to write the decision and answer once a call is cut short. */
    private final Duration timeToAnswer;

    /** Reads and writes, writes unpaced: what one event needs. */
    public KmsKeys(KmsClientFactory factory) {
        this(factory, true, WriteGate.OPEN, new ConcurrentHashMap<>(), new ConcurrentHashMap<>(), Deadline.NONE, DEFAULT_TIME_TO_ANSWER);
    }

    private KmsKeys(KmsClientFactory factory, boolean writable, WriteGate writeGate, Map<ClientKey, KmsClient> clients,
            Map<String, LongAdder> calls, Deadline deadline, Duration timeToAnswer) {
        this.factory = factory;
        this.writable = writable;
        this.writeGate = writeGate;
        this.clients = clients;
        this.calls = calls;
        this.deadline = deadline;
        this.timeToAnswer = timeToAnswer;
    }

    /**
     * The same keys, keeping {@code reserve} (instead of {@link #DEFAULT_TIME_TO_ANSWER}) before the
     * deadline to answer: a function with little memory, so little CPU, writes its first error slower.
     */
    public KmsKeys answeringWithin(Duration reserve) {
        return new KmsKeys(factory, writable, writeGate, clients, calls, deadline, reserve);
    }

    /**
     * The same keys (clients and call counts shared) for one invocation: each call is bounded by the
     * time left before {@code invocationDeadline}, less the time to answer (one second unless
     * {@link #answeringWithin}), and a
     * call there is no time for is not sent ({@link KmsCallException#notSent}).
     */
    public KmsKeys within(Deadline invocationDeadline) {
        return new KmsKeys(factory, writable, writeGate, clients, calls, invocationDeadline, timeToAnswer);
    }

    /** Reads and writes, every write let through {@code gate} first. */
    public static KmsKeys paced(KmsClientFactory factory, WriteGate gate) {
        return new KmsKeys(factory, true, gate, new ConcurrentHashMap<>(), new ConcurrentHashMap<>(), Deadline.NONE, DEFAULT_TIME_TO_ANSWER);
    }

    /** Reads only: a write is refused with {@link IllegalStateException} before anything is sent. */
    public static KmsKeys readOnly(KmsClientFactory factory) {
        return new KmsKeys(factory, false, WriteGate.OPEN, new ConcurrentHashMap<>(), new ConcurrentHashMap<>(), Deadline.NONE,
                DEFAULT_TIME_TO_ANSWER);
    }

    /** The calls made so far, by operation, in a stable order. */
    public Map<String, Long> callCounts() {
        Map<String, Long> counts = new TreeMap<>();
        calls.forEach((operation, count) -> counts.put(operation, count.sum()));
        return counts;
    }

    /**
     * One page of the keys of {@code account} (empty: the function's own) in {@code region}, from
     * {@code marker} (or the start).
     */
    public KeyPage listKeys(Optional<String> account, String region, Optional<String> marker) {
        ListKeysResponse response = call("ListKeys", account, region, (kms, bound) -> kms.listKeys(
                ListKeysRequest.builder().limit(LIST_KEYS_LIMIT).marker(marker.orElse(null)).overrideConfiguration(bound).build()));
        List<KeyArn> keys = response.keys().stream().map(entry -> KeyArn.parse(entry.keyArn())).toList();
        return new KeyPage(keys, nextMarker(response.truncated(), response.nextMarker(), marker.orElse(null)));
    }

    /**
     * Every alias of {@code account} (empty: the function's own) in {@code region}, by the id of the
     * key it points to: one ListAliases walk that tells the sweep both which keys are AWS managed and,
     * for scopes matching on aliases, every key's aliases at no call per key.
     */
    public AliasListing aliasesByKeyId(Optional<String> account, String region) {
        Map<String, List<String>> byKeyId = new HashMap<>();
        String marker = null;
        do {
            String pageMarker = marker;
            ListAliasesResponse response = call("ListAliases", account, region, (kms, bound) -> kms.listAliases(
                    ListAliasesRequest.builder().limit(LIST_ALIASES_LIMIT).marker(pageMarker).overrideConfiguration(bound).build()));
            response.aliases().stream()
                    .filter(alias -> alias.targetKeyId() != null && alias.aliasName() != null)
                    .forEach(alias -> byKeyId.computeIfAbsent(alias.targetKeyId(), unused -> new ArrayList<>()).add(alias.aliasName()));
            marker = nextMarker(response.truncated(), response.nextMarker(), pageMarker).orElse(null);
        } while (marker != null);
        return new AliasListing(byKeyId);
    }

    /** A region's aliases by the id of their key. */
    public record AliasListing(Map<String, List<String>> byKeyId) {
        public AliasListing {
            Map<String, List<String>> copy = new HashMap<>();
            byKeyId.forEach((keyId, names) -> copy.put(keyId, List.copyOf(names)));
            byKeyId = Map.copyOf(copy);
        }

        /** The keys with an {@code alias/aws/...} alias: every AWS managed key has one, so the sweep passes them by without a DescribeKey each. */
        public Set<String> awsManagedKeyIds() {
            Set<String> keyIds = new HashSet<>();
            byKeyId.forEach((keyId, names) -> {
                if (names.stream().anyMatch(name -> name.startsWith(AWS_MANAGED_ALIAS_PREFIX))) {
                    keyIds.add(keyId);
                }
            });
            return keyIds;
        }

        /** The key's aliases: none when the listing has none for it. */
        public List<String> of(KeyArn key) {
            return byKeyId.getOrDefault(key.keyId(), List.of());
        }
    }

    /** The aliases of one key (ListAliases with its KeyId): for a key no alias listing has, when a scope matches on aliases. */
    public List<String> aliases(KeyArn key) {
        List<String> names = new ArrayList<>();
        String marker = null;
        for (int page = 0; page < MAX_PAGES; page++) {
            String pageMarker = marker;
            ListAliasesResponse response = call("ListAliases", key, (kms, bound) -> kms.listAliases(ListAliasesRequest.builder()
                    .keyId(key.toString()).limit(LIST_ALIASES_LIMIT).marker(pageMarker).overrideConfiguration(bound).build()));
            response.aliases().stream().map(alias -> alias.aliasName()).filter(name -> name != null).forEach(names::add);
            Optional<String> next = nextMarker(response.truncated(), response.nextMarker(), pageMarker);
            if (next.isEmpty()) {
                return names;
            }
            marker = next.get();
        }
        throw new KmsCallException("ListAliases", "TooManyPages", KmsCallException.Kind.RETRYABLE, null);
    }

    public KeyDescription describe(KeyArn key) {
        KeyMetadata metadata = call("DescribeKey", key,
                (kms, bound) -> kms.describeKey(DescribeKeyRequest.builder().keyId(key.toString()).overrideConfiguration(bound).build())
                        .keyMetadata());
        return new KeyDescription(
                Optional.ofNullable(metadata.keyManagerAsString()),
                Optional.ofNullable(metadata.keyStateAsString()),
                Optional.ofNullable(metadata.creationDate()),
                new KeyAttributes(Optional.ofNullable(metadata.keySpecAsString()), Optional.ofNullable(metadata.keyUsageAsString()),
                        Optional.ofNullable(metadata.originAsString()), Optional.ofNullable(metadata.multiRegion())));
    }

    /** The key's key policy document (policy name {@code default}, the only one KMS has), as JSON text. */
    public String keyPolicy(KeyArn key) {
        return call("GetKeyPolicy", key, (kms, bound) -> kms.getKeyPolicy(GetKeyPolicyRequest.builder().keyId(key.toString())
                .policyName(DEFAULT_POLICY_NAME).overrideConfiguration(bound).build()).policy());
    }

    /** Every tag on the key, following ListResourceTags pages until KMS says there are no more. */
    public Map<String, String> listTags(KeyArn key) {
        Map<String, String> tags = new LinkedHashMap<>();
        String marker = null;
        for (int page = 0; page < MAX_PAGES; page++) {
            String pageMarker = marker;
            ListResourceTagsResponse response = call("ListResourceTags", key,
                    (kms, bound) -> kms.listResourceTags(ListResourceTagsRequest.builder().keyId(key.toString()).marker(pageMarker)
                            .overrideConfiguration(bound).build()));
            response.tags().forEach(tag -> tags.put(tag.tagKey(), tag.tagValue()));
            Optional<String> next = nextMarker(response.truncated(), response.nextMarker(), pageMarker);
            if (next.isEmpty()) {
                return tags;
            }
            marker = next.get();
        }
        throw new KmsCallException("ListResourceTags", "TooManyPages", KmsCallException.Kind.RETRYABLE, null);
    }

    public void tag(KeyArn key, Map<String, String> tags) {
        List<Tag> kmsTags = tags.entrySet().stream()
                .map(tag -> Tag.builder().tagKey(tag.getKey()).tagValue(tag.getValue()).build())
                .toList();
        write("TagResource", key, (kms, bound) -> kms.tagResource(TagResourceRequest.builder().keyId(key.toString()).tags(kmsTags)
                .overrideConfiguration(bound).build()));
    }

    public void untag(KeyArn key, List<String> tagKeys) {
        write("UntagResource", key, (kms, bound) -> kms.untagResource(UntagResourceRequest.builder().keyId(key.toString())
                .tagKeys(tagKeys).overrideConfiguration(bound).build()));
    }

    /** A write, let through the gate first and its outcome told to it: only writes use up the write quota the gate keeps to. */
    private void write(String operation, KeyArn key, BiFunction<KmsClient, AwsRequestOverrideConfiguration, ?> request) {
        beforeWrite(operation, key);
        try {
            call(operation, key, request);
        } catch (KmsCallException e) {
            if (e.isThrottling()) {
                writeGate.throttled();
            }
            throw e;
        }
        writeGate.accepted();
    }

    /**
     * Where the next page starts, for any of KMS's paged answers: empty on the last page, and when
     * KMS gives back the marker it was asked with (which would loop forever).
     */
    private static Optional<String> nextMarker(Boolean truncated, String nextMarker, String askedWith) {
        return Boolean.TRUE.equals(truncated) && nextMarker != null && !nextMarker.equals(askedWith)
                ? Optional.of(nextMarker) : Optional.empty();
    }

    /**
     * Waits until a write of {@code operation} to {@code key} may go, without sending it or taking its
     * slot: the enforcer reads the key again here when the wait was long, so that its write is
     * planned from what KMS holds just before it.
     */
    public void awaitWriteSlot(String operation, KeyArn key) {
        refuseUnlessInTime(operation, key);
        writeGate.awaitSlot();
    }

    private void beforeWrite(String operation, KeyArn key) {
        refuseUnlessInTime(operation, key);
        writeGate.beforeWrite();
    }

    private void refuseUnlessInTime(String operation, KeyArn key) {
        if (!writable) {
            throw new IllegalStateException(operation + " on " + key + " refused: these KMS keys are read-only");
        }
        Duration remaining = deadline.remaining();
        if (remaining.minus(writeGate.nextWait()).minus(timeToAnswer).compareTo(SHORTEST_CALL) < 0) {
            // Waiting for the write's slot would take it past the deadline: leave it to a later attempt.
            throw KmsCallException.notSent(operation, remaining);
        }
    }

    /**
     * The client for {@code account} in {@code region}. Only an account reached through a member role
     * has a client of its own: the function's own account, whether named (a key's ARN) or not (a
     * listing), shares the region's one.
     */
    private KmsClient client(Optional<String> account, String region) {
        Optional<String> member = account.filter(name -> factory.memberRole(name).isPresent());
        return clients.computeIfAbsent(new ClientKey(member, region),
                unused -> member.isEmpty() ? factory.create(region) : factory.create(member.get(), region));
    }

    private <T> T call(String operation, KeyArn key, BiFunction<KmsClient, AwsRequestOverrideConfiguration, T> request) {
        return call(operation, Optional.of(key.account()), key.region(), request);
    }

    /**
     * One KMS call to a key of {@code account}: its member session is opened first (a call to STS
     * only when the session is missing or due, bounded by the deadline as a KMS call is), so that a
     * role that cannot be assumed, or an STS too slow for the time left, fails as {@code AssumeRole},
     * naming the account and the role, and the KMS call is not sent.
     */
    private <T> T call(String operation, Optional<String> account, String region,
            BiFunction<KmsClient, AwsRequestOverrideConfiguration, T> request) {
        account.ifPresent(this::openSession);
        KmsClient kms;
        try {
            kms = client(account, region);
        } catch (RuntimeException e) {
            throw classified(operation, e);
        }
        // The time left once the client exists: a container's first client can take seconds to build.
        AwsRequestOverrideConfiguration bound = boundByDeadline(operation);
        calls.computeIfAbsent(operation, name -> new LongAdder()).increment();
        try {
            return request.apply(kms, bound);
        } catch (NotFoundException e) {
            throw new KmsCallException(operation, "NotFoundException", KmsCallException.Kind.NOT_FOUND, e);
        } catch (RuntimeException e) {
            throw classified(operation, e);
        }
    }

    private void openSession(String account) {
        Optional<String> role = factory.memberRole(account);
        if (role.isEmpty()) {
            return;
        }
        timeForCall(ASSUME_ROLE);  // no time left: not sent, as a KMS call would not be
        try {
            // The bound is taken when the request is made: building the STS client first can take seconds.
            factory.openSession(account, () -> timeLeftFor(ASSUME_ROLE));
        } catch (RuntimeException e) {
            KmsCallException failure = classified(ASSUME_ROLE, e);
            String why = failure.kind() == KmsCallException.Kind.TERMINAL
                    ? ": the role is missing in that account, or does not trust this function's role with this external ID"
                    : "";
            throw failure.withReason(ASSUME_ROLE + " of " + role.get() + " (account " + account + ") answered "
                    + failure.errorCode() + why);
        }
    }

    /**
     * What an SDK failure of a KMS or STS call means: throttling, 5xx and no answer at all are
     * retryable; any other error the service answered (AccessDenied first) is terminal. Throttling is
     * the SDK's own classification (HTTP 429 or any of its throttling codes: ThrottlingException,
     * STS's Throttling, RequestLimitExceeded, TooManyRequestsException, ...), the one its retry
     * strategy backs off on, so a code the service renames is still throttling here.
     */
    private static KmsCallException classified(String operation, RuntimeException e) {
        if (e instanceof AwsServiceException service) {
            String code = service.awsErrorDetails() != null && service.awsErrorDetails().errorCode() != null
                    ? service.awsErrorDetails().errorCode()
                    : "HTTP " + service.statusCode();
            boolean throttling = RetryUtils.isThrottlingException(service);
            boolean retryable = throttling || service.statusCode() >= 500 || RETRYABLE_CODES.contains(code);
            return new KmsCallException(operation, code,
                    retryable ? KmsCallException.Kind.RETRYABLE : KmsCallException.Kind.TERMINAL, throttling, e);
        }
        if (e instanceof ApiCallTimeoutException) {
            return new KmsCallException(operation, "ApiCallTimeout", KmsCallException.Kind.RETRYABLE, e);
        }
        if (e instanceof SdkClientException) {
            // No answer (connection, timeout, credentials endpoint): nothing says it would fail again.
            return new KmsCallException(operation, "ClientError", KmsCallException.Kind.RETRYABLE, e);
        }
        throw e;
    }

    /** As {@link #timeForCall}, but never refusing: a call that has already been decided on gets at least a millisecond. */
    private Duration timeLeftFor(String operation) {
        try {
            return timeForCall(operation);
        } catch (KmsCallException noTimeLeft) {
            return Duration.ofMillis(1);
        }
    }

    /**
     * The call's timeout: the client's own while the deadline is far (no override: null), the time
     * left when it is near.
     */
    private AwsRequestOverrideConfiguration boundByDeadline(String operation) {
        Duration forTheCall = timeForCall(operation);
        return forTheCall.compareTo(LONGEST_CALL) >= 0 ? null : AwsRequestOverrideConfiguration.builder().apiCallTimeout(forTheCall).build();
    }

    /**
     * The longest a call (KMS, or STS for a member session) may take: the time left before the
     * deadline less the time to answer ({@link #DEFAULT_TIME_TO_ANSWER} unless {@link #answeringWithin}), at most {@link #LONGEST_CALL}; not sent when that is
     * under {@link #SHORTEST_CALL}.
     */
    private Duration timeForCall(String operation) {
        Duration remaining = deadline.remaining();
        Duration forTheCall = remaining.minus(timeToAnswer);
        if (forTheCall.compareTo(SHORTEST_CALL) < 0) {
            throw KmsCallException.notSent(operation, remaining);
        }
        return forTheCall.compareTo(LONGEST_CALL) < 0 ? forTheCall : LONGEST_CALL;
    }

    /** One client per member account and region (a member's client carries its session's credentials); empty: the function's own. */
    private record ClientKey(Optional<String> account, String region) {
    }
}
