package io.kmstagenforcer.json;

import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import software.amazon.awssdk.protocols.jsoncore.JsonWriter;

/**
 * Writes one JSON object, member by member, with the SDK's JSON generator (correct escaping of
 * control characters and non-ASCII text, which log lines built by string concatenation get wrong).
 */
public final class JsonObjectWriter {
    private final JsonWriter writer;

    public JsonObjectWriter() {
        this(JsonWriter.create());
        writer.writeStartObject();
    }

    private JsonObjectWriter(JsonWriter writer) {
        this.writer = writer;
    }

    public JsonObjectWriter string(String name, String value) {
        writer.writeFieldName(name);
        writeNullable(value);
        return this;
    }

    public JsonObjectWriter number(String name, long value) {
        writer.writeFieldName(name);
        writer.writeValue(value);
        return this;
    }

    public JsonObjectWriter bool(String name, boolean value) {
        writer.writeFieldName(name);
        writer.writeValue(value);
        return this;
    }

    public JsonObjectWriter decimal(String name, double value) {
        writer.writeFieldName(name);
        writer.writeValue(value);
        return this;
    }

    public JsonObjectWriter stringMap(String name, Map<String, String> values) {
        writer.writeFieldName(name);
        writer.writeStartObject();
        values.forEach((key, value) -> {
            writer.writeFieldName(key);
            writeNullable(value);
        });
        writer.writeEndObject();
        return this;
    }

    public JsonObjectWriter strings(String name, Collection<String> values) {
        writer.writeFieldName(name);
        writeStrings(values);
        return this;
    }

    /** {@link #strings}, left out when there are none: for fields only some documents have a use for. */
    public JsonObjectWriter stringsIfAny(String name, Collection<String> values) {
        return values.isEmpty() ? this : strings(name, values);
    }

    public JsonObjectWriter stringLists(String name, List<List<String>> lists) {
        writer.writeFieldName(name);
        writer.writeStartArray();
        lists.forEach(this::writeStrings);
        writer.writeEndArray();
        return this;
    }

    public JsonObjectWriter object(String name, Consumer<JsonObjectWriter> members) {
        writer.writeFieldName(name);
        writer.writeStartObject();
        members.accept(this);
        writer.writeEndObject();
        return this;
    }

    /** An object written by {@code members} from the value, or {@code null} when there is none. */
    public <T> JsonObjectWriter optionalObject(String name, Optional<T> value, BiConsumer<JsonObjectWriter, T> members) {
        if (value.isEmpty()) {
            return string(name, null);
        }
        return object(name, json -> members.accept(json, value.get()));
    }

    /** An array of objects, one per item, each written by {@code members}. */
    public <T> JsonObjectWriter objects(String name, Collection<T> items, BiConsumer<JsonObjectWriter, T> members) {
        writer.writeFieldName(name);
        writer.writeStartArray();
        for (T item : items) {
            writer.writeStartObject();
            members.accept(this, item);
            writer.writeEndObject();
        }
        writer.writeEndArray();
        return this;
    }

    /** Closes the object and returns it as UTF-8; the writer is spent afterwards. */
    public byte[] toBytes() {
        writer.writeEndObject();
        byte[] bytes = writer.getBytes();
        writer.close();
        return bytes;
    }

    public String toJson() {
        return new String(toBytes(), StandardCharsets.UTF_8);
    }

    private void writeStrings(Collection<String> values) {
        writer.writeStartArray();
        values.forEach(this::writeNullable);
        writer.writeEndArray();
    }

    private void writeNullable(String value) {
        if (value == null) {
            writer.writeNull();
        } else {
            writer.writeValue(value);
        }
    }
}
