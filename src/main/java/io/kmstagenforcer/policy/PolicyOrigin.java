package io.kmstagenforcer.policy;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Which policy a decision applied, so that an auditor can tell which version of the standard tagged
 * a key: where it was read from, and a short hash of its exact bytes. Computed once, when the policy
 * is read; every decision line, sweep summary, report and simulation carries it.
 *
 * @param source {@code file:tag-policy.json} (a file, named as it was given) or {@code env:TAG_POLICY}
 * @param sha256 the first {@value #HASH_CHARACTERS} hex digits of the SHA-256 of the policy's bytes
 *               ({@code sha256sum tag-policy.json | cut -c1-12} gives the same)
 */
public record PolicyOrigin(String source, String sha256) {
    /** 48 bits: enough to tell a repository's policy versions apart, short enough to read in a log line. */
    public static final int HASH_CHARACTERS = 12;
    public static final String FILE = "file:";
    public static final String ENVIRONMENT = "env:";

    public static PolicyOrigin of(String source, byte[] text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text);
            return new PolicyOrigin(source, HexFormat.of().formatHex(digest).substring(0, HASH_CHARACTERS));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    /** {@code file:tag-policy.json@0123abcd4567}, for text output. */
    @Override
    public String toString() {
        return source + "@" + sha256;
    }
}
