package io.kmstagenforcer.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A JSON value that knows the path it was reached by, so that every shape error names the field.
 * Absent and JSON null read the same, as "no value"; a value of the wrong type is never coerced
 * (except by {@code stringIfPresent}, for fields that must never fail a read).
 */
class JsonFieldTest {
    /** Field names say what each member holds. */
    private static final JsonField DOC = JsonField.parse("doc", """
            {"text": "hello", "number": 42, "flag": true, "nothing": null, "object": {"inner": "x"},
             "list": ["a", 7, {"k": "v"}], "AWSAccountId": "upper", "aWSAccountId": "lower"}""");

    private static String shapeError(Function<JsonField, ?> read, JsonField field) {
        return assertThrows(JsonShapeException.class, () -> read.apply(field)).getMessage();
    }

    @Nested
    class Parse {

        @ParameterizedTest(name = "\"{0}\"")
        @ValueSource(strings = {"", " ", "\n\t\r "})
        void anEmptyOrBlankDocumentIsEmpty(String document) {
            assertEquals("TAG_POLICY is empty",
                    assertThrows(JsonShapeException.class, () -> JsonField.parse("TAG_POLICY", document)).getMessage());
        }

        @Test
        void invalidJsonIsNamedWithTheFirstLineOfTheParserMessage() {
            String message = assertThrows(JsonShapeException.class, () -> JsonField.parse("event", "{\"a\": ")).getMessage();
            assertTrue(message.startsWith("event is not valid JSON: ") && !message.contains("\n"), message);
        }

        @Test
        void bytesAreReadAsUtf8() {
            JsonField field = JsonField.parse("doc", "{\"name\": \"Zoë ✓\"}".getBytes(StandardCharsets.UTF_8));
            assertEquals(Optional.of("Zoë ✓"), field.get("name").optionalString());
        }

        @Test
        void theDocumentIsTheRootOfEveryPath() {
            assertEquals("TAG_POLICY.required.Owner", JsonField.parse("TAG_POLICY", "{}").get("required").get("Owner").path());
        }

        @Test
        void contentAfterTheFirstValueIsNotValidJson() {
            String message = assertThrows(JsonShapeException.class,
                    () -> JsonField.parse("TAG_POLICY", "{\"mode\": \"enforce\"} {\"mode\": \"report\"}")).getMessage();
            assertTrue(message.startsWith("TAG_POLICY is not valid JSON"), message);
        }
    }

    @Nested
    class AbsentAndNull {

        @Test
        void anAbsentMemberIsNotPresentAndKeepsItsPath() {
            JsonField absent = DOC.get("missing");
            assertEquals(List.of(false, "doc.missing"), List.of(absent.isPresent(), absent.path()));
        }

        @Test
        void nullReadsLikeAbsent() {
            JsonField nothing = DOC.get("nothing");
            assertEquals(List.of(false, false, Optional.empty(), Optional.empty(), Optional.empty()),
                    List.of(nothing.isPresent(), nothing.isObject(), nothing.optionalString(), nothing.stringIfPresent(),
                            nothing.optionalBoolean()));
        }

        @Test
        void aMemberOfAnAbsentValueIsAbsentWithTheFullPath() {
            assertEquals("doc.missing.deeper.deepest", DOC.get("missing").get("deeper").get("deepest").path());
        }

        @Test
        void anAbsentValueHasNoMembersAndNoElements() {
            assertEquals(List.of(List.of(), List.of()), List.of(DOC.get("nothing").members(), DOC.get("missing").elements()));
        }

        @ParameterizedTest
        @CsvSource({"missing", "nothing"})
        void aRequiredStringThatIsAbsentOrNullIsMissing(String name) {
            assertEquals("doc." + name + " is missing", shapeError(JsonField::requiredString, DOC.get(name)));
        }

        @Test
        void anAbsentValueIsNotAnObject() {
            assertEquals("doc.missing must be an object, not missing", shapeError(JsonField::asObject, DOC.get("missing")));
        }

        @Test
        void aNullValueIsNotAnObjectAndSaysNull() {
            assertEquals("doc.nothing must be an object, not null", shapeError(JsonField::asObject, DOC.get("nothing")));
        }
    }

    @Nested
    class WrongTypes {

        @ParameterizedTest(name = "{0}")
        @CsvSource(delimiter = '|', textBlock = """
                number | doc.number must be a string, not a number
                flag   | doc.flag must be a string, not a boolean
                object | doc.object must be a string, not an object
                list   | doc.list must be a string, not an array
                """)
        void aStringReadOfAnotherTypeNamesPathAndType(String name, String message) {
            assertEquals(message, shapeError(JsonField::optionalString, DOC.get(name)));
        }

        @Test
        void aRequiredStringOfAnotherTypeIsAShapeErrorNotMissing() {
            assertEquals("doc.number must be a string, not a number", shapeError(JsonField::requiredString, DOC.get("number")));
        }

        @Test
        void stringIfPresentReadsAnotherTypeAsAbsent() {
            assertEquals(List.of(Optional.empty(), Optional.empty(), Optional.of("hello")),
                    List.of(DOC.get("number").stringIfPresent(), DOC.get("object").stringIfPresent(), DOC.get("text").stringIfPresent()));
        }

        @Test
        void aBooleanReadOfAStringNamesPathAndType() {
            assertEquals("doc.text must be true or false, not a string", shapeError(JsonField::optionalBoolean, DOC.get("text")));
        }

        @Test
        void aBooleanIsRead() {
            assertEquals(Optional.of(true), DOC.get("flag").optionalBoolean());
        }

        @Test
        void aMemberOfANonObjectNamesTheParentPath() {
            assertEquals("doc.text must be an object, not a string", shapeError(field -> field.get("inner"), DOC.get("text")));
        }

        @Test
        void elementsOfANonArrayNamesPathAndType() {
            assertEquals("doc.object must be an array, not an object", shapeError(JsonField::elements, DOC.get("object")));
        }

        @Test
        void membersOfANonObjectNamesPathAndType() {
            assertEquals("doc.list must be an object, not an array", shapeError(JsonField::members, DOC.get("list")));
        }

        @Test
        void aDocumentThatIsNotAnObjectSaysWhatItIs() {
            assertEquals("event must be an object, not an array", shapeError(JsonField::asObject, JsonField.parse("event", "[1,2,3]")));
        }
    }

    @Nested
    class Paths {

        @Test
        void elementsAreIndexedInTheirPaths() {
            assertEquals(List.of("doc.list[0]", "doc.list[1]", "doc.list[2]"), DOC.get("list").elements().stream().map(JsonField::path).toList());
        }

        @Test
        void aShapeErrorInsideAnArrayNamesTheElement() {
            assertEquals("doc.list[1] must be a string, not a number", shapeError(JsonField::optionalString, DOC.get("list").elements().get(1)));
        }

        @Test
        void aMemberOfAnElementContinuesThePath() {
            assertEquals("doc.list[2].k", DOC.get("list").elements().get(2).get("k").path());
        }

        @Test
        void membersComeInDocumentOrderWithTheirPaths() {
            List<String> paths = JsonField.parse("doc", "{\"z\": 1, \"a\": 2, \"m\": 3}").members().stream()
                    .map(Map.Entry::getValue).map(JsonField::path).toList();
            assertEquals(List.of("doc.z", "doc.a", "doc.m"), paths);
        }
    }
}
