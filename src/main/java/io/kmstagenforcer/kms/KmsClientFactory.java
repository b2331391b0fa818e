package io.kmstagenforcer.kms;

import software.amazon.awssdk.services.kms.KmsClient;

/** Builds the KMS client for one region. Called once per region per container. */
@FunctionalInterface
public interface KmsClientFactory {
    KmsClient create(String region);
}
