package io.kmstagenforcer.org;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kmstagenforcer.policy.EffectivePolicy;
import io.kmstagenforcer.policy.Policies;
import io.kmstagenforcer.policy.RequiredTag;
import io.kmstagenforcer.policy.TagPolicy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** When the organisation's required tags are read, what a failure leaves in force, and how often it is said. */
class OrganizationPolicyTest {
    private static final TagPolicy LOCAL = Policies.parse("{'organizationRequiredTags':true,'forbidden':['tmp:*'],"
            + "'required':{'CostCenter':{'default':'unassigned'}}}");
    private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");
    private static final Supplier<List<String>> DENIED = () -> {
        throw new RequiredTagsUnavailable("ListRequiredTags answered AccessDeniedException", null);
    };

    private final Deque<Supplier<List<String>>> answers = new ArrayDeque<>();
    private final List<String> warnings = new ArrayList<>();
    private int reads;
    private Instant now = START;

    private final OrganizationPolicy policy = new OrganizationPolicy(LOCAL, deadline -> {
        reads++;
        return (answers.size() > 1 ? answers.poll() : answers.peek()).get();
    }, new Clock() {
        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }, warnings::add);

    private static List<String> keys(EffectivePolicy effective) {
        return effective.policy().required().stream().map(RequiredTag::key).toList();
    }

    private EffectivePolicy invocation() {
        policy.beginInvocation();
        return policy.current();
    }

    @Test
    void nothingIsReadUntilAKeyIsEnforced() {
        answers.add(() -> List.of("Owner"));
        policy.beginInvocation();

        assertEquals(0, reads);
    }

    @Test
    void theListIsReadOnceAndMergedWithTheLocalPolicy() {
        answers.add(() -> List.of("Owner", "CostCenter"));

        EffectivePolicy first = invocation();
        EffectivePolicy second = invocation();

        assertEquals(List.of("CostCenter", "Owner"), keys(first));
        assertEquals(Optional.of("read: Owner, CostCenter"), first.organizationRequiredTags());
        assertEquals(first, second);
        assertEquals(1, reads);
    }

    @Test
    void anEmptyListSaysSo() {
        answers.add(List::of);

        assertEquals(Optional.of("read: none for kms:key"), invocation().organizationRequiredTags());
    }

    @Test
    void aForbiddenOrganisationKeyIsWarnedOfWhenRead() {
        answers.add(() -> List.of("tmp:x", "Owner"));

        assertEquals(Optional.of("read: Owner"), invocation().organizationRequiredTags());
        assertEquals(1, warnings.size());
        assertTrue(warnings.get(0).contains("\"tmp:x\"") && warnings.get(0).contains("left out"), warnings::toString);
    }

    @Test
    void deniedLeavesTheLocalPolicyAndSaysWhy() {
        answers.add(DENIED);

        EffectivePolicy effective = invocation();

        assertEquals(LOCAL, effective.policy());
        assertEquals(Optional.of("unavailable: ListRequiredTags answered AccessDeniedException"), effective.organizationRequiredTags());
    }

    @Test
    void unavailableIsWarnedOfOncePerContainerAndTriedAgainEachInvocation() {
        answers.add(DENIED);

        invocation();
        invocation();
        invocation();

        assertEquals(3, reads);
        assertEquals(1, warnings.size(), warnings::toString);
        assertTrue(warnings.get(0).contains("AccessDeniedException") && warnings.get(0).contains("the local policy alone is enforced"),
                warnings::toString);
    }

    @Test
    void withinOneInvocationAFailureIsNotRetried() {
        answers.add(DENIED);

        policy.beginInvocation();
        policy.current();
        policy.current();
        policy.current();

        assertEquals(1, reads, "one sweep invocation, many keys: one try");
    }

    @Test
    void aFailureIsFollowedByTheListOnceItCanBeRead() {
        answers.add(DENIED);
        answers.add(() -> List.of("Owner"));

        invocation();

        assertEquals(Optional.of("read: Owner"), invocation().organizationRequiredTags());
    }

    @Test
    void theListIsReadAgainAfterTheTtl() {
        answers.add(() -> List.of("Owner"));
        answers.add(() -> List.of("Team"));

        invocation();
        now = START.plus(OrganizationPolicy.TTL).minusSeconds(1);
        assertEquals(List.of("CostCenter", "Owner"), keys(invocation()));
        now = START.plus(OrganizationPolicy.TTL);

        assertEquals(List.of("CostCenter", "Team"), keys(invocation()));
        assertEquals(2, reads);
    }

    @Test
    void aRefreshThatFailsKeepsTheLastGoodList() {
        answers.add(() -> List.of("Owner"));
        answers.add(DENIED);

        invocation();
        now = START.plus(OrganizationPolicy.TTL).plus(Duration.ofMinutes(1));
        EffectivePolicy effective = invocation();

        assertEquals(List.of("CostCenter", "Owner"), keys(effective));
        assertEquals(Optional.of("read: Owner (kept: the refresh failed, ListRequiredTags answered AccessDeniedException)"),
                effective.organizationRequiredTags());
        assertTrue(warnings.get(0).contains("the last list read is kept"), warnings::toString);
    }
}
