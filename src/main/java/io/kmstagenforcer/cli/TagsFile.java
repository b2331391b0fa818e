package io.kmstagenforcer.cli;

import io.kmstagenforcer.json.JsonField;
import io.kmstagenforcer.json.JsonShapeException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A key's tags, as the simulator's {@code --tags} file gives them, in either of two shapes:
 * <ul>
 *   <li>a JSON object of tag key to value: {@code {"Owner": "alice"}};</li>
 *   <li>what {@code aws kms list-resource-tags} prints: {@code {"Tags": [{"TagKey": "Owner", "TagValue": "alice"}], ...}}
 *       (an object whose {@code Tags} is an array; a plain tag named {@code Tags} has a string value).</li>
 * </ul>
 * The order of the file is kept: it is the order KMS lists the tags in, which the planner follows.
 */
final class TagsFile {
    static final String NAME = "tags";
    private static final String LISTING = "Tags";

    private TagsFile() {
    }

    /** @throws UsageException when the file is neither shape; the message names the field */
    static Map<String, String> parse(byte[] json) {
        try {
            JsonField root = JsonField.parse(NAME, json);
            root.asObject();
            JsonField listing = root.get(LISTING);
            return listing.isPresent() && !listing.stringIfPresent().isPresent() ? fromListing(root, listing) : fromObject(root);
        } catch (JsonShapeException e) {
            throw new UsageException("--tags: " + e.getMessage()
                    + " (give {\"key\": \"value\", ...} or the output of aws kms list-resource-tags)");
        }
    }

    private static Map<String, String> fromObject(JsonField root) {
        Map<String, String> tags = new LinkedHashMap<>();
        for (Map.Entry<String, JsonField> member : root.members()) {
            tags.put(member.getKey(), member.getValue().optionalString()
                    .orElseThrow(() -> new JsonShapeException(member.getValue().path() + " must be a string, not null")));
        }
        return tags;
    }

    private static Map<String, String> fromListing(JsonField root, JsonField listing) {
        if (root.get("Truncated").optionalBoolean().orElse(false)) {
            throw new JsonShapeException(root.get("Truncated").path() + " is true: this is one page of the key's tags, not all of them");
        }
        Map<String, String> tags = new LinkedHashMap<>();
        for (JsonField tag : listing.elements()) {
            String key = tag.get("TagKey").requiredString();
            if (tags.put(key, tag.get("TagValue").requiredString()) != null) {
                throw new JsonShapeException(tag.get("TagKey").path() + " \"" + key + "\" is given twice");
            }
        }
        return tags;
    }
}
