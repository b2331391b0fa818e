package io.kmstagenforcer.kms;

import java.util.Optional;

/**
 * How the function reaches keys of other accounts: by assuming {@code roleName} in each of them, with
 * {@code externalId}. Keys of {@code ownAccount} are reached with the function's own credentials.
 *
 * @param ownAccount the function's own account ({@code ENFORCER_ACCOUNT_ID})
 * @param roleName   the member role's name ({@code MEMBER_ROLE_NAME}), the same in every member account
 * @param externalId the external ID the member role's trust policy requires ({@code MEMBER_EXTERNAL_ID})
 */
public record MemberRole(String ownAccount, String roleName, Optional<String> externalId) {
    public MemberRole {
        externalId = externalId.filter(id -> !id.isBlank());
    }
}
