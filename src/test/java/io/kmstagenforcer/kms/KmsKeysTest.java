package io.kmstagenforcer.kms;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.mockito.Mockito.when;

import io.kmstagenforcer.event.KeyArn;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.mockito.ArgumentCaptor;
import org.mockito.Mock;
import org.mockito.junit.jupiter.MockitoExtension;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.model.KmsException;
import software.amazon.awssdk.services.kms.model.ListKeysRequest;
import software.amazon.awssdk.services.kms.model.ListKeysResponse;
import software.amazon.awssdk.services.kms.model.ListResourceTagsRequest;
import software.amazon.awssdk.services.kms.model.ListResourceTagsResponse;
import software.amazon.awssdk.services.kms.model.Tag;

@ExtendWith(MockitoExtension.class)
class KmsKeysTest {
    private static final KeyArn KEY = KeyArn.parse("arn:aws:kms:eu-west-1:111122223333:key/0f8c3a5e-7b21-4d9e-a6c4-2e51b9d07f13");

    @Mock
    private KmsClient kms;
    private final List<String> regions = new ArrayList<>();

    private KmsKeys keys() {
        return new KmsKeys(region -> {
            regions.add(region);
            return kms;
        });
    }

    @Test
    void readsEveryPageOfTags() {
        when(kms.listResourceTags(request(null))).thenReturn(page("m1", "a", "1"));
        when(kms.listResourceTags(request("m1"))).thenReturn(page(null, "b", "2"));

        assertEquals(Map.of("a", "1", "b", "2"), keys().listTags(KEY));
    }

    @Test
    void stopsWhenKmsRepeatsAMarkerInsteadOfLoopingForever() {
        when(kms.listResourceTags(request(null))).thenReturn(page("m1", "a", "1"));
        when(kms.listResourceTags(request("m1"))).thenReturn(page("m1", "b", "2"));

        assertEquals(Map.of("a", "1", "b", "2"), keys().listTags(KEY));
        verify(kms, times(2)).listResourceTags(any(ListResourceTagsRequest.class));
    }

    private static final KeyArn MEMBER_KEY = KeyArn.parse("arn:aws:kms:eu-west-1:444455556666:key/0f8c3a5e-7b21-4d9e-a6c4-2e51b9d07f13");
    private static final String MEMBER_ROLE = "arn:aws:iam::444455556666:role/kms-tag-enforcer-member";

    /** The timeout each member session was opened with, in order. */
    private final List<Duration> sessionTimeouts = new ArrayList<>();
    /** What opening a session does before it makes its AssumeRole request (a new container builds its STS client). */
    private Runnable beforeTheRequest = () -> { };

    /** Keys of 444455556666 through its member role; opening its session throws {@code stsFailure} (null: it opens). */
    private KmsKeys memberKeys(List<String> opened, RuntimeException stsFailure) {
        return new KmsKeys(new KmsClientFactory() {
            @Override
            public KmsClient create(String region) {
                return kms;
            }

            @Override
            public Optional<String> memberRole(String account) {
                return account.equals(MEMBER_KEY.account()) ? Optional.of(MEMBER_ROLE) : Optional.empty();
            }

            @Override
            public void openSession(String account, Supplier<Duration> timeout) {
                opened.add(account);
                beforeTheRequest.run();
                sessionTimeouts.add(timeout.get());
                if (stsFailure != null) {
                    throw stsFailure;
                }
            }
        });
    }

    private static RuntimeException stsError(String code, int status) {
        return software.amazon.awssdk.services.sts.model.StsException.builder().statusCode(status).message(code)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).build()).build();
    }

    @ParameterizedTest(name = "STS {0} (HTTP {1}) is {2}")
    @CsvSource({
            "AccessDenied, 403, TERMINAL",
            "RegionDisabledException, 403, TERMINAL",
            "Throttling, 400, RETRYABLE",
            "InternalFailure, 500, RETRYABLE",
            "ServiceUnavailable, 503, RETRYABLE",
    })
    void aMemberRoleThatCannotBeAssumedFailsAsAssumeRoleNamingTheAccountAndTheRoleAndNoKmsCallIsSent(String code, int status,
            KmsCallException.Kind kind) {
        List<String> opened = new ArrayList<>();

        KmsCallException e = assertThrows(KmsCallException.class, () -> memberKeys(opened, stsError(code, status)).listTags(MEMBER_KEY));

        assertEquals("AssumeRole", e.operation());
        assertEquals(code, e.errorCode());
        assertEquals(kind, e.kind());
        assertTrue(e.reason().startsWith("AssumeRole of " + MEMBER_ROLE + " (account 444455556666) answered " + code), e.reason());
        assertEquals(List.of("444455556666"), opened, "one attempt: KmsKeys itself never retries");
        verifyNoInteractions(kms);
    }

    @Test
    void aKeyOfTheOwnAccountOpensNoSessionAndAMemberKeyOpensItsOwnBeforeEachCall() {
        when(kms.listResourceTags(any(ListResourceTagsRequest.class))).thenReturn(page(null));
        List<String> opened = new ArrayList<>();
        KmsKeys keys = memberKeys(opened, null);

        keys.listTags(KEY);
        keys.listTags(MEMBER_KEY);

        assertEquals(List.of("444455556666"), opened);
    }

    @Test
    void aMemberSessionIsOpenedWithinTheTimeLeftAsAKmsCallIsSent() {
        when(kms.listResourceTags(any(ListResourceTagsRequest.class))).thenReturn(page(null));
        KmsKeys keys = memberKeys(new ArrayList<>(), null);

        keys.within(() -> Duration.ofSeconds(4)).listTags(MEMBER_KEY);
        keys.within(Deadline.NONE).listTags(MEMBER_KEY);

        assertEquals(List.of(Duration.ofSeconds(3), KmsKeys.LONGEST_CALL), sessionTimeouts,
                "the time left less a second to answer; at most what a KMS call may take");
    }

    @Test
    void aLongerReserveToAnswerShortensEveryCallsBound() {
        when(kms.listResourceTags(any(ListResourceTagsRequest.class))).thenReturn(page(null));

        memberKeys(new ArrayList<>(), null).answeringWithin(Duration.ofMillis(2_500)).within(() -> Duration.ofSeconds(4))
                .listTags(MEMBER_KEY);

        assertEquals(List.of(Duration.ofMillis(1_500)), sessionTimeouts, "4 s left, 2.5 s kept to answer");
    }

    /**
     * Seen under load in CI: a new container's STS client took seconds to build, and an AssumeRole
     * bounded by the time left before that ran past the function's timeout.
     */
    @Test
    void aMemberSessionsBoundIsTheTimeLeftWhenItsRequestIsMadeNotBeforeTheStsClientIsBuilt() {
        when(kms.listResourceTags(any(ListResourceTagsRequest.class))).thenReturn(page(null));
        long[] leftMillis = {5_000};
        beforeTheRequest = () -> leftMillis[0] -= 2_500;

        memberKeys(new ArrayList<>(), null).within(() -> Duration.ofMillis(leftMillis[0])).listTags(MEMBER_KEY);

        assertEquals(List.of(Duration.ofMillis(1_500)), sessionTimeouts, "5 s left, 2.5 s spent building, 1 s kept to answer");
    }

    @Test
    void aMemberSessionThereIsNoTimeToOpenIsNotAskedForAndIsRetryable() {
        KmsKeys keys = memberKeys(new ArrayList<>(), null).within(() -> Duration.ofMillis(1_100));

        KmsCallException error = assertThrows(KmsCallException.class, () -> keys.listTags(MEMBER_KEY));

        assertEquals("AssumeRole", error.operation());
        assertEquals(KmsCallException.DEADLINE_NEAR, error.errorCode());
        assertEquals(KmsCallException.Kind.RETRYABLE, error.kind());
        assertEquals(List.of(), sessionTimeouts);
        verifyNoInteractions(kms);
    }

    @Test
    void anAssumeRoleThatRunsOutOfItsTimeIsRetryableNamedApiCallTimeoutAndNoKmsCallIsSent() {
        KmsKeys keys = memberKeys(new ArrayList<>(), ApiCallTimeoutException.create(3_000)).within(() -> Duration.ofSeconds(4));

        KmsCallException error = assertThrows(KmsCallException.class, () -> keys.listTags(MEMBER_KEY));

        assertEquals("AssumeRole", error.operation());
        assertEquals("ApiCallTimeout", error.errorCode());
        assertEquals(KmsCallException.Kind.RETRYABLE, error.kind());
        assertTrue(error.reason().startsWith("AssumeRole of " + MEMBER_ROLE + " (account 444455556666) answered ApiCallTimeout"),
                error::reason);
        verifyNoInteractions(kms);
    }

    @Test
    void buildsOneClientPerRegionAndReusesIt() {
        when(kms.listResourceTags(any(ListResourceTagsRequest.class))).thenReturn(page(null));
        KmsKeys keys = keys();

        keys.listTags(KEY);
        keys.listTags(KEY);

        assertEquals(List.of("eu-west-1"), regions);
    }

    @Test
    void theOwnAccountsKeysAndItsListingsShareTheRegionsClient() {
        when(kms.listResourceTags(any(ListResourceTagsRequest.class))).thenReturn(page(null));
        when(kms.listKeys(any(ListKeysRequest.class))).thenReturn(ListKeysResponse.builder().truncated(false).build());
        KmsKeys keys = keys();

        keys.listKeys(Optional.empty(), "eu-west-1", Optional.empty());
        keys.listTags(KEY);

        assertEquals(List.of("eu-west-1"), regions, "one client for the account's region, whether the account is named or not");
    }

    @ParameterizedTest(name = "{0} (HTTP {1}) is {2}")
    @CsvSource({
            "ThrottlingException, 400, RETRYABLE",
            "KMSInternalException, 500, RETRYABLE",
            "DependencyTimeoutException, 503, RETRYABLE",
            "SomethingNew, 502, RETRYABLE",
            "AccessDeniedException, 400, TERMINAL",
            "KMSInvalidStateException, 400, TERMINAL",
            "TagException, 400, TERMINAL",
            "LimitExceededException, 400, TERMINAL",
            "InvalidArnException, 400, TERMINAL"})
    void classifiesKmsErrorsByWhetherARetryCouldHelp(String errorCode, int status, KmsCallException.Kind kind) {
        when(kms.listResourceTags(any(ListResourceTagsRequest.class))).thenThrow(KmsException.builder().statusCode(status)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode(errorCode).build()).build());

        KmsCallException error = assertThrows(KmsCallException.class, () -> keys().listTags(KEY));

        assertEquals(kind, error.kind());
        assertEquals(errorCode, error.errorCode());
        assertEquals("ListResourceTags", error.operation());
    }

    /**
     * Throttling is what the SDK's retry strategy calls throttling (HTTP 429 or one of its codes), not a
     * code with "Throttl" in it: a renamed code is still throttling, and a throttle is always retryable.
     */
    @ParameterizedTest(name = "{0} (HTTP {1}) is throttling: {2}")
    @CsvSource({
            "ThrottlingException, 400, true",
            "RequestLimitExceeded, 400, true",
            "TooManyRequestsException, 400, true",
            "SlowDownPlease, 429, true",
            "KMSInternalException, 500, false",
            "LimitExceededException, 400, false",
            "AccessDeniedException, 400, false"})
    void throttlingIsClassifiedAsTheSdkClassifiesIt(String errorCode, int status, boolean throttling) {
        when(kms.listResourceTags(any(ListResourceTagsRequest.class))).thenThrow(KmsException.builder().statusCode(status)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode(errorCode).build()).build());

        KmsCallException error = assertThrows(KmsCallException.class, () -> keys().listTags(KEY));

        assertEquals(throttling, error.isThrottling());
        if (throttling) {
            assertEquals(KmsCallException.Kind.RETRYABLE, error.kind());
        }
    }

    private static ListResourceTagsRequest request(String marker) {
        return ListResourceTagsRequest.builder().keyId(KEY.toString()).marker(marker).build();
    }

    private static ListResourceTagsResponse page(String nextMarker, String... keysAndValues) {
        List<Tag> tags = new ArrayList<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            tags.add(Tag.builder().tagKey(keysAndValues[i]).tagValue(keysAndValues[i + 1]).build());
        }
        return ListResourceTagsResponse.builder().tags(tags).nextMarker(nextMarker).truncated(nextMarker != null).build();
    }

    // --- the invocation's deadline

    @Test
    void farFromTheDeadlineACallKeepsTheClientsOwnTimeout() {
        when(kms.listResourceTags(any(ListResourceTagsRequest.class))).thenReturn(ListResourceTagsResponse.builder().truncated(false).build());

        keys().within(() -> Duration.ofSeconds(30)).listTags(KEY);

        ArgumentCaptor<ListResourceTagsRequest> sent = ArgumentCaptor.forClass(ListResourceTagsRequest.class);
        verify(kms).listResourceTags(sent.capture());
        assertEquals(Optional.empty(), sent.getValue().overrideConfiguration());
    }

    /**
     * Building a container's first client (the SDK's classes, its HTTP client) can take seconds on a
     * loaded machine: a call's time is what is left once its client exists. Measured before, a
     * call given 3 s after a 2 s build ran a second past the deadline (DeadlineIT, under the runtime:
     * Lambda's timeout instead of RETRYING).
     */
    @Test
    void aCallsTimeIsWhatIsLeftOnceItsClientIsBuilt() {
        when(kms.listResourceTags(any(ListResourceTagsRequest.class))).thenReturn(ListResourceTagsResponse.builder().truncated(false).build());
        long[] leftMillis = {4_000};
        KmsKeys keys = new KmsKeys(region -> {
            leftMillis[0] -= 2_000;
            return kms;
        }).within(() -> Duration.ofMillis(leftMillis[0]));

        keys.listTags(KEY);

        ArgumentCaptor<ListResourceTagsRequest> sent = ArgumentCaptor.forClass(ListResourceTagsRequest.class);
        verify(kms).listResourceTags(sent.capture());
        assertEquals(Optional.of(Duration.ofMillis(1_000)), sent.getValue().overrideConfiguration().orElseThrow().apiCallTimeout());
    }

    @Test
    void nearTheDeadlineACallMayTakeOnlyTheTimeLeftLessASecondToAnswer() {
        when(kms.listResourceTags(any(ListResourceTagsRequest.class))).thenReturn(ListResourceTagsResponse.builder().truncated(false).build());

        keys().within(() -> Duration.ofMillis(4_000)).listTags(KEY);

        ArgumentCaptor<ListResourceTagsRequest> sent = ArgumentCaptor.forClass(ListResourceTagsRequest.class);
        verify(kms).listResourceTags(sent.capture());
        assertEquals(Optional.of(Duration.ofMillis(3_000)), sent.getValue().overrideConfiguration().orElseThrow().apiCallTimeout());
    }

    @Test
    void aCallThereIsNoTimeForIsNotSentAndIsRetryable() {
        KmsKeys keys = keys().within(() -> Duration.ofMillis(1_100));

        KmsCallException error = assertThrows(KmsCallException.class, () -> keys.listTags(KEY));

        assertEquals(KmsCallException.Kind.RETRYABLE, error.kind());
        assertEquals(KmsCallException.DEADLINE_NEAR, error.errorCode());
        assertTrue(error.reason().contains("not sent: 1100 ms were left"), error::reason);
        verifyNoInteractions(kms);
        assertEquals(Map.of(), keys.callCounts(), "a call not sent is not counted");
    }

    @Test
    void aCallThatRunsOutOfItsTimeIsRetryableNamedApiCallTimeout() {
        when(kms.listResourceTags(any(ListResourceTagsRequest.class))).thenThrow(ApiCallTimeoutException.create(3_000));

        KmsCallException error = assertThrows(KmsCallException.class, () -> keys().within(() -> Duration.ofSeconds(4)).listTags(KEY));

        assertEquals(KmsCallException.Kind.RETRYABLE, error.kind());
        assertEquals("ListResourceTags answered ApiCallTimeout", error.reason());
    }
}
