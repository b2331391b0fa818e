package io.kmstagenforcer.policy;

import static io.kmstagenforcer.policy.Policies.json;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The policy's {@code scopes}: what each reads as, and every scope refused, with the field that says why. */
class ScopesParserTest {
    /** The three scopes of docs/POLICY.md's example. */
    static final String EXAMPLE = "{'required':{'Owner':{'default':'${principal}'},'Environment':{'default':'dev','allowed':['prod','dev']}},"
            + "'scopes':["
            + "{'name':'production-accounts','match':{'account':['111122223333'],'tags':{'Environment':['prod']}},"
            + "'required':{'DataClassification':{'default':'confidential','allowed':['confidential','restricted']}}},"
            + "{'name':'hsm-backed','match':{'origin':['AWS_CLOUDHSM']},'required':{'Compliance':{'value':'PCI'}}},"
            + "{'name':'pki-signing','match':{'keyUsage':['SIGN_VERIFY'],'alias':['alias/pki/*']},"
            + "'required':{'Team':{'value':'pki'}},'forbidden':['tmp:*'],'protectedTags':['pki:*']}]}";

    @Test
    void exampleScopesReadAsTheirMatchesAndRules() {
        TagPolicy policy = Policies.parse(EXAMPLE);

        assertEquals(List.of("production-accounts", "hsm-backed", "pki-signing"), policy.scopes().stream().map(KeyScope::name).toList());
        KeyScope production = policy.scopes().get(0);
        assertEquals(List.of("111122223333"), production.match().accounts());
        assertEquals(List.of("prod"), production.match().tags().get("Environment").stream().map(ValueGlob::glob).toList());
        assertEquals(List.of("DataClassification"), production.required().stream().map(RequiredTag::key).toList());
        KeyScope pki = policy.scopes().get(2);
        assertEquals(List.of("SIGN_VERIFY"), pki.match().keyUsages());
        assertEquals(List.of("alias/pki/*"), pki.match().aliases().stream().map(ValueGlob::glob).toList());
        assertEquals(List.of("tmp:*"), pki.forbidden().stream().map(KeyGlob::glob).toList());
        assertEquals(List.of("pki:*"), pki.protectedTags().stream().map(KeyGlob::glob).toList());
    }

    /** docs/POLICY.md's "Scoped rules" example is a policy the parser accepts, with the scopes this test reads. */
    @Test
    void theDocumentedExampleIsAcceptedAsTheseScopes() throws Exception {
        String doc = java.nio.file.Files.readString(io.kmstagenforcer.docs.DocFile.ROOT.resolve("docs/POLICY.md"));
        String section = doc.substring(doc.indexOf("## Scoped rules"));
        String example = section.substring(section.indexOf("```json\n") + 8, section.indexOf("```", section.indexOf("```json\n") + 8));

        TagPolicy documented = PolicyParser.parse("docs/POLICY.md", example);

        assertEquals(Policies.parse(EXAMPLE).scopes().stream().map(KeyScope::name).toList(),
                documented.scopes().stream().map(KeyScope::name).toList());
    }

    @Test
    void whatAPolicyMustReadFollowsFromItsScopes() {
        TagPolicy none = Policies.parse("{'required':{'Owner':{}}}");
        TagPolicy accountsAndTags = Policies.parse("{'scopes':[{'name':'a','match':{'account':['111122223333'],'region':['eu-*'],"
                + "'tags':{'Environment':['prod']}},'required':{'X':{}}}]}");
        TagPolicy attributes = Policies.parse("{'scopes':[{'name':'a','match':{'multiRegion':true},'required':{'X':{}}}]}");
        TagPolicy aliases = Policies.parse("{'scopes':[{'name':'a','match':{'alias':['alias/x']},'required':{'X':{}}}]}");

        assertAll(
                () -> assertFalse(none.needsKeyAttributes() || none.needsAliases(), "no scopes"),
                () -> assertFalse(accountsAndTags.needsKeyAttributes() || accountsAndTags.needsAliases(), "ARN and tags are free"),
                () -> assertTrue(attributes.needsKeyAttributes() && !attributes.needsAliases(), "multiRegion: DescribeKey"),
                () -> assertTrue(aliases.needsAliases() && !aliases.needsKeyAttributes(), "alias: ListAliases"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void accepted(String what, String policy) {
        assertDoesNotThrow(() -> Policies.parse(policy));
    }

    static Stream<Arguments> accepted() {
        return Stream.of(
                arguments("the documented example", EXAMPLE),
                arguments("every attribute at once", scopes("{'name':'all','match':{'account':['111122223333'],'region':['eu-west-1','us-*'],"
                        + "'alias':['alias/a','alias/team/*'],'keySpec':['HMAC_*','SYMMETRIC_DEFAULT'],'keyUsage':['GENERATE_VERIFY_MAC'],"
                        + "'origin':['AWS_KMS','EXTERNAL'],'multiRegion':false,'tags':{'aws:cloudformation:stack-name':['prod-*']}},"
                        + "'protectedTags':['Team']}")),
                arguments("two scopes requiring one key with the same rules", scopes(
                        "{'name':'a','match':{'region':['eu-*']},'required':{'X':{'default':'1','pattern':'^[0-9]$'}}}",
                        "{'name':'b','match':{'origin':['EXTERNAL']},'required':{'X':{'default':'1','pattern':'^[0-9]$'}}}")),
                arguments("two scopes requiring one key differently, on keys of other accounts", scopes(
                        "{'name':'a','match':{'account':['111122223333']},'required':{'X':{'default':'1'}}}",
                        "{'name':'b','match':{'account':['444455556666']},'required':{'X':{'default':'2'}}}")),
                arguments("two scopes requiring one key differently, on keys with other tag values", scopes(
                        "{'name':'a','match':{'tags':{'Env':['prod']}},'required':{'X':{'default':'1'}}}",
                        "{'name':'b','match':{'tags':{'Env':['dev*']}},'required':{'X':{'default':'2'}}}")),
                arguments("one scope forbidding what another requires, on single- and multi-Region keys", scopes(
                        "{'name':'a','match':{'multiRegion':true},'required':{'X':{}}}",
                        "{'name':'b','match':{'multiRegion':false},'forbidden':['X']}")),
                arguments("a scope matching on a tag the base policy sets",
                        "{'required':{'Environment':{'default':'prod'}},'scopes':[{'name':'a','match':{'tags':{'Environment':['prod']}},"
                                + "'required':{'X':{'default':'y'}}}]}"),
                arguments("a scope requiring a key with a default the base protects",
                        "{'protectedTags':['Team'],'scopes':[{'name':'a','match':{'region':['eu-*']},'required':{'Team':{'default':'x'}}}]}"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void refused(String what, String policy, String fieldPath, String problem) {
        PolicyException e = assertThrows(PolicyException.class, () -> PolicyParser.parse(Policies.NAME, json(policy)));

        assertTrue(e.getMessage().startsWith(fieldPath + " "), () -> "message should name " + fieldPath + ": " + e.getMessage());
        assertTrue(e.getMessage().contains(problem), () -> "message should say \"" + problem + "\": " + e.getMessage());
    }

    static Stream<Arguments> refused() {
        String s0 = "TAG_POLICY.scopes[0]";
        String s1 = "TAG_POLICY.scopes[1]";
        return Stream.of(
                // shape
                arguments("scopes not an array", "{'scopes':{}}", "TAG_POLICY.scopes", "must be an array"),
                arguments("a scope not an object", "{'scopes':['a']}", s0, "must be an object"),
                arguments("an unknown scope field", scopes("{'name':'a','match':{'region':['eu-*']},'requird':{'X':{}}}"), s0 + ".requird",
                        "is not a policy field"),
                arguments("no name", scopes("{'match':{'region':['eu-*']},'required':{'X':{}}}"), s0 + ".name", "is missing"),
                arguments("a name with a space", scopes("{'name':'prod keys','match':{'region':['eu-*']},'required':{'X':{}}}"), s0 + ".name",
                        "is not a scope name"),
                arguments("two scopes of one name", scopes("{'name':'a','match':{'region':['eu-*']},'required':{'X':{}}}",
                        "{'name':'a','match':{'region':['us-*']},'required':{'Y':{}}}"), s1 + ".name", "names another scope too"),
                arguments("no match", scopes("{'name':'a','required':{'X':{}}}"), s0 + ".match", "is missing"),
                arguments("an empty match", scopes("{'name':'a','match':{},'required':{'X':{}}}"), s0 + ".match", "names no attribute"),
                arguments("nothing to add", scopes("{'name':'a','match':{'region':['eu-*']}}"), s0, "adds nothing"),
                arguments("nothing to add, in empty lists", scopes("{'name':'a','match':{'region':['eu-*']},'required':{},'forbidden':[]}"), s0,
                        "adds nothing"),
                // match attributes
                arguments("an unknown match attribute", scopes("{'name':'a','match':{'keyState':['Enabled']},'required':{'X':{}}}"),
                        s0 + ".match.keyState", "is not a match attribute"),
                arguments("an attribute not an array", scopes("{'name':'a','match':{'region':'eu-west-1'},'required':{'X':{}}}"),
                        s0 + ".match.region", "must be an array"),
                arguments("an empty attribute", scopes("{'name':'a','match':{'origin':[]},'required':{'X':{}}}"), s0 + ".match.origin",
                        "is empty"),
                arguments("an account that is not 12 digits", scopes("{'name':'a','match':{'account':['11112222333']},'required':{'X':{}}}"),
                        s0 + ".match.account[0]", "is not a 12-digit account id"),
                arguments("a region in capitals", scopes("{'name':'a','match':{'region':['EU-*']},'required':{'X':{}}}"),
                        s0 + ".match.region[0]", "is not a region"),
                arguments("an alias glob without alias/", scopes("{'name':'a','match':{'alias':['alias/a','pki/*']},'required':{'X':{}}}"),
                        s0 + ".match.alias[1]", "is not an alias glob"),
                arguments("an alias glob of AWS managed keys", scopes("{'name':'a','match':{'alias':['alias/aws/*']},'required':{'X':{}}}"),
                        s0 + ".match.alias[0]", "AWS managed keys"),
                arguments("a key spec no key has", scopes("{'name':'a','match':{'keySpec':['AES_*']},'required':{'X':{}}}"),
                        s0 + ".match.keySpec[0]", "matches no key spec"),
                arguments("a key usage in lower case", scopes("{'name':'a','match':{'keyUsage':['sign_verify']},'required':{'X':{}}}"),
                        s0 + ".match.keyUsage[0]", "is not a key usage"),
                arguments("an unknown origin", scopes("{'name':'a','match':{'origin':['HSM']},'required':{'X':{}}}"), s0 + ".match.origin[0]",
                        "is not a key origin"),
                arguments("multiRegion not a boolean", scopes("{'name':'a','match':{'multiRegion':'yes'},'required':{'X':{}}}"),
                        s0 + ".match.multiRegion", "must be true or false"),
                arguments("a tag match without values", scopes("{'name':'a','match':{'tags':{'Env':[]}},'required':{'X':{}}}"),
                        s0 + ".match.tags.Env", "is empty"),
                arguments("a tag match on a key the base forbids", "{'forbidden':['tmp:*'],'scopes':[{'name':'a','match':{'tags':{'tmp:x':['1']}},"
                        + "'required':{'X':{}}}]}", s0 + ".match.tags.tmp:x", "names a tag the base policy forbids"),
                // rules, as the base policy's
                arguments("a required tag with a bad default", scopes("{'name':'a','match':{'region':['eu-*']},'required':{'X':{'default':'a&b'}}}"),
                        s0 + ".required.X.default", "is not a valid KMS tag value"),
                arguments("a forbidden aws: glob", scopes("{'name':'a','match':{'region':['eu-*']},'forbidden':['aws:*']}"), s0 + ".forbidden[0]",
                        "aws: tags belong to AWS"),
                // against the base policy
                arguments("requiring what the base requires", "{'required':{'Owner':{}},'scopes':[{'name':'a','match':{'region':['eu-*']},"
                        + "'required':{'Owner':{'allowed':['x']}}}]}", s0 + ".required.Owner", "is already required by the base policy"),
                arguments("requiring what the base forbids", "{'forbidden':['tmp:*'],'scopes':[{'name':'a','match':{'region':['eu-*']},"
                        + "'required':{'tmp:x':{}}}]}", s0 + ".required.tmp:x", "is forbidden by the base policy's \"tmp:*\""),
                arguments("requiring the exemptTag", "{'exemptTag':'Exempt','scopes':[{'name':'a','match':{'region':['eu-*']},"
                        + "'required':{'Exempt':{'default':'y'}}}]}", s0 + ".required.Exempt", "is the policy's exemptTag"),
                arguments("requiring a case variant of a base key under normalizeKeyCase", "{'normalizeKeyCase':true,'required':{'Owner':{}},"
                        + "'scopes':[{'name':'a','match':{'region':['eu-*']},'required':{'OWNER':{}}}]}", s0 + ".required.OWNER", "differ only in case"),
                arguments("a fixed value on a key the base protects", "{'protectedTags':['Team'],'scopes':[{'name':'a','match':{'region':['eu-*']},"
                        + "'required':{'Team':{'value':'x'}}}]}", s0 + ".required.Team", "is protected by the base policy's \"Team\""),
                arguments("forbidding what the base requires", "{'required':{'Owner':{}},'scopes':[{'name':'a','match':{'region':['eu-*']},"
                        + "'forbidden':['own*']}]}", s0 + ".forbidden[0]", "matches the base policy's required tag \"Owner\""),
                arguments("forbidding the exemptTag", "{'exemptTag':'Exempt','scopes':[{'name':'a','match':{'region':['eu-*']},"
                        + "'forbidden':['Ex*']}]}", s0 + ".forbidden[0]", "matches the policy's exemptTag"),
                arguments("forbidding what the base protects", "{'protectedTags':['Team'],'scopes':[{'name':'a','match':{'region':['eu-*']},"
                        + "'forbidden':['T*']}]}", s0 + ".forbidden[0]", "and the base policy's protected \"Team\" name the same key"),
                arguments("protecting a base key with a fixed value", "{'required':{'Team':{'value':'x'}},'scopes':[{'name':'a','match':"
                        + "{'region':['eu-*']},'protectedTags':['Team']}]}", s0 + ".protectedTags[0]", "whose fixed \"value\""),
                arguments("protecting what the base forbids", "{'forbidden':['Scratch'],'scopes':[{'name':'a','match':{'region':['eu-*']},"
                        + "'protectedTags':['S*']}]}", s0 + ".protectedTags[0]", "and the forbidden \"Scratch\" name the same key"),
                // against itself and other scopes
                arguments("requiring what it forbids", scopes("{'name':'a','match':{'region':['eu-*']},'required':{'X':{}},'forbidden':['x']}"),
                        s0 + ".required.X", "is forbidden by this scope's \"x\""),
                arguments("requiring what an overlapping scope forbids", scopes("{'name':'a','match':{'region':['eu-*']},'required':{'X':{}}}",
                        "{'name':'b','match':{'origin':['EXTERNAL']},'forbidden':['X*']}"), s0 + ".required.X",
                        "is forbidden by scope \"b\"'s (both can apply to one key)"),
                arguments("two overlapping scopes requiring one key differently", scopes(
                        "{'name':'a','match':{'account':['111122223333']},'required':{'X':{'default':'1'}}}",
                        "{'name':'b','match':{'account':['111122223333','444455556666']},'required':{'X':{'default':'2'}}}"),
                        s1 + ".required.X", "is required by scope \"a\" too, with other rules"),
                arguments("aliases never make scopes exclusive", scopes(
                        "{'name':'a','match':{'alias':['alias/a']},'required':{'X':{'default':'1'}}}",
                        "{'name':'b','match':{'alias':['alias/b']},'required':{'X':{'default':'2'}}}"), s1 + ".required.X", "with other rules"),
                arguments("protecting what an overlapping scope sets to a fixed value", scopes(
                        "{'name':'a','match':{'region':['eu-*']},'required':{'X':{'value':'1'}}}",
                        "{'name':'b','match':{'region':['eu-west-1']},'protectedTags':['X']}"), s1 + ".protectedTags[0]", "whose fixed \"value\""),
                // the fixpoint: no scope changes or keeps a tag scopes match on
                arguments("requiring a tag a scope matches on", scopes(
                        "{'name':'a','match':{'tags':{'Environment':['prod']}},'required':{'X':{}}}",
                        "{'name':'b','match':{'region':['eu-*']},'required':{'Environment':{'default':'prod'}}}"), s1 + ".required.Environment",
                        "is a tag scope \"a\" matches on"),
                arguments("forbidding a tag a scope matches on", scopes(
                        "{'name':'a','match':{'tags':{'Environment':['prod']}},'forbidden':['env*']}"), s0 + ".forbidden[0]",
                        "matches a tag scope \"a\" matches on"),
                arguments("protecting a tag a scope matches on", scopes(
                        "{'name':'a','match':{'tags':{'Environment':['prod']}},'required':{'X':{}}}",
                        "{'name':'b','match':{'region':['eu-*']},'protectedTags':['Env*']}"), s1 + ".protectedTags[0]",
                        "matches a tag scope \"a\" matches on"));
    }

    @Test
    void aKeyIsInAScopeWhenEveryAttributeGivenMatchesOneOfItsValues() {
        ScopeMatch match = Policies.parse(scopes("{'name':'a','match':{'account':['111122223333'],'region':['eu-*'],'alias':['alias/pki/*'],"
                + "'keyUsage':['SIGN_VERIFY'],'tags':{'Environment':['prod','prod-*']}},'required':{'X':{}}}")).scopes().get(0).match();
        KeyAttributes signing = new KeyAttributes(Optional.of("RSA_2048"), Optional.of("SIGN_VERIFY"), Optional.of("AWS_KMS"), Optional.of(false));
        KeyFacts facts = new KeyFacts(Optional.of("111122223333"), Optional.of("eu-west-1"), Optional.of(List.of("alias/other", "alias/pki/root")),
                Optional.of(signing));
        Map<String, String> prod = Map.of("Environment", "prod-2");

        assertAll(
                () -> assertTrue(match.matches(facts, prod)),
                () -> assertFalse(match.matches(facts, Map.of("Environment", "Prod")), "tag values are case-sensitive"),
                () -> assertFalse(match.matches(facts, Map.of()), "a tag the key does not have"),
                () -> assertFalse(match.matches(new KeyFacts(Optional.of("111122223333"), Optional.of("us-east-1"), facts.aliases(),
                        facts.attributes()), prod), "another region"),
                () -> assertFalse(match.matches(facts.withAliases(List.of("alias/PKI/root")), prod), "aliases are case-sensitive"),
                () -> assertFalse(match.matches(facts.withAliases(List.of()), prod), "a key without aliases"),
                () -> assertFalse(match.matches(new KeyFacts(facts.account(), facts.region(), Optional.empty(), facts.attributes()), prod),
                        "aliases not read"),
                () -> assertFalse(match.matches(new KeyFacts(facts.account(), facts.region(), facts.aliases(), Optional.empty()), prod),
                        "usage not read"));
    }

    /** A policy whose only field is {@code scopes}, these (single-quoted) its elements. */
    private static String scopes(String... scopes) {
        return "{'scopes':[" + String.join(",", scopes) + "]}";
    }
}
