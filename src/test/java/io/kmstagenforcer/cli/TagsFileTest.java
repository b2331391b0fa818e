package io.kmstagenforcer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TagsFileTest {
    private static Map<String, String> parse(String json) {
        return TagsFile.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    private static String error(String json) {
        return assertThrows(UsageException.class, () -> parse(json)).getMessage();
    }

    @Test
    void aJsonObjectMapsTagKeysToValuesInTheFilesOrder() {
        Map<String, String> tags = parse("{\"owner\": \"alice\", \"CostCenter\": \"12ab\", \"Empty\": \"\"}");

        assertEquals(List.of("owner", "CostCenter", "Empty"), List.copyOf(tags.keySet()));
        assertEquals(Map.of("owner", "alice", "CostCenter", "12ab", "Empty", ""), tags);
    }

    @Test
    void theOutputOfListResourceTagsIsReadFromItsTagsList() {
        Map<String, String> tags = parse("""
                {"Tags": [{"TagKey": "owner", "TagValue": "alice"}, {"TagKey": "tmp:build", "TagValue": "1234"}],
                 "Truncated": false}""");

        assertEquals(List.of("owner", "tmp:build"), List.copyOf(tags.keySet()));
        assertEquals("1234", tags.get("tmp:build"));
    }

    @Test
    void aKeyWithNoTagsIsAnEmptyObjectOrAnEmptyList() {
        assertEquals(Map.of(), parse("{}"));
        assertEquals(Map.of(), parse("{\"Tags\": []}"));
    }

    @Test
    void aPlainTagNamedTagsIsATagNotAListing() {
        assertEquals(Map.of("Tags", "x", "Owner", "bob"), parse("{\"Tags\": \"x\", \"Owner\": \"bob\"}"));
    }

    @Test
    void aValueThatIsNotAStringIsNamedByItsPath() {
        assertEquals("--tags: tags.CostCenter must be a string, not a number"
                + " (give {\"key\": \"value\", ...} or the output of aws kms list-resource-tags)", error("{\"CostCenter\": 1234}"));
    }

    @Test
    void aListingEntryWithoutItsValueIsNamedByItsPath() {
        assertEquals("--tags: tags.Tags[0].TagValue is missing"
                + " (give {\"key\": \"value\", ...} or the output of aws kms list-resource-tags)", error("{\"Tags\": [{\"TagKey\": \"a\"}]}"));
    }

    @Test
    void aListingThatNamesAKeyTwiceIsRefused() {
        assertEquals("--tags: tags.Tags[1].TagKey \"a\" is given twice"
                        + " (give {\"key\": \"value\", ...} or the output of aws kms list-resource-tags)",
                error("{\"Tags\": [{\"TagKey\": \"a\", \"TagValue\": \"1\"}, {\"TagKey\": \"a\", \"TagValue\": \"2\"}]}"));
    }

    @Test
    void aTruncatedListingIsRefusedBecauseItIsNotAllTheTags() {
        assertEquals("--tags: tags.Truncated is true: this is one page of the key's tags, not all of them"
                        + " (give {\"key\": \"value\", ...} or the output of aws kms list-resource-tags)",
                error("{\"Tags\": [], \"Truncated\": true, \"NextMarker\": \"m\"}"));
    }

    @Test
    void aDocumentThatIsNotAnObjectIsRefused() {
        assertEquals("--tags: tags must be an object, not an array"
                + " (give {\"key\": \"value\", ...} or the output of aws kms list-resource-tags)", error("[]"));
    }
}
