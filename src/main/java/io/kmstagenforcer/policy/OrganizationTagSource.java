package io.kmstagenforcer.policy;

import java.util.Optional;

/**
 * How much of the organisation's tag policy the function reads and enforces on each key: the policy's
 * {@code organizationTagPolicy} field (docs/POLICY.md "The organisation's tag policy").
 */
public enum OrganizationTagSource {
    /** The local policy alone. */
    NONE("none"),
    /** Only the keys the account's effective tag policy requires on {@code kms:key} ({@code ListRequiredTags}), with no values. */
    REQUIRED_KEYS("requiredKeys"),
    /**
     * The account's whole effective tag policy ({@code DescribeEffectivePolicy}): capitalisation, allowed values,
     * {@code enforced_for}, with the required keys {@code ListRequiredTags} names.
     */
    EFFECTIVE("effective");

    private final String field;

    OrganizationTagSource(String field) {
        this.field = field;
    }

    /** The value the policy file spells. */
    public String field() {
        return field;
    }

    public boolean readsOrganization() {
        return this != NONE;
    }

    static Optional<OrganizationTagSource> ofField(String value) {
        for (OrganizationTagSource source : values()) {
            if (source.field.equals(value)) {
                return Optional.of(source);
            }
        }
        return Optional.empty();
    }
}
