package io.kmstagenforcer.event;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The full ARN of a KMS key. Keys are always addressed by ARN, never by ID alone: a multi-Region
 * replica shares its key ID with the primary in another region.
 */
public record KeyArn(String partition, String region, String account, String keyId) {
    private static final Pattern ARN = Pattern.compile("arn:([^:]+):([^:]*):([^:]*):([^:]*):(.*)");
    private static final Pattern PARTITION = Pattern.compile("aws(-[a-z]+)*");
    private static final Pattern REGION = Pattern.compile("[a-z]{2}(-[a-z]+)+-\\d+");
    private static final Pattern ACCOUNT = Pattern.compile("\\d{12}");
    /**
     * KMS makes UUIDs and "mrk-" + 32 hex digits, but only the characters are checked: an
     * unexpected form is for KMS to refuse, not a reason to drop the event.
     */
    private static final Pattern KEY_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9-]{0,127}");

    /** Parses a key ARN, or explains in the exception message why the text is not one. */
    public static KeyArn parse(String text) {
        Matcher arn = ARN.matcher(text);
        if (!arn.matches()) {
            throw new IllegalArgumentException("'" + abbreviate(text) + "' is not an ARN");
        }
        String partition = arn.group(1);
        String service = arn.group(2);
        String region = arn.group(3);
        String account = arn.group(4);
        String resource = arn.group(5);
        if (!"kms".equals(service)) {
            throw new IllegalArgumentException("'" + abbreviate(text) + "' is an ARN of service '" + service + "', not kms");
        }
        if (!resource.startsWith("key/")) {
            throw new IllegalArgumentException("'" + abbreviate(text) + "' names a KMS " + resourceType(resource) + ", not a key");
        }
        String keyId = resource.substring("key/".length());
        check(PARTITION, partition, text, "the partition");
        check(REGION, region, text, "the region");
        check(ACCOUNT, account, text, "the account (12 digits)");
        check(KEY_ID, keyId, text, "the key id");
        return new KeyArn(partition, region, account, keyId);
    }

    /** Whether {@code name} has the shape of an AWS region name, such as {@code eu-west-1}. */
    public static boolean isRegion(String name) {
        return REGION.matcher(name).matches();
    }

    @Override
    public String toString() {
        return "arn:" + partition + ":kms:" + region + ":" + account + ":key/" + keyId;
    }

    private static void check(Pattern pattern, String part, String text, String partName) {
        if (!pattern.matcher(part).matches()) {
            throw new IllegalArgumentException("'" + abbreviate(text) + "' is not a well-formed KMS key ARN: "
                    + partName + " is '" + abbreviate(part, 40) + "'");
        }
    }

    private static String resourceType(String resource) {
        int slash = resource.indexOf('/');
        return slash < 0 ? "resource '" + resource + "'" : resource.substring(0, slash);
    }

    private static String abbreviate(String text) {
        return abbreviate(text, 200);
    }

    private static String abbreviate(String text, int length) {
        return text.length() <= length ? text : text.substring(0, length) + "...";
    }
}
