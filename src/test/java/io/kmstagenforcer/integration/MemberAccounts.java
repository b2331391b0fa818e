package io.kmstagenforcer.integration;

import io.kmstagenforcer.kms.KmsClientFactory;
import io.kmstagenforcer.kms.LambdaKmsClients;
import io.kmstagenforcer.kms.MemberRole;
import io.kmstagenforcer.kms.MemberRoleSessions;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.model.CreateKeyRequest;
import software.amazon.awssdk.services.kms.model.KeyMetadata;
import software.amazon.awssdk.services.kms.model.Tag;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.model.Credentials;

/**
 * Someone in another account of moto, as the tests need them: a session of that account's KeyAdmins role from moto's own
 * STS (moto's KMS then acts in that account), straight to moto, past any proxy the function under test goes through.
 */
final class MemberAccounts {
    private final URI moto;
    private final SdkHttpClient http;

    MemberAccounts(URI moto, SdkHttpClient http) {
        this.moto = moto;
        this.http = http;
    }

    /**
     * The function's own KMS clients in a central deployment, as {@code Settings.lambdaClients} builds them: its test
     * credentials for {@link MotoKeys#ACCOUNT}, the member role's session (assumed through {@code aws.endpointUrlSts}) for the others.
     */
    static KmsClientFactory centralClients(SdkHttpClient http, String roleName, String externalId, String sessionName) {
        MemberRoleSessions sessions = new MemberRoleSessions(new MemberRole(MotoKeys.ACCOUNT, roleName, Optional.of(externalId)),
                "aws", sessionName, () -> LambdaKmsClients.stsClient(MotoKeys.HOME_REGION, http, RecordingKmsClients.TEST_CREDENTIALS),
                MemberRoleSessions.STALE_TIME, MemberRoleSessions.PREFETCH_TIME);
        return LambdaKmsClients.factory(http, RecordingKmsClients.TEST_CREDENTIALS, sessions);
    }

    /** A key made in {@code account} by alice, and the CreateKey record CloudTrail would deliver for it. */
    CloudTrailEvents.Event createKey(String account, Map<String, String> tags) {
        try (KmsClient kms = kms(account)) {
            CreateKeyRequest.Builder builder = CreateKeyRequest.builder();
            if (!tags.isEmpty()) {
                builder.tags(tags.entrySet().stream().map(tag -> Tag.builder().tagKey(tag.getKey()).tagValue(tag.getValue()).build()).toList());
            }
            CreateKeyRequest request = builder.build();
            KeyMetadata key = kms.createKey(request).keyMetadata();
            return CloudTrailEvents.createKey(request, key);
        }
    }

    Map<String, String> tags(String account, String keyArn) {
        try (KmsClient kms = kms(account)) {
            Map<String, String> tags = new LinkedHashMap<>();
            kms.listResourceTags(r -> r.keyId(keyArn)).tags().forEach(tag -> tags.put(tag.tagKey(), tag.tagValue()));
            return tags;
        }
    }

    private KmsClient kms(String account) {
        Credentials session;
        try (StsClient direct = StsClient.builder().region(Region.of(MotoKeys.HOME_REGION)).endpointOverride(moto)
                .credentialsProvider(RecordingKmsClients.TEST_CREDENTIALS).httpClient(http).build()) {
            session = direct.assumeRole(r -> r.roleArn("arn:aws:iam::" + account + ":role/KeyAdmins").roleSessionName("alice"))
                    .credentials();
        }
        return KmsClient.builder().region(Region.of(MotoKeys.HOME_REGION)).endpointOverride(moto).httpClient(http)
                .credentialsProvider(StaticCredentialsProvider.create(AwsSessionCredentials.create(session.accessKeyId(),
                        session.secretAccessKey(), session.sessionToken())))
                .build();
    }
}
