package io.kmstagenforcer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TagChangesTest {
    @Test
    void aTagWithNoPreviousValueIsAddedOneWithOneIsReplacedAndRemovalsKeepTheirOldValue() {
        Map<String, String> toSet = new LinkedHashMap<>();
        toSet.put("Owner", "alice");
        toSet.put("CostCenter", "unassigned");
        TagChanges changes = TagChanges.of(toSet, List.of("tmp:build", "owner"),
                Map.of("CostCenter", "12ab", "tmp:build", "1234", "owner", "alice"));

        assertEquals(List.of(
                new TagChanges.Change("ADD", "Owner=alice"),
                new TagChanges.Change("REPLACE", "CostCenter: 12ab -> unassigned"),
                new TagChanges.Change("REMOVE", "tmp:build (1234)"),
                new TagChanges.Change("REMOVE", "owner (alice)")), changes.changes());
    }

    @Test
    void noWritesAreNoChanges() {
        assertTrue(TagChanges.of(Map.of(), List.of(), Map.of()).isEmpty());
    }
}
