package io.kmstagenforcer.plan;

/** What is wrong with a key's tags, per the policy. */
public enum Problem {
    /** A required tag is absent. */
    MISSING,
    /** A required tag's value is not in {@code allowed} or does not match {@code pattern}. */
    INVALID_VALUE,
    /** A required tag with a fixed {@code value} holds something else. */
    WRONG_VALUE,
    /** A tag matches a {@code forbidden} glob. */
    FORBIDDEN,
    /** A tag's key equals a required key but for case ({@code owner} for {@code Owner}). */
    WRONG_CASE,
    /** A change the policy asks for would take the key past KMS's 50 tags. */
    TAG_LIMIT,
    /**
     * A removal, rename or new value the policy asks for, refused because the tag matches
     * {@code protectedTags}: the tag may grant access through a key policy or IAM condition.
     */
    PROTECTED,
    /**
     * A required tag whose value only the key's creation record can give (its creator, its creating
     * call) is absent, and that record is still to come: the key was created moments ago, or this is
     * a replica's own-region CreateKey, whose caller may not be who replicated it. Left for that record.
     */
    AWAITING_CREATION_RECORD
}
