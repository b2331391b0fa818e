package io.kmstagenforcer.policy;

import static io.kmstagenforcer.policy.Policies.json;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The tag policy document: what it means, what it defaults to, and everything it may not say. */
class PolicyParserTest {

    // ------------------------------------------------------------------ the sample policy

    @Test
    void samplePolicyParsesToTheExpectedModel() {
        TagPolicy policy = Policies.sample();

        assertEquals(Mode.ENFORCE, policy.mode());
        assertEquals(List.of("Owner", "CostCenter", "Environment", "CreatedBy"),
                policy.required().stream().map(RequiredTag::key).toList(), "required keys, in document order");
        assertEquals(List.of("tmp:*", "Scratch"), policy.forbidden().stream().map(KeyGlob::glob).toList());
        assertTrue(policy.normalizeKeyCase());
        assertEquals(Optional.of("tag-enforcer:exempt"), policy.exemptTag());
    }

    @Test
    void sampleOwnerHasOnlyATemplatedDefault() {
        RequiredTag owner = Policies.sample().required().get(0);

        assertEquals(Optional.of("${principal}"), owner.defaultValue().map(ValueTemplate::toString));
        assertEquals(Optional.empty(), owner.defaultValue().flatMap(ValueTemplate::literal), "templated, not literal");
        assertEquals(Optional.empty(), owner.fixedValue());
        assertEquals(Optional.empty(), owner.allowed());
        assertEquals(Optional.empty(), owner.pattern());
    }

    @Test
    void sampleCostCenterHasALiteralDefaultAndAPattern() {
        RequiredTag costCenter = Policies.sample().required().get(1);

        assertEquals(Optional.of("unassigned"), costCenter.defaultValue().flatMap(ValueTemplate::literal));
        assertEquals(Optional.of("^([0-9]{4}|unassigned)$"), costCenter.pattern().map(Object::toString));
        assertTrue(costCenter.accepts("1234"));
        assertFalse(costCenter.accepts("12345"));
    }

    @Test
    void sampleEnvironmentHasALiteralDefaultAndAnAllowedList() {
        RequiredTag environment = Policies.sample().required().get(2);

        assertEquals(Optional.of("dev"), environment.defaultValue().flatMap(ValueTemplate::literal));
        assertEquals(Optional.of(List.of("prod", "staging", "dev")), environment.allowed());
        assertEquals(Optional.empty(), environment.pattern());
    }

    @Test
    void sampleCreatedByHasOnlyAFixedValue() {
        RequiredTag createdBy = Policies.sample().required().get(3);

        assertEquals(Optional.of("${principal.arn}"), createdBy.fixedValue().map(ValueTemplate::toString));
        assertEquals(Optional.empty(), createdBy.defaultValue());
    }

    // ------------------------------------------------------------------ defaults

    @Test
    void emptyPolicyTakesEveryDefault() {
        TagPolicy policy = Policies.parse("{}");

        assertEquals(Mode.ENFORCE, policy.mode());
        assertEquals(List.of(), policy.required());
        assertEquals(List.of(), policy.forbidden());
        assertFalse(policy.normalizeKeyCase());
        assertEquals(Optional.empty(), policy.exemptTag());
        assertEquals(List.of(), policy.protectedTags());
        assertFalse(policy.checkKeyPolicy());
        assertEquals(OptionalInt.empty(), policy.maxExemptionDays(), "exemptions run as long as their tag says");
    }

    @Test
    void maxExemptionDaysIsRead() {
        TagPolicy policy = Policies.parse("{'exemptTag':'tag-enforcer:exempt','maxExemptionDays':90}");

        assertEquals(OptionalInt.of(90), policy.maxExemptionDays());
    }

    @Test
    void protectedTagsAndCheckKeyPolicyAreRead() {
        TagPolicy policy = Policies.parse("{'protectedTags':['Team','abac:*'],'checkKeyPolicy':true}");

        assertEquals(List.of("Team", "abac:*"), policy.protectedTags().stream().map(KeyGlob::glob).toList());
        assertTrue(policy.checkKeyPolicy());
        assertEquals(Optional.of("abac:*"), policy.protection("ABAC:project").map(KeyGlob::glob), "globs ignore case");
        assertEquals(Optional.empty(), policy.protection("Teams"));
    }

    @Test
    void nullFieldsReadAsAbsent() {
        TagPolicy policy = Policies.parse(
                "{'mode':null,'required':null,'forbidden':null,'normalizeKeyCase':null,'exemptTag':null,'protectedTags':null,'checkKeyPolicy':null,"
                + "'maxExemptionDays':null}");

        assertEquals(Policies.parse("{}"), policy);
    }

    @ParameterizedTest(name = "\"{0}\" -> {1}")
    @MethodSource
    void modeIsReadFromItsLowerCaseLabel(String label, Mode expected) {
        assertEquals(expected, Policies.parse("{'mode':'" + label + "'}").mode());
    }

    static Stream<Arguments> modeIsReadFromItsLowerCaseLabel() {
        return Stream.of(arguments("enforce", Mode.ENFORCE), arguments("report", Mode.REPORT));
    }

    @Test
    void requiredTagWithNeitherDefaultNorValueIsAccepted() {
        RequiredTag owner = Policies.parse("{'required':{'Owner':{}}}").required().get(0);

        assertEquals(Optional.empty(), owner.defaultValue());
        assertEquals(Optional.empty(), owner.fixedValue());
    }

    @Test
    void caseCollidingRequiredKeysAreAcceptedWhenNormalizeKeyCaseIsOff() {
        TagPolicy policy = Policies.parse("{'normalizeKeyCase':false,'required':{'Owner':{},'owner':{}}}");

        assertEquals(List.of("Owner", "owner"), policy.required().stream().map(RequiredTag::key).toList());
    }

    /** Each row sits just inside a limit that a row of {@link #rejections()} steps over. */
    @ParameterizedTest(name = "{0}")
    @MethodSource
    void acceptsPoliciesAtTheEdgeOfEachRule(String rule, String policy) {
        assertDoesNotThrow(() -> PolicyParser.parse(Policies.NAME, json(policy)));
    }

    static Stream<Arguments> acceptsPoliciesAtTheEdgeOfEachRule() {
        return Stream.of(
                arguments("128-character key", required("K".repeat(128), "{}")),
                arguments("unicode letters and every allowed symbol in a key", required("Propriétaire_所有者 .:/=+-@1", "{}")),
                arguments("256-character literal default", required("Owner", "{'default':'" + "d".repeat(256) + "'}")),
                arguments("empty literal default", required("Owner", "{'default':''}")),
                arguments("every variable", required("Owner", "{'default':'" + allVariables() + "'}")),
                arguments("literal default accepted by its own allowed and pattern",
                        required("Environment", "{'default':'dev','allowed':['prod','dev'],'pattern':'^[a-z]+$'}")),
                arguments("templated default is not checked against allowed", required("Environment", "{'default':'${principal}','allowed':['prod']}")),
                arguments("pattern need not be anchored", required("CostCenter", "{'default':'cc-1234','pattern':'[0-9]{4}'}")),
                arguments("50 required tags", requiredTags(50)),
                arguments("forbidden glob of only *, with nothing required", "{'forbidden':['*']}"),
                arguments("forbidden glob that would match an aws: key", "{'forbidden':['*:createdby','a*']}"),
                arguments("forbidden glob that matches no required key", "{'required':{'Owner':{}},'forbidden':['Owner2','x*Owner']}"),
                arguments("exemptTag with unicode letters", "{'exemptTag':'überprüfung:ausgenommen'}"),
                arguments("per-event variables in a default", "{'required':{'CreatedOn':{'default':'${eventDate} by ${eventName}'}}}"),
                // protectedTags: what the enforcer may still do to a protected tag is add it
                arguments("protected required tag with only a default (added when missing, never replaced)",
                        "{'required':{'Team':{'default':'unassigned'}},'protectedTags':['Team']}"),
                arguments("protected required tag with a default and allowed values",
                        "{'required':{'Team':{'default':'unassigned','allowed':['payments','unassigned']}},'protectedTags':['team']}"),
                arguments("protected required tag with neither default nor value", "{'required':{'Team':{}},'protectedTags':['*']}"),
                arguments("protected and forbidden globs that only overlap (protection wins)", "{'forbidden':['tmp:*'],'protectedTags':['*:abac']}"),
                arguments("normalizeKeyCase with protected keys that no required key matches",
                        "{'normalizeKeyCase':true,'required':{'Owner':{'default':'x'}},'protectedTags':['Team','abac:*']}"),
                arguments("the exemption tag protected", "{'exemptTag':'tag-enforcer:exempt','protectedTags':['tag-enforcer:*']}"),
                arguments("checkKeyPolicy without protectedTags", "{'checkKeyPolicy':true}"));
    }

    // ------------------------------------------------------------------ rejections

    /**
     * Every rejection names the field to fix: the message starts with the field's path and goes on
     * to say what is wrong with it.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource
    void rejections(String what, String policy, String fieldPath, String problem) {
        PolicyException e = assertThrows(PolicyException.class, () -> PolicyParser.parse(Policies.NAME, policy));

        assertTrue(e.getMessage().startsWith(fieldPath + " "),
                () -> "message should name " + fieldPath + ": " + e.getMessage());
        assertTrue(e.getMessage().contains(problem), () -> "message should say \"" + problem + "\": " + e.getMessage());
    }

    static Stream<Arguments> rejections() {
        return Stream.of(
                // the document
                rejected("not JSON", "{'mode':", "TAG_POLICY", "is not valid JSON"),
                rejected("empty", "", "TAG_POLICY", "is empty"),
                rejected("blank", " \n ", "TAG_POLICY", "is empty"),
                rejected("array root", "[]", "TAG_POLICY", "must be an object, not an array"),
                rejected("string root", "'enforce'", "TAG_POLICY", "must be an object, not a string"),
                rejected("null root", "null", "TAG_POLICY", "must be an object"),
                rejected("content after the document", "{'mode':'report'}, 'forbidden':['tmp:*']}", "TAG_POLICY", "is not valid JSON"),
                rejected("unknown top-level field", "{'forbiden':['tmp:*']}", "TAG_POLICY.forbiden", "is not a policy field"),
                rejected("a field given twice", "{'mode':'report','mode':'enforce'}", "TAG_POLICY", "Duplicate field 'mode'"),
                rejected("a comment", "{/* report first */ 'mode':'report'}", "TAG_POLICY", "is not valid JSON"),
                // mode
                rejected("bad mode", "{'mode':'audit'}", "TAG_POLICY.mode", "must be \"enforce\" or \"report\""),
                rejected("mode in upper case", "{'mode':'ENFORCE'}", "TAG_POLICY.mode", "must be \"enforce\" or \"report\""),
                rejected("mode wrong type", "{'mode':true}", "TAG_POLICY.mode", "must be a string"),
                // required
                rejected("required not an object", "{'required':['Owner']}", "TAG_POLICY.required", "must be an object"),
                tagRejected("required tag spec not an object", "Owner", "'alice'", "", "must be an object"),
                tagRejected("required tag spec null", "Owner", "null", "", "must be an object"),
                tagRejected("unknown tag field", "Owner", "{'defualt':'x'}", ".defualt", "is not a policy field"),
                tagRejected("invalid key chars", "Own&er", "{}", "", "is not a valid KMS tag key"),
                tagRejected("empty key", "", "{}", "", "is not a valid KMS tag key"),
                tagRejected("key too long (129)", "K".repeat(129), "{}", "", "is not a valid KMS tag key"),
                tagRejected("aws: key", "aws:Owner", "{}", "", "reserved for AWS"),
                tagRejected("AWS: key", "AWS:Owner", "{}", "", "reserved for AWS"),
                tagRejected("Aws: key", "Aws:owner", "{}", "", "reserved for AWS"),
                rejected("51 required tags", requiredTags(51), "TAG_POLICY.required", "names 51 tags"),
                rejected("case-colliding required keys under normalizeKeyCase",
                        "{'normalizeKeyCase':true,'required':{'Owner':{},'OWNER':{}}}", "TAG_POLICY.required", "differ only in case"),
                // default and value
                tagRejected("default not a string", "Owner", "{'default':5}", ".default", "must be a string"),
                tagRejected("value not a string", "Owner", "{'value':['x']}", ".value", "must be a string"),
                tagRejected("invalid literal default chars", "Owner", "{'default':'a&b'}", ".default", "is not a valid KMS tag value"),
                tagRejected("invalid literal text around a variable", "Owner", "{'default':'${principal}#1'}", ".default", "is not a valid KMS tag value"),
                tagRejected("default over 256 chars", "Owner", "{'default':'" + "d".repeat(257) + "'}", ".default", "is not a valid KMS tag value"),
                tagRejected("default whose literal text alone is over 256 chars", "Owner",
                        "{'default':'" + "d".repeat(200) + "${principal}" + "d".repeat(57) + "'}", ".default", "is not a valid KMS tag value"),
                tagRejected("unknown variable in default", "Owner", "{'default':'${user}'}", ".default", "unknown variable ${user}"),
                tagRejected("unknown variable in value", "Owner", "{'value':'${principal.name}'}", ".value", "unknown variable ${principal.name}"),
                tagRejected("variable names are case-sensitive", "Owner", "{'default':'${Principal}'}", ".default", "unknown variable ${Principal}"),
                tagRejected("unclosed ${", "Owner", "{'default':'team-${principal'}", ".default", "never closed"),
                tagRejected("default and value together", "Owner", "{'default':'a','value':'b'}", "", "has both \"default\" and \"value\""),
                // allowed and pattern
                tagRejected("allowed empty", "Environment", "{'allowed':[]}", ".allowed", "is empty"),
                tagRejected("allowed with an invalid value", "Environment", "{'allowed':['prod','dev!']}", ".allowed[1]", "is not a valid KMS tag value"),
                tagRejected("allowed with a non-string value", "Environment", "{'allowed':[1]}", ".allowed[0]", "must be a string"),
                tagRejected("allowed not an array", "Environment", "{'allowed':'prod'}", ".allowed", "must be an array"),
                tagRejected("bad regex", "CostCenter", "{'pattern':'^([0-9]{4}$'}", ".pattern", "is not a valid regular expression"),
                tagRejected("pattern not a string", "CostCenter", "{'pattern':4}", ".pattern", "must be a string"),
                tagRejected("literal default rejected by its own pattern", "CostCenter", "{'default':'none','pattern':'^([0-9]{4}|unassigned)$'}", ".default", "is not accepted"),
                tagRejected("literal default not in allowed", "Environment", "{'default':'test','allowed':['prod','dev']}", ".default", "is not accepted"),
                tagRejected("allowed list is case-sensitive for the default", "Environment", "{'default':'Dev','allowed':['dev']}", ".default", "is not accepted"),
                tagRejected("literal value not in allowed", "Environment", "{'value':'test','allowed':['prod']}", ".value", "is not accepted"),
                // forbidden
                rejected("forbidden not an array", "{'forbidden':'tmp:*'}", "TAG_POLICY.forbidden", "must be an array"),
                rejected("forbidden entry not a string", "{'forbidden':['tmp:*',7]}", "TAG_POLICY.forbidden[1]", "must be a string"),
                rejected("forbidden entry null", "{'forbidden':[null]}", "TAG_POLICY.forbidden[0]", "is missing"),
                rejected("forbidden empty string", "{'forbidden':['']}", "TAG_POLICY.forbidden[0]", "is not a valid tag key glob"),
                rejected("forbidden glob with invalid chars", "{'forbidden':['tmp?*']}", "TAG_POLICY.forbidden[0]", "is not a valid tag key glob"),
                rejected("forbidden starting with aws:", "{'forbidden':['aws:*']}", "TAG_POLICY.forbidden[0]", "aws: tags belong to AWS"),
                rejected("forbidden starting with AWS:", "{'forbidden':['Scratch','AWS:cloudformation:*']}", "TAG_POLICY.forbidden[1]", "aws: tags belong to AWS"),
                rejected("forbidden matching a required key", "{'required':{'Owner':{}},'forbidden':['Owner']}", "TAG_POLICY.forbidden[0]", "matches the required tag \"Owner\""),
                rejected("forbidden matching a required key ignoring case", "{'required':{'Owner':{}},'forbidden':['oWN*']}", "TAG_POLICY.forbidden[0]", "matches the required tag \"Owner\""),
                rejected("forbidden * with a required key", "{'required':{'Owner':{}},'forbidden':['*']}", "TAG_POLICY.forbidden[0]", "matches the required tag \"Owner\""),
                // normalizeKeyCase and exemptTag
                rejected("normalizeKeyCase not boolean", "{'normalizeKeyCase':'true'}", "TAG_POLICY.normalizeKeyCase", "must be true or false"),
                rejected("exemptTag invalid", "{'exemptTag':'exempt!'}", "TAG_POLICY.exemptTag", "is not a valid KMS tag key"),
                rejected("exemptTag empty", "{'exemptTag':''}", "TAG_POLICY.exemptTag", "is not a valid KMS tag key"),
                rejected("exemptTag not a string", "{'exemptTag':true}", "TAG_POLICY.exemptTag", "must be a string"),
                rejected("exemptTag aws:", "{'exemptTag':'aws:exempt'}", "TAG_POLICY.exemptTag", "reserved for AWS"),
                rejected("exemptTag also required", "{'required':{'Exempt':{'default':'yes'}},'exemptTag':'Exempt'}",
                        "TAG_POLICY.exemptTag", "is also a required tag"),
                rejected("exemptTag forbidden", "{'forbidden':['tag-enforcer:*'],'exemptTag':'tag-enforcer:exempt'}",
                        "TAG_POLICY.exemptTag", "matches the forbidden \"tag-enforcer:*\""),
                // maxExemptionDays
                rejected("maxExemptionDays zero", "{'exemptTag':'Exempt','maxExemptionDays':0}", "TAG_POLICY.maxExemptionDays",
                        "must be a whole number of days from 1 to 3650, not 0"),
                rejected("maxExemptionDays negative", "{'exemptTag':'Exempt','maxExemptionDays':-30}", "TAG_POLICY.maxExemptionDays",
                        "from 1 to 3650, not -30"),
                rejected("maxExemptionDays over ten years", "{'exemptTag':'Exempt','maxExemptionDays':3651}", "TAG_POLICY.maxExemptionDays",
                        "from 1 to 3650, not 3651"),
                rejected("maxExemptionDays a fraction", "{'exemptTag':'Exempt','maxExemptionDays':30.5}", "TAG_POLICY.maxExemptionDays",
                        "must be a whole number"),
                rejected("maxExemptionDays a string", "{'exemptTag':'Exempt','maxExemptionDays':'90'}", "TAG_POLICY.maxExemptionDays",
                        "must be a number"),
                rejected("maxExemptionDays a date", "{'exemptTag':'Exempt','maxExemptionDays':'2027-03-31'}", "TAG_POLICY.maxExemptionDays",
                        "must be a number"),
                rejected("maxExemptionDays without exemptTag", "{'maxExemptionDays':90}", "TAG_POLICY.maxExemptionDays",
                        "caps how long an exemption may run, but the policy has no exemptTag"),
                // protectedTags
                globsRejected("not an array", "'Team'", "", "must be an array"),
                globsRejected("an entry not a string", "['Team',1]", "[1]", "must be a string"),
                globsRejected("an empty string", "['']", "[0]", "is not a valid tag key glob"),
                globsRejected("a glob with invalid chars", "['team?']", "[0]", "is not a valid tag key glob"),
                globsRejected("a glob starting with AWS:", "['Team','AWS:*']", "[1]", "aws: tags belong to AWS"),
                protectedRejected("forbidden glob matching a protected key", "'forbidden':['T*'],'protectedTags':['Team']",
                        "\"Team\" and the forbidden \"T*\" name the same key"),
                protectedRejected("protected glob matching a forbidden key", "'forbidden':['Scratch'],'protectedTags':['s*']",
                        "and the forbidden \"Scratch\" name the same key"),
                protectedRejected("the same key forbidden and protected, in other case", "'forbidden':['team'],'protectedTags':['Team']",
                        "name the same key"),
                protectedRejected("protected required tag with a fixed value", "'required':{'Team':{'value':'platform'}},'protectedTags':['Te*']",
                        "protects the required tag \"Team\", whose fixed \"value\""),
                protectedRejected("protected required tag under normalizeKeyCase",
                        "'normalizeKeyCase':true,'required':{'Owner':{'default':'x'}},'protectedTags':['owner']",
                        "protects the required tag \"Owner\" and its case variants"),
                rejected("checkKeyPolicy not boolean", "{'checkKeyPolicy':'yes'}", "TAG_POLICY.checkKeyPolicy", "must be true or false"),
                // a fixed value must be the same for every event about one key
                rejected("value with ${eventTime}", "{'required':{'Seen':{'value':'${eventTime}'}}}",
                        "TAG_POLICY.required.Seen.value", "uses ${eventTime}"),
                rejected("value with ${eventDate}", "{'required':{'Seen':{'value':'on ${eventDate}'}}}",
                        "TAG_POLICY.required.Seen.value", "uses ${eventDate}"),
                rejected("value with ${eventName}", "{'required':{'Seen':{'value':'${eventName}'}}}",
                        "TAG_POLICY.required.Seen.value", "use \"default\" instead"));
    }

    private static Arguments rejected(String what, String policy, String fieldPath, String problem) {
        return arguments(what, json(policy), fieldPath, problem);
    }

    /** A policy whose only field is {@code protectedTags} = {@code value} (single-quoted), rejected for {@code element} of it. */
    private static Arguments globsRejected(String what, String value, String element, String problem) {
        return rejected("protectedTags: " + what, "{'protectedTags':" + value + "}", "TAG_POLICY.protectedTags" + element, problem);
    }

    /** A policy (its members, single-quoted) whose first protectedTags glob contradicts another rule. */
    private static Arguments protectedRejected(String what, String members, String problem) {
        return rejected(what, "{" + members + "}", "TAG_POLICY.protectedTags[0]", problem);
    }

    /** A policy requiring the one tag {@code key}, rejected for {@code field} of it ("" for the tag itself). */
    private static Arguments tagRejected(String what, String key, String spec, String field, String problem) {
        return rejected(what, required(key, spec), "TAG_POLICY.required." + key + field, problem);
    }

    // ------------------------------------------------------------------ fixtures

    /** A policy that requires the one tag {@code key} with the given spec (single-quoted JSON). */
    private static String required(String key, String spec) {
        return "{'required':{'" + key + "':" + spec + "}}";
    }

    /** A policy that requires {@code count} tags, each with a default. */
    private static String requiredTags(int count) {
        return IntStream.rangeClosed(1, count)
                .mapToObj(i -> String.format("'Tag%02d':{'default':'x'}", i))
                .collect(Collectors.joining(",", "{'required':{", "}}"));
    }

    private static String allVariables() {
        return Stream.of(TemplateVariable.values())
                .map(variable -> "${" + variable.variableName() + "}")
                .collect(Collectors.joining("/"));
    }
}
