package io.kmstagenforcer.policy;

import io.kmstagenforcer.json.JsonField;
import io.kmstagenforcer.json.JsonShapeException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Reads and validates the tag policy JSON. Every rejection names the offending field, so that a
 * bad deployment fails at initialisation with a message that says what to fix.
 *
 * <p>Unknown fields are errors: a misspelt {@code "forbiden"} silently doing nothing would be worse.
 */
public final class PolicyParser {
    /**
     * {@code $schema} names the JSON Schema (tag-policy.schema.json) that editors validate the file
     * with as it is typed; the function ignores its value.
     */
    private static final String SCHEMA = "$schema";
    private static final Set<String> POLICY_FIELDS = Set.of(
            SCHEMA, "mode", "required", "forbidden", "normalizeKeyCase", "exemptTag", "protectedTags", "checkKeyPolicy",
            "organizationTagPolicy", "organizationRequiredTags", "maxExemptionDays", "scopes");
    private static final Set<String> REQUIRED_TAG_FIELDS = Set.of("default", "value", "allowed", "pattern");
    /**
     * Variables that differ between two events about the same key: a replica is recorded twice
     * (ReplicateKey, then CreateKey in its own region). A "value" using them would be rewritten
     * by the second event; as a "default" they are written once and kept.
     */
    private static final Set<TemplateVariable> PER_EVENT_VARIABLES = Set.of(
            TemplateVariable.EVENT_TIME, TemplateVariable.EVENT_DATE, TemplateVariable.EVENT_NAME);

    /** Ten years: a longer cap is no cap, and more likely a typing slip than a decision. */
    static final int MAX_EXEMPTION_DAYS = 3650;

    private PolicyParser() {
    }

    /**
     * @param name what to call the policy in messages, e.g. the environment variable it came from
     * @param json the policy document
     */
    public static TagPolicy parse(String name, String json) {
        try {
            return read(JsonField.parse(name, json));
        } catch (JsonShapeException e) {
            throw new PolicyException(e.getMessage());
        }
    }

    private static TagPolicy read(JsonField policy) {
        policy.asObject();
        checkFields(policy, POLICY_FIELDS);
        policy.get(SCHEMA).optionalString();
        JsonField modeField = policy.get("mode");
        Mode mode = modeField.optionalString()
                .map(label -> Mode.fromName(label).orElseThrow(() -> fail(modeField, "must be \"enforce\" or \"report\", not \"" + label + "\"")))
                .orElse(Mode.ENFORCE);

        List<RequiredTag> required = new ArrayList<>();
        for (Map.Entry<String, JsonField> entry : policy.get("required").members()) {
            required.add(readRequiredTag(entry.getKey(), entry.getValue()));
        }
        if (required.size() > TagSyntax.MAX_TAGS_PER_KEY) {
            throw fail(policy.get("required"), "names " + required.size() + " tags; a KMS key holds at most " + TagSyntax.MAX_TAGS_PER_KEY);
        }

        List<KeyGlob> forbidden = new ArrayList<>();
        for (JsonField glob : policy.get("forbidden").elements()) {
            forbidden.add(readForbidden(glob, required));
        }

        boolean normalizeKeyCase = policy.get("normalizeKeyCase").optionalBoolean().orElse(false);
        if (normalizeKeyCase) {
            checkNoCaseCollisions(policy.get("required"), required);
        }

        JsonField exemptField = policy.get("exemptTag");
        Optional<String> exemptTag = exemptField.optionalString();
        exemptTag.ifPresent(key -> checkExemptTag(exemptField, key, required, forbidden));

        List<KeyGlob> protectedTags = new ArrayList<>();
        for (JsonField glob : policy.get("protectedTags").elements()) {
            protectedTags.add(readProtected(glob, required, forbidden, normalizeKeyCase));
        }
        boolean checkKeyPolicy = policy.get("checkKeyPolicy").optionalBoolean().orElse(false);
        OrganizationTagSource organizationTagPolicy = readOrganizationTagPolicy(policy.get("organizationTagPolicy"),
                policy.get("organizationRequiredTags"));

        OptionalInt maxExemptionDays = readMaxExemptionDays(policy.get("maxExemptionDays"), exemptTag);

        TagPolicy base = new TagPolicy(mode, required, forbidden, normalizeKeyCase, exemptTag, protectedTags, checkKeyPolicy,
                organizationTagPolicy, maxExemptionDays);
        List<KeyScope> scopes = ScopesParser.read(policy.get("scopes"), base);
        return new TagPolicy(mode, required, forbidden, normalizeKeyCase, exemptTag, protectedTags, checkKeyPolicy, organizationTagPolicy,
                maxExemptionDays, scopes);
    }

    /**
     * {@code organizationTagPolicy}: {@code "none"} (the default), {@code "requiredKeys"} or {@code "effective"}. The
     * older {@code organizationRequiredTags: true} is {@code "requiredKeys"}, kept so that a policy written for it means
     * what it meant; the two together would say one thing twice, or two things.
     */
    private static OrganizationTagSource readOrganizationTagPolicy(JsonField field, JsonField older) {
        if (field.isPresent() && older.isPresent()) {
            throw new PolicyException(older.path() + " is the older spelling of " + field.path() + " \"requiredKeys\": give only "
                    + field.path());
        }
        if (older.isPresent()) {
            return older.optionalBoolean().orElse(false) ? OrganizationTagSource.REQUIRED_KEYS : OrganizationTagSource.NONE;
        }
        return field.optionalString().map(value -> OrganizationTagSource.ofField(value).orElseThrow(() -> new PolicyException(field.path()
                + " must be one of \"none\", \"requiredKeys\", \"effective\", not \"" + value + "\""))).orElse(OrganizationTagSource.NONE);
    }

    /** A whole number of days from 1 to {@link #MAX_EXEMPTION_DAYS}, and only beside an exemptTag it can cap. */
    private static OptionalInt readMaxExemptionDays(JsonField field, Optional<String> exemptTag) {
        Optional<Long> days = field.optionalLong();
        if (days.isEmpty()) {
            return OptionalInt.empty();
        }
        if (days.get() < 1 || days.get() > MAX_EXEMPTION_DAYS) {
            throw fail(field, "must be a whole number of days from 1 to " + MAX_EXEMPTION_DAYS + ", not " + days.get());
        }
        if (exemptTag.isEmpty()) {
            throw fail(field, "caps how long an exemption may run, but the policy has no exemptTag");
        }
        return OptionalInt.of(days.get().intValue());
    }

    static RequiredTag readRequiredTag(String key, JsonField spec) {
        checkKey(spec, key);
        spec.asObject();
        checkFields(spec, REQUIRED_TAG_FIELDS);
        Optional<ValueTemplate> defaultValue = readTemplate(spec.get("default"));
        Optional<ValueTemplate> fixedValue = readTemplate(spec.get("value"));
        if (defaultValue.isPresent() && fixedValue.isPresent()) {
            throw fail(spec, "has both \"default\" and \"value\"; \"value\" always wins, so give only one");
        }
        fixedValue.ifPresent(template -> checkStablePerKey(spec.get("value"), template));
        Optional<List<String>> allowed = readAllowed(spec.get("allowed"));
        JsonField patternField = spec.get("pattern");
        Optional<Pattern> pattern = patternField.optionalString().map(regex -> compile(patternField, regex));
        RequiredTag tag = new RequiredTag(key, defaultValue, fixedValue, allowed, pattern);
        checkLiteralRemedyIsAccepted(spec, tag);
        return tag;
    }

    private static Optional<ValueTemplate> readTemplate(JsonField field) {
        return field.optionalString().map(text -> {
            ValueTemplate template;
            try {
                template = ValueTemplate.parse(text);
            } catch (IllegalArgumentException e) {
                throw fail(field, e.getMessage());
            }
            // Together, not part by part: the literal text alone must fit in a tag value.
            if (!TagSyntax.isValidValue(String.join("", template.literalParts()))) {
                throw fail(field, "\"" + text + "\" is not a valid KMS tag value (allowed: letters, digits, spaces and _ . : / = + - @; at most 256 characters)");
            }
            return template;
        });
    }

    private static void checkStablePerKey(JsonField field, ValueTemplate template) {
        template.variables().stream().filter(PER_EVENT_VARIABLES::contains).findFirst().ifPresent(variable -> {
            throw fail(field, "uses ${" + variable.variableName() + "}, which differs between the events of one key "
                    + "(a replica is recorded twice), so the value would be rewritten; use \"default\" instead");
        });
    }

    private static Optional<List<String>> readAllowed(JsonField field) {
        if (!field.isPresent()) {
            return Optional.empty();
        }
        List<String> values = new ArrayList<>();
        for (JsonField element : field.elements()) {
            String value = element.requiredString();
            if (!TagSyntax.isValidValue(value)) {
                throw fail(element, "\"" + value + "\" is not a valid KMS tag value");
            }
            values.add(value);
        }
        if (values.isEmpty()) {
            throw fail(field, "is empty, so no value could ever be accepted");
        }
        return Optional.of(values);
    }

    private static Pattern compile(JsonField field, String regex) {
        try {
            return Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            throw fail(field, "is not a valid regular expression: " + e.getDescription());
        }
    }

    /** A literal default or value that the tag's own rules reject would be rewritten forever. */
    private static void checkLiteralRemedyIsAccepted(JsonField spec, RequiredTag tag) {
        checkAccepted(spec.get("default"), tag, tag.defaultValue());
        checkAccepted(spec.get("value"), tag, tag.fixedValue());
    }

    private static void checkAccepted(JsonField field, RequiredTag tag, Optional<ValueTemplate> template) {
        template.flatMap(ValueTemplate::literal).ifPresent(literal -> {
            if (!tag.accepts(literal)) {
                throw fail(field, "\"" + literal + "\" is not accepted by the tag's own \"allowed\"/\"pattern\"");
            }
        });
    }

    private static KeyGlob readForbidden(JsonField field, List<RequiredTag> required) {
        KeyGlob keyGlob = readGlob(field, "cannot be removed");
        for (RequiredTag tag : required) {
            if (keyGlob.matches(tag.key())) {
                throw fail(field, "\"" + keyGlob.glob() + "\" matches the required tag \"" + tag.key() + "\"; the enforcer would add and remove it");
            }
        }
        return keyGlob;
    }

    /** A key glob as {@code forbidden} and {@code protectedTags} take it: valid, and never about {@code aws:} tags. */
    static KeyGlob readGlob(JsonField field, String whyNotAws) {
        String glob = field.requiredString();
        if (glob.isEmpty() || !TagSyntax.isValidKey(glob.replace("*", "x"))) {
            throw fail(field, "\"" + glob + "\" is not a valid tag key glob");
        }
        if (TagSyntax.isReserved(glob)) {
            throw fail(field, "\"" + glob + "\": aws: tags belong to AWS and " + whyNotAws);
        }
        return KeyGlob.of(glob);
    }

    /**
     * A protected glob, refused where the policy would have the enforcer change what it must never
     * change: a forbidden glob that certainly removes a protected key (one of the two names a key
     * literally), a required tag with a fixed {@code value}, and, under normalizeKeyCase, any
     * required tag (globs ignore case, so its case variants are protected too and could never be
     * renamed). A protected required tag with a {@code default} only is coherent: added when missing,
     * never replaced.
     */
    private static KeyGlob readProtected(JsonField field, List<RequiredTag> required, List<KeyGlob> forbidden, boolean normalizeKeyCase) {
        KeyGlob keyGlob = readProtectedGlob(field);
        checkProtected(field, keyGlob, required, forbidden, normalizeKeyCase);
        return keyGlob;
    }

    static KeyGlob readProtectedGlob(JsonField field) {
        return readGlob(field, "are never changed by the enforcer anyway");
    }

    /** Refuses {@code keyGlob} (at {@code field}) where it protects what these required or forbidden rules change. */
    static void checkProtected(JsonField field, KeyGlob keyGlob, List<RequiredTag> required, List<KeyGlob> forbidden, boolean normalizeKeyCase) {
        String quoted = "\"" + keyGlob.glob() + "\"";
        for (KeyGlob removed : forbidden) {
            if ((keyGlob.isLiteral() && removed.matches(keyGlob.glob())) || (removed.isLiteral() && keyGlob.matches(removed.glob()))) {
                throw fail(field, quoted + " and the forbidden \"" + removed.glob() + "\" name the same key; the enforcer would have to remove "
                        + "what it must keep");
            }
        }
        for (RequiredTag tag : required) {
            if (!keyGlob.matches(tag.key())) {
                continue;
            }
            if (tag.fixedValue().isPresent()) {
                throw fail(field, quoted + " protects the required tag \"" + tag.key() + "\", whose fixed \"value\" replaces any other value; "
                        + "give it a \"default\" instead (added when missing, never replaced)");
            }
            if (normalizeKeyCase) {
                throw fail(field, quoted + " protects the required tag \"" + tag.key() + "\" and its case variants, which normalizeKeyCase "
                        + "would rename");
            }
        }
    }

    private static void checkNoCaseCollisions(JsonField field, List<RequiredTag> required) {
        for (int i = 0; i < required.size(); i++) {
            for (int j = i + 1; j < required.size(); j++) {
                if (required.get(i).key().equalsIgnoreCase(required.get(j).key())) {
                    throw fail(field, "\"" + required.get(i).key() + "\" and \"" + required.get(j).key()
                            + "\" differ only in case, which normalizeKeyCase would rename into each other");
                }
            }
        }
    }

    private static void checkExemptTag(JsonField field, String key, List<RequiredTag> required, List<KeyGlob> forbidden) {
        checkKey(field, key);
        if (required.stream().anyMatch(tag -> tag.key().equals(key))) {
            throw fail(field, "\"" + key + "\" is also a required tag: the enforcer would exempt every key it tags");
        }
        forbidden.stream().filter(glob -> glob.matches(key)).findFirst().ifPresent(glob -> {
            throw fail(field, "\"" + key + "\" matches the forbidden \"" + glob.glob() + "\"; a tag cannot be both");
        });
    }

    static void checkKey(JsonField field, String key) {
        if (!TagSyntax.isValidKey(key)) {
            throw fail(field, "\"" + key + "\" is not a valid KMS tag key (1-128 letters, digits, spaces and _ . : / = + - @)");
        }
        if (TagSyntax.isReserved(key)) {
            throw fail(field, "\"" + key + "\": keys starting with aws: are reserved for AWS");
        }
    }

    static void checkFields(JsonField object, Set<String> known) {
        for (Map.Entry<String, JsonField> member : object.members()) {
            if (!known.contains(member.getKey())) {
                throw fail(member.getValue(), "is not a policy field (known: " + String.join(", ", known.stream().sorted().toList()) + ")");
            }
        }
    }

    static PolicyException fail(JsonField field, String problem) {
        return new PolicyException(field.path() + " " + problem);
    }
}
