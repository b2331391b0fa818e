package io.kmstagenforcer.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Forbidden-key globs: {@code *} is any run of characters (none included), case is ignored, nothing else is special. */
class KeyGlobTest {

    @ParameterizedTest(name = "\"{0}\" matches \"{1}\": {2}")
    @CsvSource(delimiter = '|', textBlock = """
            # glob        | key                          | matches
            tmp:*         | tmp:build                    | true
            tmp:*         | tmp:                         | true
            tmp:*         | tmp:a:b                      | true
            tmp:*         | TMP:Build                    | true
            tmp:*         | tmp                          | false
            tmp:*         | xtmp:a                       | false
            Scratch       | Scratch                      | true
            Scratch       | scratch                      | true
            Scratch       | SCRATCH                      | true
            Scratch       | Scratchpad                   | false
            Scratch       | MyScratch                    | false
            build*id      | build-job-id                 | true
            build*id      | buildid                      | true
            build*id      | BUILD-ID                     | true
            build*id      | build-job-ids                | false
            build*id      | rebuild-id                   | false
            a*b*c         | aXXbYYc                      | true
            a*b*c         | acb                          | false
            *-old         | key-old                      | true
            *-old         | key-older                    | false
            *             | anything at all              | true
            **            | x                            | true
            *:createdby   | aws:cloudformation:createdby | true
            a.b           | a.b                          | true
            a.b           | axb                          | false
            a+b           | aab                          | false
            a+b           | a+b                          | true
            été:*         | ÉTÉ:juillet                  | true
            """)
    void matchesWholeKeysWithStarAsAnyRunIgnoringCase(String glob, String key, boolean matches) {
        assertEquals(matches, KeyGlob.of(glob).matches(key));
    }

    @Test
    void keepsTheGlobAsWrittenForMessages() {
        assertEquals("Tmp:*", KeyGlob.of("Tmp:*").glob());
    }
}
