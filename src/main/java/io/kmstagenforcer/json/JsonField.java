package io.kmstagenforcer.json;

import java.nio.charset.StandardCharsets;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;
import software.amazon.awssdk.protocols.jsoncore.JsonNode;
import software.amazon.awssdk.protocols.jsoncore.JsonNodeParser;
import software.amazon.awssdk.thirdparty.jackson.core.JsonFactory;
import software.amazon.awssdk.thirdparty.jackson.core.JsonParser;

/**
 * A JSON value together with the path it was reached by, so that every shape error names the field.
 *
 * <p>Absent fields and JSON {@code null} read the same: as "no value". A value of the wrong type is
 * never coerced; it raises {@link JsonShapeException}.
 *
 * <p>Parsing uses the SDK's own JSON tree and its shaded Jackson core (the ones the KMS protocol
 * already loads), so reading events and the policy costs no extra dependency and no extra class
 * loading. Both are SDK-internal APIs, pinned by the SDK BOM; this class is the only place that
 * touches them, apart from {@link JsonObjectWriter}.
 */
public final class JsonField {
    /** Standard JSON only: no comments, and a name given twice is an error, not "the last one wins". */
    private static final JsonFactory STRICT_JSON = new JsonFactory().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    private static final JsonNodeParser PARSER = JsonNode.parserBuilder()
            .jsonFactory(STRICT_JSON)
            .removeErrorLocations(true)
            .build();

    private final String path;
    /** The value; null when absent or JSON null, which read the same. */
    private final JsonNode node;
    private final boolean explicitNull;

    private JsonField(String path, JsonNode node) {
        this.path = path;
        this.explicitNull = node != null && node.isNull();
        this.node = explicitNull ? null : node;
    }

    /** Parses a whole document; {@code what} names it in messages, e.g. "event" or "TAG_POLICY". */
    public static JsonField parse(String what, byte[] document) {
        if (new String(document, StandardCharsets.UTF_8).isBlank()) {
            throw new JsonShapeException(what + " is empty");
        }
        JsonNode root;
        try {
            root = PARSER.parse(document);
        } catch (UncheckedIOException e) {
            throw new JsonShapeException(what + " is not valid JSON: " + firstLine(e.getCause().getMessage()));
        }
        requireNothingAfterFirstValue(what, document);
        return new JsonField(what, root);
    }

    /** The SDK's parser stops after the first value; "{...} junk" must not pass as a document. */
    private static void requireNothingAfterFirstValue(String what, byte[] document) {
        try (JsonParser tokens = STRICT_JSON.createParser(document)) {
            tokens.nextToken();
            tokens.skipChildren();
            if (tokens.nextToken() != null) {
                throw new JsonShapeException(what + " is not valid JSON: there is more after the end of the first value");
            }
        } catch (IOException e) {
            throw new JsonShapeException(what + " is not valid JSON: " + firstLine(e.getMessage()));
        }
    }

    public static JsonField parse(String what, String document) {
        return parse(what, document.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The value as the Lambda runtime deserialises JSON into a {@code Map<String, Object>}: objects as
     * maps (in order), arrays as lists, whole numbers as Long, other numbers as Double, strings,
     * booleans, and null for JSON null or an absent value.
     */
    public Object plain() {
        return plain(node);
    }

    private static Object plain(JsonNode value) {
        if (value == null || value.isNull()) {
            return null;
        }
        if (value.isObject()) {
            java.util.Map<String, Object> map = new java.util.LinkedHashMap<>();
            value.asObject().forEach((name, member) -> map.put(name, plain(member)));
            return map;
        }
        if (value.isArray()) {
            java.util.List<Object> list = new java.util.ArrayList<>();
            value.asArray().forEach(item -> list.add(plain(item)));
            return list;
        }
        if (value.isNumber()) {
            String number = value.asNumber();
            try {
                return Long.parseLong(number);
            } catch (NumberFormatException e) {
                return Double.parseDouble(number);
            }
        }
        if (value.isBoolean()) {
            return value.asBoolean();
        }
        return value.asString();
    }

    public String path() {
        return path;
    }

    public boolean isPresent() {
        return node != null;
    }

    public boolean isObject() {
        return node != null && node.isObject();
    }

    public boolean isArray() {
        return node != null && node.isArray();
    }

    /** The named member of this object; absent when this value is absent. */
    public JsonField get(String name) {
        String childPath = path + "." + name;
        if (node == null) {
            return new JsonField(childPath, null);
        }
        return new JsonField(childPath, asObject().get(name));
    }

    public Map<String, JsonNode> asObject() {
        if (node == null || !node.isObject()) {
            throw shapeError("an object");
        }
        return node.asObject();
    }

    /** Members in document order, each with its path. */
    public List<Map.Entry<String, JsonField>> members() {
        if (node == null) {
            return List.of();
        }
        List<Map.Entry<String, JsonField>> members = new ArrayList<>();
        asObject().forEach((name, value) -> members.add(Map.entry(name, new JsonField(path + "." + name, value))));
        return Collections.unmodifiableList(members);
    }

    public List<JsonField> elements() {
        if (node == null) {
            return List.of();
        }
        if (!node.isArray()) {
            throw shapeError("an array");
        }
        List<JsonNode> items = node.asArray();
        List<JsonField> elements = new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++) {
            elements.add(new JsonField(path + "[" + i + "]", items.get(i)));
        }
        return Collections.unmodifiableList(elements);
    }

    public Optional<String> optionalString() {
        return optional(JsonNode::isString, "a string", JsonNode::asString);
    }

    public String requiredString() {
        return optionalString().orElseThrow(() -> new JsonShapeException(path + " is missing"));
    }

    /** A string when it is one, empty otherwise: for informational fields that must never fail a read. */
    public Optional<String> stringIfPresent() {
        return node != null && node.isString() ? Optional.of(node.asString()) : Optional.empty();
    }

    /** A boolean when it is one, empty otherwise: for informational fields that must never fail a read. */
    public Optional<Boolean> booleanIfPresent() {
        return node != null && node.isBoolean() ? Optional.of(node.asBoolean()) : Optional.empty();
    }

    public Optional<Long> optionalLong() {
        return optional(JsonNode::isNumber, "a number", number -> {
            try {
                return Long.parseLong(number.asNumber());
            } catch (NumberFormatException e) {
                throw shapeError("a whole number");
            }
        });
    }

    public Optional<Boolean> optionalBoolean() {
        return optional(JsonNode::isBoolean, "true or false", JsonNode::asBoolean);
    }

    /** Absent (or null) is empty; a value of another type is a shape error, never coerced. */
    private <T> Optional<T> optional(Predicate<JsonNode> isExpectedType, String expected, Function<JsonNode, T> read) {
        if (node == null) {
            return Optional.empty();
        }
        if (!isExpectedType.test(node)) {
            throw shapeError(expected);
        }
        return Optional.of(read.apply(node));
    }

    private JsonShapeException shapeError(String expected) {
        return new JsonShapeException(path + " must be " + expected + ", not " + (explicitNull ? "null" : describe(node)));
    }

    private static String describe(JsonNode node) {
        if (node == null) {
            return "missing";
        }
        if (node.isObject()) {
            return "an object";
        }
        if (node.isArray()) {
            return "an array";
        }
        if (node.isString()) {
            return "a string";
        }
        if (node.isNumber()) {
            return "a number";
        }
        return node.isBoolean() ? "a boolean" : "a " + node.getClass().getSimpleName();
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unreadable input";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
