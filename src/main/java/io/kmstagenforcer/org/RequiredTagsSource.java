package io.kmstagenforcer.org;

import io.kmstagenforcer.kms.Deadline;
import java.util.List;

/** Where the Organizations tag policy's required tag keys for KMS keys come from. */
@FunctionalInterface
public interface RequiredTagsSource {
    /**
     * The tag keys the effective tag policy requires on {@code kms:key}, each once, in the order given.
     *
     * @throws RequiredTagsUnavailable when they could not be read
     */
    default List<String> kmsKeyTagKeys() {
        return kmsKeyTagKeys(Deadline.NONE);
    }

    /** As {@link #kmsKeyTagKeys()}, giving up (unavailable) rather than running past {@code deadline}. */
    List<String> kmsKeyTagKeys(Deadline deadline);
}
