package io.kmstagenforcer.plan;

/**
 * Which write goes first. Tagging first means a crash between the two calls leaves the new tag
 * next to the old one, so a renamed key's value exists somewhere at every moment.
 */
public enum WriteOrder {
    TAG_FIRST,
    /**
     * Only when tagging first would pass KMS's 50-tag limit and no value is carried from a tag
     * being removed: then removing first loses nothing the enforcer needs.
     */
    UNTAG_FIRST
}
