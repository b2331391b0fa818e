package io.kmstagenforcer.cli;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What enforce mode would do to one key's tags, as a person reads it: tags added, values replaced
 * (old and new), tags removed (with the value they held). A renamed key ({@code owner} to
 * {@code Owner}) is an ADD of the new key and a REMOVE of the old one.
 *
 * @param add     tag key to the value it would be given, for keys the tag does not have yet
 * @param replace tag key to its old and new value
 * @param remove  tag key to the value it holds now
 */
record TagChanges(Map<String, String> add, Map<String, Replacement> replace, Map<String, String> remove) {
    static final TagChanges NONE = new TagChanges(Map.of(), Map.of(), Map.of());

    /** The value a tag holds now and the one it would be given. */
    record Replacement(String oldValue, String newValue) {
    }

    /** One change as a line: {@code ADD}, {@code REPLACE} or {@code REMOVE}, and the tag. */
    record Change(String action, String text) {
    }

    TagChanges {
        add = Collections.unmodifiableMap(new LinkedHashMap<>(add));
        replace = Collections.unmodifiableMap(new LinkedHashMap<>(replace));
        remove = Collections.unmodifiableMap(new LinkedHashMap<>(remove));
    }

    /**
     * @param toSet          the TagResource enforce mode would send
     * @param toRemove       the UntagResource enforce mode would send
     * @param previousValues the value each of those tags holds now, where it has one
     */
    static TagChanges of(Map<String, String> toSet, List<String> toRemove, Map<String, String> previousValues) {
        Map<String, String> add = new LinkedHashMap<>();
        Map<String, Replacement> replace = new LinkedHashMap<>();
        toSet.forEach((key, value) -> {
            if (previousValues.containsKey(key)) {
                replace.put(key, new Replacement(previousValues.get(key), value));
            } else {
                add.put(key, value);
            }
        });
        Map<String, String> remove = new LinkedHashMap<>();
        toRemove.forEach(key -> remove.put(key, previousValues.get(key)));
        return new TagChanges(add, replace, remove);
    }

    boolean isEmpty() {
        return add.isEmpty() && replace.isEmpty() && remove.isEmpty();
    }

    /** Every change, adds first, then replacements, then removals. */
    List<Change> changes() {
        List<Change> changes = new ArrayList<>();
        addLines().forEach(text -> changes.add(new Change("ADD", text)));
        replaceLines().forEach(text -> changes.add(new Change("REPLACE", text)));
        removeLines().forEach(text -> changes.add(new Change("REMOVE", text)));
        return changes;
    }

    /** {@code key=value} */
    List<String> addLines() {
        return add.entrySet().stream().map(tag -> tag.getKey() + "=" + tag.getValue()).toList();
    }

    /** {@code key: old -> new} */
    List<String> replaceLines() {
        return replace.entrySet().stream()
                .map(tag -> tag.getKey() + ": " + tag.getValue().oldValue() + " -> " + tag.getValue().newValue()).toList();
    }

    /** {@code key (old value)} */
    List<String> removeLines() {
        return remove.entrySet().stream().map(tag -> tag.getKey() + " (" + tag.getValue() + ")").toList();
    }
}
