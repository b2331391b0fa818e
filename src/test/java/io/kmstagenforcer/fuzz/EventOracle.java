package io.kmstagenforcer.fuzz;

import io.kmstagenforcer.fuzz.FuzzJson.Obj;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Decides, independently of the code under test, whether an input is a valid event about a
 * customer managed key that the function may write tags to, and which key that is.
 *
 * <p>Valid means: strict JSON (no name twice in one object) whose value is an object; {@code source}
 * "aws.kms" or absent; {@code detail-type} "AWS API Call via CloudTrail" or absent; {@code detail} an
 * object whose {@code eventSource} is "kms.amazonaws.com" or absent, whose {@code eventName} is one
 * of {@link #KEY_CHANGING_EVENTS}, without {@code errorCode}; the key's metadata an object whose
 * {@code arn} is a well-formed KMS key ARN, whose {@code keyManager} is not "AWS" and whose
 * {@code keyState} is not PendingDeletion or PendingReplicaDeletion. "Absent" includes JSON null,
 * the way the function documents it reads fields.
 *
 * <p>It is only ever used one way: a write for an input it calls invalid is a bug. It may be more
 * lenient than the function (the function may refuse more), never the other way round. A key
 * whose manager the event does not state counts as customer managed here because the fuzzer's
 * KMS answers DescribeKey with CUSTOMER/Enabled.
 */
final class EventOracle {
    /**
     * The CloudTrail events that make the function write to a key, each with the path (under
     * {@code detail}) of the metadata object that names the key. To fuzz a newly supported event,
     * add it here.
     */
    static final Map<String, List<String>> KEY_CHANGING_EVENTS = Map.of(
            "CreateKey", List.of("responseElements", "keyMetadata"),
            "ReplicateKey", List.of("responseElements", "replicaKeyMetadata"));

    /** The drift events: a changed key, re-evaluated. */
    static final Set<String> TAG_CHANGING_EVENTS = Set.of("TagResource", "UntagResource");

    private static final Set<String> UNTAGGABLE_STATES = Set.of("PendingDeletion", "PendingReplicaDeletion");
    /** Partitions as AWS names them ({@code aws}, {@code aws-cn}, {@code aws-us-gov}, {@code aws-iso-b}...). */
    private static final String PARTITION_PREFIX = "aws";

    /** The oracle's answer: the key a write may go to, or why there must be no write. */
    record Verdict(Optional<String> keyArn, String why) {
        static Verdict invalid(String why) {
            return new Verdict(Optional.empty(), why);
        }

        boolean valid() {
            return keyArn.isPresent();
        }
    }

    private EventOracle() {
    }

    static Verdict judge(byte[] input) {
        Optional<Object> document = FuzzJson.tryParse(input);
        if (document.isEmpty()) {
            return Verdict.invalid("not strict JSON");
        }
        if (!(document.get() instanceof Obj event)) {
            return Verdict.invalid("not a JSON object");
        }
        if (!absentOr(event.get("source"), "aws.kms")) {
            return Verdict.invalid("source is not aws.kms");
        }
        if (!absentOr(event.get("detail-type"), "AWS API Call via CloudTrail")) {
            return Verdict.invalid("detail-type is not AWS API Call via CloudTrail");
        }
        if (!(event.get("detail") instanceof Obj detail)) {
            return Verdict.invalid("detail is not an object");
        }
        if (!absentOr(detail.get("eventSource"), "kms.amazonaws.com")) {
            return Verdict.invalid("detail.eventSource is not kms.amazonaws.com");
        }
        Object eventName = detail.get("eventName");
        if (eventName instanceof String name && TAG_CHANGING_EVENTS.contains(name)) {
            return isAbsent(detail.get("errorCode")) ? changedKey(detail) : Verdict.invalid("detail.errorCode is present: the call failed");
        }
        List<String> metadataPath = eventName instanceof String name ? KEY_CHANGING_EVENTS.get(name) : null;
        if (metadataPath == null) {
            return Verdict.invalid("detail.eventName is not one of " + KEY_CHANGING_EVENTS.keySet() + " or " + TAG_CHANGING_EVENTS);
        }
        if (!isAbsent(detail.get("errorCode"))) {
            return Verdict.invalid("detail.errorCode is present: the call failed");
        }
        Object metadata = detail;
        for (String name : metadataPath) {
            metadata = metadata instanceof Obj object ? object.get(name) : null;
        }
        if (!(metadata instanceof Obj key)) {
            return Verdict.invalid("detail." + String.join(".", metadataPath) + " is not an object");
        }
        if (!(key.get("arn") instanceof String arn) || !isKeyArn(arn)) {
            return Verdict.invalid("the key's arn is not a well-formed KMS key ARN");
        }
        if ("AWS".equals(key.get("keyManager"))) {
            return Verdict.invalid("keyManager is AWS");
        }
        if (key.get("keyState") instanceof String state && UNTAGGABLE_STATES.contains(state)) {
            return Verdict.invalid("keyState is " + state);
        }
        return new Verdict(Optional.of(arn), "valid");
    }

    /** {@code arn:PARTITION:kms:REGION:ACCOUNT:key/KEY-ID}, checked field by field. */
    static boolean isKeyArn(String arn) {
        String[] parts = arn.split(":", -1);
        if (parts.length != 6 || !parts[0].equals("arn") || !parts[2].equals("kms") || !parts[5].startsWith("key/")) {
            return false;
        }
        return isPartition(parts[1]) && isRegion(parts[3]) && isAccount(parts[4]) && isKeyId(parts[5].substring("key/".length()));
    }

    /**
     * A drift event's key: the first {@code resources[]} entry of type AWS::KMS::Key, else a
     * {@code requestParameters.keyId} or {@code responseElements.keyId} that is a key ARN. (The fuzzer's
     * function has no role name, so no caller counts as the enforcer itself.)
     */
    private static Verdict changedKey(Obj detail) {
        Object resources = detail.get("resources");
        if (resources instanceof FuzzJson.Arr list) {
            for (Object resource : list.elements) {
                if (resource instanceof Obj entry && "AWS::KMS::Key".equals(entry.get("type"))) {
                    return entry.get("ARN") instanceof String arn && isKeyArn(arn)
                            ? new Verdict(Optional.of(arn), "valid") : Verdict.invalid("the key resource's ARN is not a key ARN");
                }
            }
        } else if (!isAbsent(resources)) {
            return Verdict.invalid("detail.resources is not an array");
        }
        for (String holder : List.of("requestParameters", "responseElements")) {
            if (detail.get(holder) instanceof Obj fields && fields.get("keyId") instanceof String keyId && isKeyArn(keyId)) {
                return new Verdict(Optional.of(keyId), "valid");
            }
        }
        return Verdict.invalid("a tag change that names no key ARN");
    }

    /** Absent, JSON null, or exactly the expected string. */
    private static boolean absentOr(Object value, String expected) {
        return isAbsent(value) || expected.equals(value);
    }

    private static boolean isAbsent(Object value) {
        return value == null || value == FuzzJson.NULL;
    }

    private static boolean isPartition(String partition) {
        if (!partition.startsWith(PARTITION_PREFIX)) {
            return false;
        }
        String rest = partition.substring(PARTITION_PREFIX.length());
        return rest.isEmpty() || (rest.startsWith("-") && segmentsAre(rest.substring(1), EventOracle::isLowerLetters));
    }

    /** Like us-east-1, eu-west-1, us-gov-west-1, cn-north-1: letters-...-digits. */
    private static boolean isRegion(String region) {
        String[] segments = region.split("-", -1);
        if (segments.length < 3 || segments[0].length() != 2 || !isLowerLetters(segments[0])
                || !isAsciiDigits(segments[segments.length - 1])) {
            return false;
        }
        for (int i = 1; i < segments.length - 1; i++) {
            if (!isLowerLetters(segments[i])) {
                return false;
            }
        }
        return true;
    }

    private static boolean isAccount(String account) {
        return account.length() == 12 && isAsciiDigits(account);
    }

    /** Letters, digits and hyphens, starting with a letter or digit, at most 128. */
    private static boolean isKeyId(String keyId) {
        if (keyId.isEmpty() || keyId.length() > 128 || keyId.charAt(0) == '-') {
            return false;
        }
        return keyId.chars().allMatch(c -> c == '-' || (c < 0x80 && Character.isLetterOrDigit(c)));
    }

    private static boolean segmentsAre(String text, Predicate<String> segment) {
        for (String part : text.split("-", -1)) {
            if (!segment.test(part)) {
                return false;
            }
        }
        return true;
    }

    private static boolean isLowerLetters(String text) {
        return !text.isEmpty() && text.chars().allMatch(c -> c >= 'a' && c <= 'z');
    }

    private static boolean isAsciiDigits(String text) {
        return !text.isEmpty() && text.chars().allMatch(c -> c >= '0' && c <= '9');
    }
}
