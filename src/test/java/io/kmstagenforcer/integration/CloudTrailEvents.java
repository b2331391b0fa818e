package io.kmstagenforcer.integration;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import software.amazon.awssdk.services.kms.model.CreateKeyRequest;
import software.amazon.awssdk.services.kms.model.KeyMetadata;
import software.amazon.awssdk.services.kms.model.MultiRegionConfiguration;
import software.amazon.awssdk.services.kms.model.MultiRegionKey;
import software.amazon.awssdk.services.kms.model.ReplicateKeyRequest;
import software.amazon.awssdk.services.kms.model.ReplicateKeyResponse;

/**
 * Turns what KMS (here moto) really answered to CreateKey or ReplicateKey into the event the
 * function would receive: the CloudTrail record of that call inside EventBridge's "AWS API Call
 * via CloudTrail" envelope.
 *
 * <p>The shape mirrors AWS's published records, as kept in {@code events/} (see its
 * README): envelope {@code version} "0", {@code id}, {@code detail-type}, {@code source} aws.kms,
 * {@code account}, {@code time}, {@code region}, {@code resources} []; a {@code detail} with an
 * AssumedRole {@code userIdentity} ({@code KeyAdmins/alice}), ISO {@code eventTime}, lower-camel
 * {@code requestParameters} and {@code responseElements.keyMetadata} (or
 * {@code replicaKeyMetadata}), {@code requestID}, a random {@code eventID}, {@code resources} and
 * {@code recipientAccountId}. The published quirks are kept: {@code creationDate} is CloudTrail's
 * text ("Nov 23, 2026, 10:38:27 AM"), not ISO-8601; the account field is {@code AWSAccountId} in
 * CreateKey and {@code aWSAccountId} in ReplicateKey; a ReplicateKey record names the primary's
 * region everywhere but in the replica's metadata.
 */
final class CloudTrailEvents {
    static final String ROLE = "KeyAdmins";
    static final String SESSION = "alice";
    private static final DateTimeFormatter CLOUDTRAIL_DATE =
            DateTimeFormatter.ofPattern("MMM d, yyyy, h:mm:ss a", Locale.US).withZone(ZoneOffset.UTC);

    private CloudTrailEvents() {
    }

    /** The assumed-role ARN of the caller every event names; {@code ${principal.arn}} renders to it. */
    static String callerArn(String account) {
        return "arn:aws:sts::" + account + ":assumed-role/" + ROLE + "/" + SESSION;
    }

    /** The CreateKey event for {@code key}, made by {@code request} (whose tags become {@code requestParameters.tags}). */
    static Event createKey(CreateKeyRequest request, KeyMetadata key) {
        Map<String, Object> parameters = new LinkedHashMap<>();
        putIfPresent(parameters, "description", request.description());
        putIfPresent(parameters, "keySpec", request.keySpecAsString());
        putIfPresent(parameters, "keyUsage", request.keyUsageAsString());
        putIfPresent(parameters, "origin", request.originAsString());
        putIfPresent(parameters, "multiRegion", request.multiRegion());
        parameters.put("bypassPolicyLockoutSafetyCheck", false);
        if (request.hasTags() && !request.tags().isEmpty()) {
            parameters.put("tags", request.tags().stream()
                    .map(tag -> object("tagKey", tag.tagKey(), "tagValue", tag.tagValue()))
                    .toList());
        }
        String region = arnPart(key.arn(), 3);
        return new Event("CreateKey", region, key.arn(), parameters,
                object("keyMetadata", keyMetadata("AWSAccountId", key)));
    }

    /**
     * The ReplicateKey event: logged in the primary's region, naming the primary as the caller
     * passed it, with the replica (in {@code replicaRegion}) in {@code replicaKeyMetadata}.
     */
    static Event replicateKey(ReplicateKeyRequest request, ReplicateKeyResponse response, String primaryArn) {
        Map<String, Object> parameters = new LinkedHashMap<>();
        parameters.put("keyId", request.keyId());
        parameters.put("replicaRegion", request.replicaRegion());
        parameters.put("bypassPolicyLockoutSafetyCheck", false);
        Map<String, Object> elements = object("replicaKeyMetadata", keyMetadata("aWSAccountId", response.replicaKeyMetadata()));
        putIfPresent(elements, "replicaPolicy", response.replicaPolicy());
        return new Event("ReplicateKey", arnPart(primaryArn, 3), primaryArn, parameters, elements);
    }

    /**
     * The CreateKey record the replica's own region logs for the same replication: the replica's
     * metadata as {@code keyMetadata}, in the replica's region (AWS publishes no such record; this
     * follows the CreateKey shape).
     */
    static Event createKeyOfReplica(ReplicateKeyResponse response) {
        KeyMetadata replica = response.replicaKeyMetadata();
        return createKey(CreateKeyRequest.builder().multiRegion(true).build(), replica);
    }

    /** A TagResource by the test's caller (KeyAdmins/alice unless {@link Event#calledBy}): a drift event. */
    static Event tagResource(String keyArn, Map<String, String> tags) {
        Map<String, Object> parameters = new LinkedHashMap<>();
        parameters.put("keyId", keyArn);
        parameters.put("tags", tags.entrySet().stream().map(tag -> object("tagKey", tag.getKey(), "tagValue", tag.getValue())).toList());
        return new Event("TagResource", arnPart(keyArn, 3), keyArn, parameters, null, keyArn);
    }

    /** An UntagResource, with the key ARN in responseElements as records since December 2022 have it. */
    static Event untagResource(String keyArn, List<String> tagKeys) {
        Map<String, Object> parameters = new LinkedHashMap<>();
        parameters.put("keyId", keyArn);
        parameters.put("tagKeys", tagKeys);
        return new Event("UntagResource", arnPart(keyArn, 3), keyArn, parameters, object("keyId", keyArn), keyArn);
    }

    /** One event, open to the changes a scenario needs before it is serialised. */
    static final class Event {
        private final Map<String, Object> envelope = new LinkedHashMap<>();
        private final Map<String, Object> detail = new LinkedHashMap<>();
        private final Map<String, Object> keyMetadata;
        private final String keyArn;

        /** A key-creating call: the key is the one in the response's metadata. */
        @SuppressWarnings("unchecked")
        private Event(String eventName, String region, String resourceArn, Map<String, Object> requestParameters,
                Map<String, Object> responseElements) {
            this(eventName, region, resourceArn, requestParameters, responseElements,
                    (Map<String, Object>) responseElements.values().iterator().next());
        }

        /** A tag change: the key is the resource; there is no metadata. */
        private Event(String eventName, String region, String resourceArn, Map<String, Object> requestParameters,
                Map<String, Object> responseElements, String keyArn) {
            this(eventName, region, resourceArn, requestParameters, responseElements, new LinkedHashMap<>(Map.of("arn", keyArn)));
        }

        private Event(String eventName, String region, String resourceArn, Map<String, Object> requestParameters,
                Map<String, Object> responseElements, Map<String, Object> keyMetadata) {
            String account = arnPart(resourceArn, 4);
            envelope.put("version", "0");
            envelope.put("id", UUID.randomUUID().toString());
            envelope.put("detail-type", "AWS API Call via CloudTrail");
            envelope.put("source", "aws.kms");
            envelope.put("account", account);
            envelope.put("time", null);
            envelope.put("region", region);
            envelope.put("resources", List.of());
            envelope.put("detail", detail);
            detail.put("eventVersion", "1.08");
            detail.put("userIdentity", assumedRole(account));
            detail.put("eventTime", null);
            detail.put("eventSource", "kms.amazonaws.com");
            detail.put("eventName", eventName);
            detail.put("awsRegion", region);
            detail.put("sourceIPAddress", "192.0.2.0");
            detail.put("userAgent", "aws-cli/2.17.0");
            detail.put("requestParameters", requestParameters);
            detail.put("responseElements", responseElements);
            detail.put("requestID", UUID.randomUUID().toString());
            detail.put("eventID", UUID.randomUUID().toString());
            detail.put("readOnly", false);
            detail.put("resources", List.of(object("accountId", account, "type", "AWS::KMS::Key", "ARN", resourceArn)));
            detail.put("eventType", "AwsApiCall");
            detail.put("managementEvent", true);
            detail.put("recipientAccountId", account);
            detail.put("eventCategory", "Management");
            this.keyMetadata = keyMetadata;
            this.keyArn = (String) keyMetadata.get("arn");
            eventTime(Instant.now());
        }

        /** When the call happened (and EventBridge saw it): fresh by default. */
        Event eventTime(Instant time) {
            String iso = time.truncatedTo(ChronoUnit.SECONDS).toString();
            envelope.put("time", iso);
            detail.put("eventTime", iso);
            return this;
        }

        /** Made by {@code roleName}/{@code sessionName} instead (e.g. the enforcer's own role and function). */
        Event calledBy(String roleName, String sessionName) {
            String account = (String) envelope.get("account");
            detail.put("userIdentity", assumedRole(account, roleName, sessionName));
            return this;
        }

        /** Drops a field of the key's metadata, as records that lack it do. */
        Event withoutKeyMetadataField(String field) {
            if (keyMetadata.remove(field) == null) {
                throw new IllegalArgumentException("keyMetadata has no " + field);
            }
            return this;
        }

        /** The key the event is about (for ReplicateKey: the replica). */
        String keyArn() {
            return keyArn;
        }

        String eventId() {
            return (String) detail.get("eventID");
        }

        byte[] toBytes() {
            StringBuilder json = new StringBuilder();
            write(json, envelope);
            return json.toString().getBytes(StandardCharsets.UTF_8);
        }

        /** Writes the event as {@code <name>.json} in {@code directory}, for a run through the Lambda runtime. */
        Path writeTo(Path directory, String name) {
            try {
                return Files.write(directory.resolve(name + ".json"), toBytes());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static Map<String, Object> keyMetadata(String accountField, KeyMetadata key) {
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put(accountField, key.awsAccountId());
        metadata.put("keyId", key.keyId());
        metadata.put("arn", key.arn());
        metadata.put("creationDate", key.creationDate() == null ? null : CLOUDTRAIL_DATE.format(key.creationDate()));
        putIfPresent(metadata, "enabled", key.enabled());
        putIfPresent(metadata, "description", key.description());
        putIfPresent(metadata, "keyUsage", key.keyUsageAsString());
        putIfPresent(metadata, "keyState", key.keyStateAsString());
        putIfPresent(metadata, "origin", key.originAsString());
        putIfPresent(metadata, "keyManager", key.keyManagerAsString());
        putIfPresent(metadata, "customerMasterKeySpec", key.customerMasterKeySpecAsString());
        putIfPresent(metadata, "keySpec", key.keySpecAsString());
        if (key.hasEncryptionAlgorithms()) {
            metadata.put("encryptionAlgorithms", key.encryptionAlgorithmsAsStrings());
        }
        putIfPresent(metadata, "multiRegion", key.multiRegion());
        MultiRegionConfiguration configuration = key.multiRegionConfiguration();
        if (configuration != null) {
            List<Object> replicas = new ArrayList<>();
            configuration.replicaKeys().forEach(replica -> replicas.add(regionKey(replica)));
            metadata.put("multiRegionConfiguration", object(
                    "multiRegionKeyType", configuration.multiRegionKeyTypeAsString(),
                    "primaryKey", regionKey(configuration.primaryKey()),
                    "replicaKeys", replicas));
        }
        metadata.values().removeIf(value -> value == null);
        return metadata;
    }

    private static Map<String, Object> regionKey(MultiRegionKey key) {
        return object("arn", key.arn(), "region", key.region());
    }

    private static Map<String, Object> assumedRole(String account) {
        return assumedRole(account, ROLE, SESSION);
    }

    private static Map<String, Object> assumedRole(String account, String role, String session) {
        String roleArn = "arn:aws:iam::" + account + ":role/" + role;
        return object(
                "type", "AssumedRole",
                "principalId", "AROA3XFRBF23EXAMPLE1:" + session,
                "arn", "arn:aws:sts::" + account + ":assumed-role/" + role + "/" + session,
                "accountId", account,
                "accessKeyId", "ASIAIOSFODNN7EXAMPLE",
                "sessionContext", object(
                        "sessionIssuer", object("type", "Role", "principalId", "AROA3XFRBF23EXAMPLE1", "arn", roleArn,
                                "accountId", account, "userName", role),
                        "webIdFederationData", Map.of(),
                        "attributes", object("creationDate", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(),
                                "mfaAuthenticated", "false")));
    }

    private static String arnPart(String arn, int index) {
        return arn.split(":", 6)[index];
    }

    private static void putIfPresent(Map<String, Object> map, String key, Object value) {
        if (value != null) {
            map.put(key, value);
        }
    }

    private static Map<String, Object> object(Object... keysAndValues) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }

    private static void write(StringBuilder json, Object value) {
        if (value == null) {
            json.append("null");
        } else if (value instanceof Map<?, ?> map) {
            json.append('{');
            String separator = "";
            for (Map.Entry<?, ?> member : map.entrySet()) {
                json.append(separator);
                write(json, member.getKey());
                json.append(':');
                write(json, member.getValue());
                separator = ",";
            }
            json.append('}');
        } else if (value instanceof List<?> list) {
            json.append('[');
            for (int i = 0; i < list.size(); i++) {
                json.append(i == 0 ? "" : ",");
                write(json, list.get(i));
            }
            json.append(']');
        } else if (value instanceof Boolean || value instanceof Number) {
            json.append(value);
        } else {
            json.append('"');
            for (char c : value.toString().toCharArray()) {
                if (c == '"' || c == '\\') {
                    json.append('\\').append(c);
                } else if (c < 0x20) {
                    json.append(String.format("\\u%04x", (int) c));
                } else {
                    json.append(c);
                }
            }
            json.append('"');
        }
    }
}
