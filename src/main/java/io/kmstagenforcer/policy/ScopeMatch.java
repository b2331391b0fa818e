package io.kmstagenforcer.policy;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiPredicate;

/**
 * Which keys a scope applies to. Every attribute given must match (AND); within one attribute, any
 * of its values may (OR). An empty list is an attribute not given.
 *
 * @param accounts    12-digit account ids, from the key's ARN
 * @param regions     region globs ({@code eu-*}), from the key's ARN
 * @param aliases     alias globs ({@code alias/pki/*}): matches when any of the key's aliases matches any of them
 * @param keySpecs    key spec globs ({@code HMAC_*})
 * @param keyUsages   key usages
 * @param origins     key material origins
 * @param multiRegion a multi-Region key (true) or a single-Region one (false)
 * @param tags        for each tag key, value globs its value must match (the tags the key holds once the base policy's plan is applied)
 */
public record ScopeMatch(
        List<String> accounts,
        List<ValueGlob> regions,
        List<ValueGlob> aliases,
        List<ValueGlob> keySpecs,
        List<String> keyUsages,
        List<String> origins,
        Optional<Boolean> multiRegion,
        Map<String, List<ValueGlob>> tags) {

    public ScopeMatch {
        accounts = List.copyOf(accounts);
        regions = List.copyOf(regions);
        aliases = List.copyOf(aliases);
        keySpecs = List.copyOf(keySpecs);
        keyUsages = List.copyOf(keyUsages);
        origins = List.copyOf(origins);
        Map<String, List<ValueGlob>> copy = new LinkedHashMap<>();
        tags.forEach((key, values) -> copy.put(key, List.copyOf(values)));
        tags = Collections.unmodifiableMap(copy);
    }

    /** True when the match names the key's spec, usage, origin or multi-Region flag: a DescribeKey unless a creation record says them. */
    public boolean needsAttributes() {
        return !keySpecs.isEmpty() || !keyUsages.isEmpty() || !origins.isEmpty() || multiRegion.isPresent();
    }

    /** True when {@code attributes} say everything this match asks of a key's attributes. */
    public boolean decidableWith(KeyAttributes attributes) {
        return (keySpecs.isEmpty() || attributes.keySpec().isPresent())
                && (keyUsages.isEmpty() || attributes.keyUsage().isPresent())
                && (origins.isEmpty() || attributes.origin().isPresent())
                && (multiRegion.isEmpty() || attributes.multiRegion().isPresent());
    }

    /** True when the match names aliases: a ListAliases for the key, unless the sweep's listing has them. */
    public boolean needsAliases() {
        return !aliases.isEmpty();
    }

    public boolean isEmpty() {
        return accounts.isEmpty() && regions.isEmpty() && !needsAliases() && !needsAttributes() && tags.isEmpty();
    }

    /** Whether a key with these facts and these tags is in the scope; a fact the match needs and {@code facts} lacks does not match. */
    public boolean matches(KeyFacts facts, Map<String, String> tags) {
        Optional<KeyAttributes> attributes = facts.attributes();
        return given(accounts, facts.account(), String::equals)
                && given(regions, facts.region(), ValueGlob::matches)
                && (aliases.isEmpty() || facts.aliases().filter(names -> names.stream().anyMatch(this::aliasMatches)).isPresent())
                && given(keySpecs, attributes.flatMap(KeyAttributes::keySpec), ValueGlob::matches)
                && given(keyUsages, attributes.flatMap(KeyAttributes::keyUsage), String::equals)
                && given(origins, attributes.flatMap(KeyAttributes::origin), String::equals)
                && multiRegion.map(wanted -> attributes.flatMap(KeyAttributes::multiRegion).filter(wanted::equals).isPresent()).orElse(true)
                && this.tags.entrySet().stream().allMatch(wanted -> given(wanted.getValue(), Optional.ofNullable(tags.get(wanted.getKey())),
                        ValueGlob::matches));
    }

    private boolean aliasMatches(String alias) {
        return aliases.stream().anyMatch(glob -> glob.matches(alias));
    }

    private static <T> boolean given(List<T> wanted, Optional<String> actual, BiPredicate<T, String> matches) {
        return wanted.isEmpty() || actual.filter(value -> wanted.stream().anyMatch(one -> matches.test(one, value))).isPresent();
    }

    /**
     * False only when no key can be in both scopes: an attribute a key has one value of (account,
     * region, key spec, usage, origin, multi-Region, one tag's value) that both name with no value in
     * common. Aliases never separate two scopes: one key may have many.
     */
    public boolean mayOverlap(ScopeMatch other) {
        return mayShare(accounts, other.accounts, String::equals)
                && mayShare(regions, other.regions, ValueGlob::mayOverlap)
                && mayShare(keySpecs, other.keySpecs, ValueGlob::mayOverlap)
                && mayShare(keyUsages, other.keyUsages, String::equals)
                && mayShare(origins, other.origins, String::equals)
                && (multiRegion.isEmpty() || other.multiRegion.isEmpty() || multiRegion.equals(other.multiRegion))
                && tags.entrySet().stream().allMatch(tag -> mayShare(tag.getValue(),
                        other.tags.getOrDefault(tag.getKey(), List.of()), ValueGlob::mayOverlap));
    }

    private static <T> boolean mayShare(List<T> mine, List<T> theirs, BiPredicate<T, T> overlap) {
        return mine.isEmpty() || theirs.isEmpty() || mine.stream().anyMatch(one -> theirs.stream().anyMatch(other -> overlap.test(one, other)));
    }
}
