package io.kmstagenforcer.org;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kmstagenforcer.MovableClock;
import io.kmstagenforcer.aws.JsonOperation;
import io.kmstagenforcer.kms.Deadline;
import io.kmstagenforcer.policy.EffectivePolicy;
import io.kmstagenforcer.policy.OrganizationTagPolicy;
import io.kmstagenforcer.policy.Policies;
import io.kmstagenforcer.policy.RequiredTag;
import io.kmstagenforcer.policy.TagPolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** When each account's tag policy is read, what a failure leaves in force for that account, and how often it is said. */
class OrganizationPolicyTest {
    private static final TagPolicy LOCAL = Policies.parse("{'organizationTagPolicy':'requiredKeys','forbidden':['tmp:*'],"
            + "'required':{'CostCenter':{'default':'unassigned'}}}");
    private static final String CENTRAL = "111122223333";
    private static final String MEMBER = "444455556666";
    private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");
    private static final Supplier<Optional<OrganizationTagPolicy>> DENIED = () -> {
        throw new JsonOperation.Failed("DescribeEffectivePolicy answered AccessDeniedException", Optional.of("AccessDeniedException"), null);
    };
    private static final Supplier<Optional<OrganizationTagPolicy>> NO_TAG_POLICY = Optional::empty;

    /** What each account answers, in turn; the last answer repeats. */
    private final Map<String, Deque<Supplier<Optional<OrganizationTagPolicy>>>> answers = new HashMap<>();
    private final List<String> warnings = new ArrayList<>();
    private final List<String> notices = new ArrayList<>();
    private final Map<String, Integer> reads = new HashMap<>();
    private final MovableClock clock = new MovableClock(START);

    private final OrganizationPolicy policy = new OrganizationPolicy(LOCAL, (account, deadline) -> {
        reads.merge(account, 1, Integer::sum);
        Deque<Supplier<Optional<OrganizationTagPolicy>>> queue = answers.get(account);
        return (queue.size() > 1 ? queue.poll() : queue.peek()).get();
    }, clock, warnings::add, notices::add);

    private void answer(String account, Supplier<Optional<OrganizationTagPolicy>> answer) {
        answers.computeIfAbsent(account, unused -> new ArrayDeque<>()).add(answer);
    }

    /** The tag policy of an account that requires these keys on kms:key, as ListRequiredTags names them. */
    private static Supplier<Optional<OrganizationTagPolicy>> requiring(String... keys) {
        return () -> Optional.of(new OrganizationTagPolicy("of account x", List.of()).requiring(List.of(keys)));
    }

    private static List<String> keys(EffectivePolicy effective) {
        return effective.policy().required().stream().map(RequiredTag::key).toList();
    }

    private EffectivePolicy invocation(String account) {
        policy.beginInvocation();
        return policy.current(account, Deadline.NONE);
    }

    private int reads(String account) {
        return reads.getOrDefault(account, 0);
    }

    @Test
    void nothingIsReadUntilAKeyIsEnforced() {
        answer(CENTRAL, requiring("Owner"));
        policy.beginInvocation();

        assertEquals(0, reads(CENTRAL));
    }

    @Test
    void anAccountsPolicyIsReadOnceAndJoinedToTheLocalPolicy() {
        answer(CENTRAL, requiring("Owner", "CostCenter"));

        EffectivePolicy first = invocation(CENTRAL);
        EffectivePolicy second = invocation(CENTRAL);

        assertEquals(List.of("CostCenter", "Owner"), keys(first));
        assertEquals(Optional.of("read: Owner, CostCenter"), first.organizationTagPolicy(), "in the order the account's policy gives them");
        assertEquals(first, second);
        assertEquals(1, reads(CENTRAL));
    }

    @Test
    void eachAccountIsReadAsItselfAndKeepsItsOwnPolicy() {
        answer(CENTRAL, requiring("Owner"));
        answer(MEMBER, requiring("Team"));

        policy.beginInvocation();
        EffectivePolicy central = policy.current(CENTRAL, Deadline.NONE);
        EffectivePolicy member = policy.current(MEMBER, Deadline.NONE);
        policy.current(CENTRAL, Deadline.NONE);
        policy.current(MEMBER, Deadline.NONE);

        assertEquals(List.of("CostCenter", "Owner"), keys(central));
        assertEquals(List.of("CostCenter", "Team"), keys(member));
        assertEquals(Map.of(CENTRAL, 1, MEMBER, 1), reads, "one read per account per sweep invocation");
    }

    @Test
    void aPolicyRequiringNothingOnKmsKeysSaysSo() {
        answer(CENTRAL, requiring());

        assertEquals(Optional.of("read: none required on kms:key"), invocation(CENTRAL).organizationTagPolicy());
    }

    @Test
    void anAccountWithoutATagPolicyGetsTheLocalPolicySaidOnce() {
        answer(MEMBER, NO_TAG_POLICY);

        EffectivePolicy effective = invocation(MEMBER);
        clock.set(START.plus(OrganizationPolicy.TTL));
        invocation(MEMBER);

        assertEquals(LOCAL, effective.policy());
        assertEquals(Optional.of("none: no tag policy applies to account " + MEMBER), effective.organizationTagPolicy());
        assertEquals(2, reads(MEMBER), "read again after the TTL: a tag policy may have been attached since");
        assertEquals(1, notices.size(), notices::toString);
        assertEquals(List.of(), warnings, "no tag policy is not a fault");
    }

    @Test
    void aForbiddenOrganisationKeyIsWarnedOfWhenRead() {
        answer(CENTRAL, requiring("tmp:x", "Owner"));

        assertEquals(Optional.of("read: Owner"), invocation(CENTRAL).organizationTagPolicy());
        assertEquals(1, warnings.size());
        assertTrue(warnings.get(0).contains("\"tmp:x\"") && warnings.get(0).contains("left out"), warnings::toString);
    }

    @Test
    void deniedLeavesTheLocalPolicyForThatAccountAndSaysWhy() {
        answer(MEMBER, DENIED);
        answer(CENTRAL, requiring("Owner"));

        EffectivePolicy member = invocation(MEMBER);

        assertEquals(LOCAL, member.policy());
        assertEquals(Optional.of("unavailable: DescribeEffectivePolicy answered AccessDeniedException"), member.organizationTagPolicy());
        assertEquals(List.of("CostCenter", "Owner"), keys(invocation(CENTRAL)), "another account is not affected");
    }

    @Test
    void unavailableIsWarnedOfOncePerContainerAndAccountAndTriedAgainEachInvocation() {
        answer(MEMBER, DENIED);

        invocation(MEMBER);
        invocation(MEMBER);
        invocation(MEMBER);

        assertEquals(3, reads(MEMBER));
        assertEquals(1, warnings.size(), warnings::toString);
        assertTrue(warnings.get(0).contains(MEMBER) && warnings.get(0).contains("AccessDeniedException")
                && warnings.get(0).contains("the local policy alone is enforced"), warnings::toString);
    }

    @Test
    void withinOneInvocationAFailureIsNotRetried() {
        answer(MEMBER, DENIED);

        policy.beginInvocation();
        policy.current(MEMBER, Deadline.NONE);
        policy.current(MEMBER, Deadline.NONE);
        policy.current(MEMBER, Deadline.NONE);

        assertEquals(1, reads(MEMBER), "one sweep invocation, many keys: one try");
    }

    @Test
    void aFailureIsFollowedByThePolicyOnceItCanBeRead() {
        answer(CENTRAL, DENIED);
        answer(CENTRAL, requiring("Owner"));

        invocation(CENTRAL);

        assertEquals(Optional.of("read: Owner"), invocation(CENTRAL).organizationTagPolicy());
    }

    @Test
    void thePolicyIsReadAgainAfterTheTtl() {
        answer(CENTRAL, requiring("Owner"));
        answer(CENTRAL, requiring("Team"));

        invocation(CENTRAL);
        clock.set(START.plus(OrganizationPolicy.TTL).minusSeconds(1));
        assertEquals(List.of("CostCenter", "Owner"), keys(invocation(CENTRAL)));
        clock.set(START.plus(OrganizationPolicy.TTL));

        assertEquals(List.of("CostCenter", "Team"), keys(invocation(CENTRAL)));
        assertEquals(2, reads(CENTRAL));
    }

    @Test
    void aRefreshThatFailsKeepsTheLastGoodPolicy() {
        answer(CENTRAL, requiring("Owner"));
        answer(CENTRAL, DENIED);

        invocation(CENTRAL);
        clock.set(START.plus(OrganizationPolicy.TTL).plus(Duration.ofMinutes(1)));
        EffectivePolicy effective = invocation(CENTRAL);

        assertEquals(List.of("CostCenter", "Owner"), keys(effective));
        assertEquals(Optional.of("read: Owner (kept: the refresh failed, DescribeEffectivePolicy answered AccessDeniedException)"),
                effective.organizationTagPolicy());
        assertTrue(warnings.get(0).contains("the last one read is kept"), warnings::toString);
    }
}
