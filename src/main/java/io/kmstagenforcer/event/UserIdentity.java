package io.kmstagenforcer.event;

import io.kmstagenforcer.json.JsonField;
import java.util.Optional;

/**
 * The CloudTrail {@code userIdentity} of the call. Every field is optional: AWS service records
 * carry only {@code invokedBy}, and some internal records have neither {@code type} nor {@code arn}.
 * Read leniently: a field of an unexpected type counts as absent, never as a malformed event.
 */
public record UserIdentity(
        Optional<String> type,
        Optional<String> arn,
        Optional<String> userName,
        Optional<String> invokedBy,
        Optional<String> accountId,
        Optional<String> sessionIssuerName) {

    public static final UserIdentity UNKNOWN = new UserIdentity(
            Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());

    static UserIdentity from(JsonField identity) {
        if (!identity.isObject()) {
            return UNKNOWN;
        }
        JsonField issuer = identity.get("sessionContext").isObject()
                ? identity.get("sessionContext").get("sessionIssuer")
                : identity.get("sessionContext");
        return new UserIdentity(
                identity.get("type").stringIfPresent(),
                identity.get("arn").stringIfPresent(),
                identity.get("userName").stringIfPresent(),
                identity.get("invokedBy").stringIfPresent(),
                identity.get("accountId").stringIfPresent(),
                issuer.isObject() ? issuer.get("userName").stringIfPresent() : Optional.empty());
    }

    /**
     * Who made the call, as a person would name them: the IAM user name; for an assumed role the
     * session name (for SSO and most CI systems the person or job); {@code root}; or the AWS
     * service that called on the account's behalf.
     */
    public Optional<String> principal() {
        String kind = type.orElse("");
        switch (kind) {
            case "Root":
                return Optional.of("root");
            case "IAMUser":
                return userName.or(this::lastArnSegment);
            case "AssumedRole":
            case "FederatedUser":
                return lastArnSegment();
            case "AWSService":
                return invokedBy;
            case "AWSAccount":
                return accountId;
            default:
                return userName.or(this::lastArnSegment).or(() -> invokedBy);
        }
    }

    /** The name of the assumed role, for AssumedRole identities. */
    public Optional<String> roleName() {
        if (!"AssumedRole".equals(type.orElse(""))) {
            return Optional.empty();
        }
        return sessionIssuerName.or(() -> arn.flatMap(UserIdentity::roleFromAssumedRoleArn));
    }

    private Optional<String> lastArnSegment() {
        return arn.flatMap(value -> {
            int slash = value.lastIndexOf('/');
            return slash < 0 || slash == value.length() - 1 ? Optional.empty() : Optional.of(value.substring(slash + 1));
        });
    }

    private static Optional<String> roleFromAssumedRoleArn(String arn) {
        // arn:aws:sts::111122223333:assumed-role/RoleName/SessionName
        String[] parts = arn.split("/");
        return parts.length == 3 && parts[0].endsWith(":assumed-role") ? Optional.of(parts[1]) : Optional.empty();
    }
}
