package io.kmstagenforcer.policy;

import java.util.Optional;

/**
 * What KMS says of a key's kind, as a scope may match it: in a CreateKey or ReplicateKey record's
 * {@code keyMetadata} (free), otherwise from one DescribeKey. Each is empty when its source did not say.
 *
 * @param keySpec     {@code SYMMETRIC_DEFAULT}, {@code RSA_2048}, {@code HMAC_256}, ... (older records: {@code customerMasterKeySpec})
 * @param keyUsage    {@code ENCRYPT_DECRYPT}, {@code SIGN_VERIFY}, {@code GENERATE_VERIFY_MAC}, {@code KEY_AGREEMENT}
 * @param origin      {@code AWS_KMS}, {@code EXTERNAL}, {@code AWS_CLOUDHSM}, {@code EXTERNAL_KEY_STORE}
 * @param multiRegion whether it is a multi-Region key (primary or replica)
 */
public record KeyAttributes(Optional<String> keySpec, Optional<String> keyUsage, Optional<String> origin, Optional<Boolean> multiRegion) {
    /** Nothing said. */
    public static final KeyAttributes NONE = new KeyAttributes(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
}
