package io.kmstagenforcer.policy;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** A policy as read: the validated policy and where it came from ({@link PolicyOrigin}). */
public record PolicyDocument(TagPolicy policy, PolicyOrigin origin) {
    /** The policy file the function and the tools read unless told otherwise: the repository's root, the package's root. */
    public static final String DEFAULT_FILE = "tag-policy.json";

    /**
     * @param source where the text was read from, e.g. {@code file:tag-policy.json}
     * @param name   what to call the policy in messages: the file or the environment variable
     * @param text   the policy's exact bytes, UTF-8; their hash is the origin's
     */
    public static PolicyDocument parse(String source, String name, byte[] text) {
        String json;
        try {
            json = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(text)).toString();
        } catch (CharacterCodingException e) {
            throw new PolicyException(name + " is not UTF-8 text");
        }
        return new PolicyDocument(PolicyParser.parse(name, json), PolicyOrigin.of(source, text));
    }

    public PolicyDocument withPolicy(TagPolicy newPolicy) {
        return new PolicyDocument(newPolicy, origin);
    }
}
