package io.kmstagenforcer.org;

/** The required tags could not be read; {@link #getMessage()} says why, e.g. "ListRequiredTags answered AccessDeniedException". */
public final class RequiredTagsUnavailable extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public RequiredTagsUnavailable(String reason, Throwable cause) {
        super(reason, cause);
    }
}
