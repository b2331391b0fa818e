package io.kmstagenforcer.json;

/**
 * A JSON document that parsed but does not have the shape the reader expects, or that did not
 * parse at all. The message names the offending path, e.g. {@code detail.responseElements must be an object}.
 */
public final class JsonShapeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public JsonShapeException(String message) {
        super(message);
    }
}
