package io.kmstagenforcer.policy;

import static io.kmstagenforcer.policy.PolicyParser.checkFields;
import static io.kmstagenforcer.policy.PolicyParser.fail;

import io.kmstagenforcer.json.JsonField;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import software.amazon.awssdk.services.kms.model.KeySpec;
import software.amazon.awssdk.services.kms.model.KeyUsageType;
import software.amazon.awssdk.services.kms.model.OriginType;

/**
 * Reads the policy's {@code scopes} and refuses, naming the field, every scope that contradicts the
 * base policy or another scope that can apply to the same key, or that would make a plan depend on
 * itself:
 * <ul>
 *   <li>a required key the base requires (a scope adds tags; it does not redefine the base's), or
 *       that the base, the scope itself or an overlapping scope forbids, or that is the exemptTag;</li>
 *   <li>two overlapping scopes requiring one key with different rules;</li>
 *   <li>a forbidden glob matching a key the base requires, or the exemptTag;</li>
 *   <li>a protected glob that protects what the base, the scope or an overlapping scope changes;</li>
 *   <li>a scope rule that requires, forbids or protects a tag some scope matches on: scopes match on
 *       the tags the base plan leaves, so that applying the plan never changes which scopes apply.</li>
 * </ul>
 * Two scopes overlap unless {@link ScopeMatch#mayOverlap} proves no key can be in both.
 */
final class ScopesParser {
    private static final Set<String> SCOPE_FIELDS = Set.of("name", "match", "required", "forbidden", "protectedTags");
    private static final Set<String> MATCH_ATTRIBUTES = Set.of("account", "region", "alias", "keySpec", "keyUsage", "origin", "multiRegion",
            "tags");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:/+=@-]{0,63}");
    private static final Pattern ACCOUNT = Pattern.compile("[0-9]{12}");
    private static final Pattern REGION_GLOB = Pattern.compile("[a-z0-9*-]+");
    /** KMS's alias names: {@code alias/} then letters, digits, {@code / _ -}. */
    private static final Pattern ALIAS_GLOB = Pattern.compile("alias/[A-Za-z0-9/_*-]+");
    private static final String AWS_MANAGED_ALIASES = "alias/aws/";

    /** A scope as read, with the JSON it was read from, for messages that name a field. */
    private record Read(KeyScope scope, JsonField field) {
        JsonField requiredField(String key) {
            return field.get("required").get(key);
        }

        JsonField element(String list, int index) {
            return field.get(list).elements().get(index);
        }

        String named() {
            return "scope \"" + scope.name() + "\"";
        }
    }

    private ScopesParser() {
    }

    static List<KeyScope> read(JsonField scopesField, TagPolicy base) {
        List<Read> scopes = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (JsonField field : scopesField.elements()) {
            Read scope = new Read(readScope(field, base), field);
            if (!names.add(scope.scope().name())) {
                throw fail(field.get("name"), "\"" + scope.scope().name() + "\" names another scope too; results tell scopes by their names");
            }
            scopes.add(scope);
        }
        for (Read scope : scopes) {
            checkAgainstBase(scope, base);
            checkAgainstScopes(scope, scopes, base);
        }
        return scopes.stream().map(Read::scope).toList();
    }

    private static KeyScope readScope(JsonField field, TagPolicy base) {
        field.asObject();
        checkFields(field, SCOPE_FIELDS);
        JsonField nameField = field.get("name");
        String name = nameField.requiredString();
        if (!NAME.matcher(name).matches()) {
            throw fail(nameField, "\"" + name + "\" is not a scope name (1-64 letters, digits and _ . : / + = @ -, starting with a letter or digit)");
        }
        JsonField matchField = field.get("match");
        if (!matchField.isPresent()) {
            throw fail(matchField, "is missing: a scope names the keys it applies to");
        }
        ScopeMatch match = readMatch(matchField);
        List<RequiredTag> required = new ArrayList<>();
        for (Map.Entry<String, JsonField> entry : field.get("required").members()) {
            required.add(PolicyParser.readRequiredTag(entry.getKey(), entry.getValue()));
        }
        if (base.required().size() + required.size() > TagSyntax.MAX_TAGS_PER_KEY) {
            throw fail(field.get("required"), "with the base policy's " + base.required().size() + " names " + (base.required().size()
                    + required.size()) + " tags; a KMS key holds at most " + TagSyntax.MAX_TAGS_PER_KEY);
        }
        List<KeyGlob> forbidden = field.get("forbidden").elements().stream().map(glob -> PolicyParser.readGlob(glob, "cannot be removed"))
                .toList();
        List<KeyGlob> protectedTags = field.get("protectedTags").elements().stream().map(PolicyParser::readProtectedGlob).toList();
        if (required.isEmpty() && forbidden.isEmpty() && protectedTags.isEmpty()) {
            throw fail(field, "adds nothing: give it \"required\", \"forbidden\" or \"protectedTags\" (a scope only adds rules to the base policy's)");
        }
        return new KeyScope(name, match, required, forbidden, protectedTags);
    }

    private static ScopeMatch readMatch(JsonField match) {
        match.asObject();
        for (Map.Entry<String, JsonField> member : match.members()) {
            if (!MATCH_ATTRIBUTES.contains(member.getKey())) {
                throw fail(member.getValue(), "is not a match attribute (known: " + String.join(", ", new TreeSet<>(MATCH_ATTRIBUTES)) + ")");
            }
        }
        List<String> accounts = strings(match.get("account"), value -> ACCOUNT.matcher(value).matches(), "is not a 12-digit account id");
        List<ValueGlob> regions = globs(match.get("region"), value -> REGION_GLOB.matcher(value).matches(),
                "is not a region or region glob (eu-west-1, eu-*)");
        List<ValueGlob> aliases = globs(match.get("alias"), value -> ALIAS_GLOB.matcher(value).matches(),
                "is not an alias glob: it starts with alias/ and has only letters, digits, / _ - and * (alias/pki/*)");
        for (int i = 0; i < aliases.size(); i++) {
            if (aliases.get(i).glob().startsWith(AWS_MANAGED_ALIASES)) {
                throw fail(match.get("alias").elements().get(i), "\"" + aliases.get(i).glob()
                        + "\" names AWS managed keys' aliases; those keys cannot be tagged");
            }
        }
        List<ValueGlob> keySpecs = globs(match.get("keySpec"), value -> KeySpec.knownValues().stream()
                .anyMatch(spec -> ValueGlob.of(value).matches(spec.toString())), "matches no key spec KMS has (" + known(KeySpec.knownValues()) + ")");
        List<String> keyUsages = strings(match.get("keyUsage"), value -> KeyUsageType.fromValue(value) != KeyUsageType.UNKNOWN_TO_SDK_VERSION,
                "is not a key usage (" + known(KeyUsageType.knownValues()) + ")");
        List<String> origins = strings(match.get("origin"), value -> OriginType.fromValue(value) != OriginType.UNKNOWN_TO_SDK_VERSION,
                "is not a key origin (" + known(OriginType.knownValues()) + ")");
        Optional<Boolean> multiRegion = match.get("multiRegion").optionalBoolean();
        Map<String, List<ValueGlob>> tags = new LinkedHashMap<>();
        for (Map.Entry<String, JsonField> tag : match.get("tags").members()) {
            if (!TagSyntax.isValidKey(tag.getKey())) {
                throw fail(tag.getValue(), "\"" + tag.getKey() + "\" is not a valid KMS tag key");
            }
            tags.put(tag.getKey(), globs(tag.getValue(), value -> TagSyntax.isValidValue(value.replace("*", "")),
                    "is not a tag value or value glob"));
            if (!tag.getValue().isPresent() || tags.get(tag.getKey()).isEmpty()) {
                throw fail(tag.getValue(), "is empty, so no key could match");
            }
        }
        ScopeMatch read = new ScopeMatch(accounts, regions, aliases, keySpecs, keyUsages, origins, multiRegion, tags);
        if (read.isEmpty()) {
            throw fail(match, "names no attribute, so it would apply to every key: put rules for every key in the base policy");
        }
        return read;
    }

    private static List<String> strings(JsonField field, Predicate<String> valid, String invalid) {
        List<String> values = new ArrayList<>();
        for (JsonField element : field.elements()) {
            String value = element.requiredString();
            if (!valid.test(value)) {
                throw fail(element, "\"" + value + "\" " + invalid);
            }
            values.add(value);
        }
        if (field.isPresent() && values.isEmpty()) {
            throw fail(field, "is empty, so no key could match");
        }
        return values;
    }

    private static List<ValueGlob> globs(JsonField field, Predicate<String> valid, String invalid) {
        return strings(field, valid, invalid).stream().map(ValueGlob::of).toList();
    }

    private static String known(Set<?> values) {
        return String.join(", ", values.stream().map(Object::toString).sorted().toList());
    }

    /** The scope's rules against the base policy's. */
    private static void checkAgainstBase(Read read, TagPolicy base) {
        KeyScope scope = read.scope();
        for (RequiredTag tag : scope.required()) {
            JsonField field = read.requiredField(tag.key());
            String key = tag.key();
            base.required().stream().filter(other -> other.key().equals(key)).findFirst().ifPresent(other -> {
                throw fail(field, "is already required by the base policy; a scope adds tags the base does not require, it does not redefine them");
            });
            if (base.normalizeKeyCase()) {
                base.required().stream().filter(other -> other.key().equalsIgnoreCase(key)).findFirst().ifPresent(other -> {
                    throw fail(field, "and the base policy's required \"" + other.key()
                            + "\" differ only in case, which normalizeKeyCase would rename into each other");
                });
            }
            if (base.exemptTag().filter(key::equals).isPresent()) {
                throw fail(field, "is the policy's exemptTag: the enforcer would exempt every key it tags");
            }
            base.forbidden().stream().filter(glob -> glob.matches(key)).findFirst().ifPresent(glob -> {
                throw fail(field, "is forbidden by the base policy's \"" + glob.glob() + "\"; the enforcer would add and remove it");
            });
            base.protectedTags().stream().filter(glob -> glob.matches(key)).findFirst().ifPresent(glob -> {
                if (tag.fixedValue().isPresent()) {
                    throw fail(field, "is protected by the base policy's \"" + glob.glob() + "\", and its fixed \"value\" replaces any other value; "
                            + "give it a \"default\" instead");
                }
                if (base.normalizeKeyCase()) {
                    throw fail(field, "is protected by the base policy's \"" + glob.glob() + "\" with its case variants, which normalizeKeyCase "
                            + "would rename");
                }
            });
        }
        for (int i = 0; i < scope.forbidden().size(); i++) {
            KeyGlob glob = scope.forbidden().get(i);
            JsonField field = read.element("forbidden", i);
            base.required().stream().filter(tag -> glob.matches(tag.key())).findFirst().ifPresent(tag -> {
                throw fail(field, "\"" + glob.glob() + "\" matches the base policy's required tag \"" + tag.key()
                        + "\"; the enforcer would add and remove it");
            });
            base.exemptTag().filter(glob::matches).ifPresent(exempt -> {
                throw fail(field, "\"" + glob.glob() + "\" matches the policy's exemptTag \"" + exempt + "\"; a key would lose its exemption");
            });
            for (KeyGlob kept : base.protectedTags()) {
                if ((kept.isLiteral() && glob.matches(kept.glob())) || (glob.isLiteral() && kept.matches(glob.glob()))) {
                    throw fail(field, "\"" + glob.glob() + "\" and the base policy's protected \"" + kept.glob()
                            + "\" name the same key; the enforcer would have to remove what it must keep");
                }
            }
        }
        for (int i = 0; i < scope.protectedTags().size(); i++) {
            PolicyParser.checkProtected(read.element("protectedTags", i), scope.protectedTags().get(i), base.required(), base.forbidden(),
                    base.normalizeKeyCase());
        }
    }

    /** The scope's rules against its own, those of every scope that can apply to the same key, and every scope's match on tags. */
    private static void checkAgainstScopes(Read read, List<Read> scopes, TagPolicy base) {
        KeyScope scope = read.scope();
        List<Read> overlapping = scopes.stream()
                .filter(other -> other == read || scope.match().mayOverlap(other.scope().match())).toList();
        for (RequiredTag tag : scope.required()) {
            JsonField field = read.requiredField(tag.key());
            for (Read other : overlapping) {
                String by = other == read ? "this scope's" : other.named() + "'s (both can apply to one key)";
                other.scope().forbidden().stream().filter(glob -> glob.matches(tag.key())).findFirst().ifPresent(glob -> {
                    throw fail(field, "is forbidden by " + by + " \"" + glob.glob() + "\"; the enforcer would add and remove it");
                });
                if (other == read || scopes.indexOf(other) > scopes.indexOf(read)) {
                    continue;
                }
                for (RequiredTag theirs : other.scope().required()) {
                    if (theirs.key().equals(tag.key()) && !theirs.sameRules(tag)) {
                        throw fail(field, "is required by " + other.named() + " too, with other rules, and both can apply to one key: "
                                + "give both the same rules, or match keys no scope shares");
                    }
                    if (base.normalizeKeyCase() && !theirs.key().equals(tag.key()) && theirs.key().equalsIgnoreCase(tag.key())) {
                        throw fail(field, "and " + other.named() + "'s required \"" + theirs.key()
                                + "\" differ only in case, which normalizeKeyCase would rename into each other");
                    }
                }
            }
            matchedOn(scopes, key -> key.equalsIgnoreCase(tag.key())).ifPresent(matcher -> {
                throw fail(field, "is a tag " + matcher.named() + " matches on; " + SELF_REFERENCE);
            });
        }
        for (int i = 0; i < scope.forbidden().size(); i++) {
            KeyGlob glob = scope.forbidden().get(i);
            JsonField field = read.element("forbidden", i);
            matchedOn(scopes, glob::matches).ifPresent(matcher -> {
                throw fail(field, "\"" + glob.glob() + "\" matches a tag " + matcher.named() + " matches on; " + SELF_REFERENCE);
            });
        }
        List<RequiredTag> required = new ArrayList<>(base.required());
        List<KeyGlob> forbidden = new ArrayList<>(base.forbidden());
        overlapping.forEach(other -> {
            required.addAll(other.scope().required());
            forbidden.addAll(other.scope().forbidden());
        });
        for (int i = 0; i < scope.protectedTags().size(); i++) {
            KeyGlob glob = scope.protectedTags().get(i);
            JsonField field = read.element("protectedTags", i);
            PolicyParser.checkProtected(field, glob, required, forbidden, base.normalizeKeyCase());
            matchedOn(scopes, glob::matches).ifPresent(matcher -> {
                throw fail(field, "\"" + glob.glob() + "\" matches a tag " + matcher.named() + " matches on; " + SELF_REFERENCE);
            });
        }
        scope.match().tags().keySet().forEach(key -> base.forbidden().stream().filter(glob -> glob.matches(key)).findFirst()
                .ifPresent(glob -> {
                    throw fail(read.field().get("match").get("tags").get(key), "names a tag the base policy forbids (\"" + glob.glob()
                            + "\"), so no key keeps it to match");
                }));
    }

    /** Why a scope's rules may not touch a tag a scope matches on. */
    private static final String SELF_REFERENCE = "scopes match on the tags the base policy leaves, and a scope changing or keeping "
            + "such a tag would change which scopes apply once its plan is applied";

    private static Optional<Read> matchedOn(List<Read> scopes, Predicate<String> tagKey) {
        return scopes.stream().filter(scope -> scope.scope().match().tags().keySet().stream().anyMatch(tagKey)).findFirst();
    }
}
