package io.kmstagenforcer.event;

/** Why a key is left alone without being planned, as the sweep counts it. */
public enum SkipReason {
    /** Only customer managed keys can be tagged. */
    AWS_MANAGED("awsManaged"),
    /** KMS refuses tag changes to a key pending (replica) deletion. */
    PENDING_DELETION("pendingDeletion"),
    /** The key carries the policy's exemption tag. */
    EXEMPT("exempt"),
    /** The key was deleted after it was listed. */
    DELETED("deleted");

    private final String label;

    SkipReason(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
