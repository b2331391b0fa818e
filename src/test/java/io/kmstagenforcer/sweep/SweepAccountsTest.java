package io.kmstagenforcer.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kmstagenforcer.enforce.EnforcementResult;
import io.kmstagenforcer.enforce.NotFoundRetry;
import io.kmstagenforcer.enforce.Outcome;
import io.kmstagenforcer.enforce.TagEnforcer;
import io.kmstagenforcer.kms.Deadline;
import io.kmstagenforcer.kms.KmsClientFactory;
import io.kmstagenforcer.kms.KmsKeys;
import io.kmstagenforcer.policy.Policies;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.sts.model.StsException;

/**
 * The sweep over the function's own account and then each member account, each an in-memory KMS
 * reached through its own client: every account's keys once, the marker's account honoured, and an
 * account whose role STS refuses counted as a failure, once, without holding up the others.
 */
class SweepAccountsTest {
    private static final String POLICY = "{'required':{'Team':{'default':'platform'}}}";
    private static final String B = "444455556666";
    private static final String C = "777788889999";

    private final SweepTest.FakeTime time = new SweepTest.FakeTime();
    private final FakeKms own = new FakeKms(time::nanos);
    private final Map<String, FakeKms> members = Map.of(B, new FakeKms(time::nanos, B), C, new FakeKms(time::nanos, C));
    private final List<String> denied = new ArrayList<>();
    private final List<String> sessionsOpened = new ArrayList<>();
    private final List<EnforcementResult> decisions = new ArrayList<>();

    @Test
    void theOwnAccountIsSweptFirstThenEachMemberAccountEveryKeyOnce() {
        own.key("a1", Map.of());
        members.get(B).key("b1", Map.of()).key("b2", Map.of("Team", "core"));
        members.get(C).key("c1", Map.of());

        SweepSummary summary = sweep(List.of(B, C)).run(SweepMarker.start("s"), Deadline.NONE, decisions::add);

        assertTrue(summary.complete());
        assertEquals(List.of(FakeKms.ACCOUNT, B, B, C), decisions.stream().map(d -> accountOf(d.keyArn().orElseThrow())).toList());
        assertEquals(Map.of("Team", "platform"), members.get(B).tagsOf("b1"), "written with the member account's client");
        assertEquals(Map.of("Team", "platform"), members.get(C).tagsOf("c1"));
        assertEquals(4, summary.totals().get("keysSeen"));
        assertEquals(3, summary.totals().get("remediated"));
        assertEquals(1, own.count("ListKeys"));
    }

    @Test
    void aMarkerInAMemberAccountGoesOnThereAndNotInTheAccountsBeforeIt() {
        own.key("a1", Map.of());
        members.get(B).key("b1", Map.of()).key("b2", Map.of());
        members.get(C).key("c1", Map.of());
        SweepMarker from = new SweepMarker("s", 2, new SweepPosition(Optional.empty(), Optional.of("b1"), Optional.of(B)), Map.of());

        SweepSummary summary = sweep(List.of(B, C)).run(from, Deadline.NONE, decisions::add);

        assertTrue(summary.complete());
        assertEquals(0, own.count("ListKeys"), "the own account was done by an earlier invocation");
        assertEquals(List.of("b2", "c1"), decisions.stream().map(d -> keyIdOf(d.keyArn().orElseThrow())).toList());
    }

    @Test
    void anAccountWhoseRoleCannotBeAssumedIsCountedFailedOnceWithTheAccountAndRoleAndTheSweepGoesOn() {
        members.get(B).key("b1", Map.of());
        members.get(C).key("c1", Map.of());
        denied.add(B);

        SweepSummary summary = sweep(List.of(B, C)).run(SweepMarker.start("s"), Deadline.NONE, decisions::add);

        assertTrue(summary.complete());
        EnforcementResult failed = decisions.get(0);
        assertEquals(Outcome.FAILED, failed.outcome());
        assertEquals(Optional.empty(), failed.keyArn());
        String reason = failed.reason().orElseThrow();
        assertTrue(reason.contains("AssumeRole of arn:aws:iam::" + B + ":role/member-role") && reason.contains("AccessDenied")
                && reason.contains("account " + B + " was not swept"), reason);
        assertEquals(List.of(B), sessionsOpened.stream().filter(B::equals).toList(), "one AssumeRole, no retry");
        assertEquals(0, members.get(B).count("ListKeys") + members.get(B).count("ListAliases"));
        assertEquals(Map.of("Team", "platform"), members.get(C).tagsOf("c1"), "the next account is swept");
        assertEquals(1, summary.totals().get("failed"));
        assertEquals(1, summary.totals().get("keysSeen"), "an account is not a key");
    }

    /**
     * Issue 16.3: an account whose keys may not be listed (an SCP denying KMS outside approved
     * Regions, a Region not enabled there, an old member role without kms:ListAliases) is counted
     * failed with a decision line naming it and why, and the accounts after it are swept.
     */
    @ParameterizedTest(name = "{0} answering {1}")
    @CsvSource({"ListAliases, AccessDeniedException", "ListKeys, UnrecognizedClientException", "ListKeys, OptInRequired"})
    void aMemberAccountWhoseKeysCannotBeListedIsCountedFailedOnceAndTheNextAccountIsSwept(String operation, String errorCode) {
        members.get(B).key("b1", Map.of()).alwaysFail(operation, errorCode);
        members.get(C).key("c1", Map.of());

        SweepSummary summary = sweep(List.of(B, C)).run(SweepMarker.start("s"), Deadline.NONE, decisions::add);

        assertTrue(summary.complete(), summary::toString);
        EnforcementResult failed = decisions.get(0);
        assertEquals(Outcome.FAILED, failed.outcome());
        assertEquals(Optional.empty(), failed.keyArn());
        String reason = failed.reason().orElseThrow();
        assertTrue(reason.contains(operation + " answered " + errorCode) && reason.contains("account " + B + " was not swept"), reason);
        assertEquals(1, members.get(B).count(operation), "a terminal answer is not retried");
        assertEquals(Map.of(), members.get(B).tagsOf("b1"));
        assertEquals(Map.of("Team", "platform"), members.get(C).tagsOf("c1"), "the next account is swept");
        assertEquals(1, summary.totals().get("failed"));
        assertEquals(1, summary.totals().get("keysSeen"));
    }

    @Test
    void theOwnAccountWhoseKeysCannotBeListedIsCountedFailedAndTheMemberAccountsAreSwept() {
        own.key("a1", Map.of()).alwaysFail("ListKeys", "AccessDeniedException");
        members.get(B).key("b1", Map.of());

        SweepSummary summary = sweep(List.of(B)).run(SweepMarker.start("s"), Deadline.NONE, decisions::add);

        assertTrue(summary.complete(), summary::toString);
        String reason = decisions.get(0).reason().orElseThrow();
        assertTrue(reason.contains("ListKeys answered AccessDeniedException") && reason.contains("the function's own account was not swept"),
                reason);
        assertEquals(Map.of("Team", "platform"), members.get(B).tagsOf("b1"));
        assertEquals(1, summary.totals().get("failed"));
    }

    /** scripts/report's sweep: a person asked about this account, so a refused listing is the answer, not a footnote. */
    @Test
    void aSweepStoppingAtARefusedListingFailsOnceNamingTheCallAndListsNoOtherAccount() {
        own.key("a1", Map.of()).alwaysFail("ListAliases", "AccessDeniedException");
        members.get(B).key("b1", Map.of());

        SweepFailure failure = assertThrows(SweepFailure.class,
                () -> sweep(List.of(B)).stoppingAtARefusedListing().run(SweepMarker.start("s"), Deadline.NONE, decisions::add));

        assertEquals(1, own.count("ListAliases"), "refused for good: not retried");
        assertTrue(failure.getMessage().contains("ListAliases answered AccessDeniedException: refused, not retried"), failure::getMessage);
        assertEquals(List.of(), decisions);
        assertEquals(0, members.get(B).count("ListKeys"));
    }

    @Test
    void aListingThatKeepsFailingRetryablyStillFailsTheInvocationForLambdaToRetry() {
        members.get(B).key("b1", Map.of()).alwaysFail("ListKeys", "KMSInternalException");
        members.get(C).key("c1", Map.of());

        SweepFailure failure = assertThrows(SweepFailure.class,
                () -> sweep(List.of(B, C)).run(SweepMarker.start("s"), Deadline.NONE, decisions::add));

        assertEquals(Sweep.ATTEMPTS_PER_KEY, members.get(B).count("ListKeys"));
        assertTrue(failure.getMessage().contains("KMSInternalException"), failure::getMessage);
        assertEquals(0, members.get(C).count("ListKeys"), "Lambda's retry starts again in the account that failed");
    }

    private Sweep sweep(List<String> memberAccounts) {
        WritePacer pacer = new WritePacer(5, time::nanos, time::sleep);
        KmsKeys keys = KmsKeys.paced(new MemberClients(), pacer);
        TagEnforcer enforcer = new TagEnforcer(Policies.parse(POLICY), keys, NotFoundRetry.NONE, Clock.systemUTC());
        return new Sweep(enforcer, keys, FakeKms.REGION, memberAccounts, pacer, time::backoff, time::nanos);
    }

    private static String accountOf(String arn) {
        return arn.split(":")[4];
    }

    private static String keyIdOf(String arn) {
        return arn.substring(arn.indexOf("key/") + 4);
    }

    /** The own account's KMS for the own account, each member's for it, and STS refusing the denied accounts. */
    private final class MemberClients implements KmsClientFactory {
        @Override
        public KmsClient create(String region) {
            return own;
        }

        @Override
        public KmsClient create(String account, String region) {
            return members.getOrDefault(account, own);
        }

        @Override
        public Optional<String> memberRole(String account) {
            return members.containsKey(account) ? Optional.of("arn:aws:iam::" + account + ":role/member-role") : Optional.empty();
        }

        @Override
        public void openSession(String account, Supplier<Duration> timeout) {
            sessionsOpened.add(account);
            if (denied.contains(account)) {
                throw StsException.builder().statusCode(403).message("not authorized to perform: sts:AssumeRole")
                        .awsErrorDetails(AwsErrorDetails.builder().errorCode("AccessDenied").build()).build();
            }
        }
    }
}
