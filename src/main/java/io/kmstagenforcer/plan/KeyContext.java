package io.kmstagenforcer.plan;

import io.kmstagenforcer.event.KeyArn;
import io.kmstagenforcer.event.KeyEvent;
import io.kmstagenforcer.event.UserIdentity;
import io.kmstagenforcer.policy.KeyAttributes;
import io.kmstagenforcer.policy.KeyFacts;
import io.kmstagenforcer.policy.TemplateVariable;
import io.kmstagenforcer.policy.ValueTemplate;
import java.time.Instant;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What the planner may draw template values from for one key: the values of the policy's
 * {@code ${...}} variables, the variables this context cannot know, and where the values only a
 * creation record knows (who created the key, with which call) come from.
 *
 * <p>A creation event (CreateKey, ReplicateKey) knows everything it records; a value it lacks (an
 * AWS service has no ARN) renders as {@code unknown}. A key met later, through a drift event or the
 * sweep, has no record of its creation at hand: who created it and with which call are
 * {@linkplain #unknown() unknown}, and the planner never re-renders a present value from them,
 * because rendering {@code ${principal}} from a drift event would name whoever edited the tags.
 *
 * @param values        the variables that have a value here; absent ones are absent, never empty
 * @param unknown       variables that describe the key's creation and are not known in this context
 * @param creator       where the values of the creation-only variables come from, see {@link CreatorSource}
 * @param requestedTags the tags the creating call itself asked for ({@code requestParameters.tags}): a person's values
 * @param facts         what is known of the key for matching the policy's scopes: its account and region (from
 *                      {@link #values}), and its aliases and attributes when they were read
 */
public record KeyContext(Map<TemplateVariable, String> values, Set<TemplateVariable> unknown, CreatorSource creator,
        Map<String, String> requestedTags, KeyFacts facts) {
    /** What only the creation record tells: KMS keeps no creator, and the creating call's name is the record's. */
    static final Set<TemplateVariable> CREATION_RECORD_ONLY = Collections.unmodifiableSet(EnumSet.of(
            TemplateVariable.PRINCIPAL, TemplateVariable.PRINCIPAL_ROLE, TemplateVariable.PRINCIPAL_ARN,
            TemplateVariable.PRINCIPAL_TYPE, TemplateVariable.EVENT_NAME));
    /** Who created a key: what a replica's own-region CreateKey record may not say (its caller need not be who replicated it). */
    private static final Set<TemplateVariable> CREATOR = Collections.unmodifiableSet(EnumSet.of(
            TemplateVariable.PRINCIPAL, TemplateVariable.PRINCIPAL_ROLE, TemplateVariable.PRINCIPAL_ARN,
            TemplateVariable.PRINCIPAL_TYPE));
    private static final Set<TemplateVariable> CREATION_TIME = Collections.unmodifiableSet(EnumSet.of(
            TemplateVariable.EVENT_TIME, TemplateVariable.EVENT_DATE));
    /** What made a replica, whichever of its two records is read. */
    static final String REPLICATION = "ReplicateKey";
    private static final Pattern ISO_DATE_PREFIX = Pattern.compile("\\d{4}-\\d{2}-\\d{2}.*");
    /** What an existing-key rendering may have put for a time: unknown, or the key's creation date as DescribeKey gave it. */
    private static final Map<TemplateVariable, String> RENDERED_TIME = Map.of(
            TemplateVariable.EVENT_TIME, "(?:" + ValueTemplate.NO_VALUE + "|\\d{4}-\\d{2}-\\d{2}T[0-9:.]+Z)",
            TemplateVariable.EVENT_DATE, "(?:" + ValueTemplate.NO_VALUE + "|\\d{4}-\\d{2}-\\d{2})");

    /** Where the values of the creation-only variables ({@code ${principal...}}, {@code ${eventName}}) come from. */
    public enum CreatorSource {
        /**
         * This context is the creation record, which names the creator. A value an earlier run wrote
         * without it (the existing-key rendering, {@code unknown} in place of the creator) is not a
         * value anyone chose: it gives way to the record's.
         */
        THIS_RECORD,
        /**
         * Not known here, and a record that knows them is still to come (the key is minutes old; or
         * this is a replica's own-region CreateKey and the creator is the ReplicateKey record's): a
         * tag rendered from them is left for that record, never written with {@code unknown}.
         */
        LATER_RECORD,
        /** Not known, and no record is to come: a missing tag is rendered with {@code unknown}, which then stands. */
        NONE
    }

    public KeyContext {
        values = Collections.unmodifiableMap(values.isEmpty() ? new EnumMap<>(TemplateVariable.class) : new EnumMap<>(values));
        unknown = Collections.unmodifiableSet(unknown.isEmpty() ? EnumSet.noneOf(TemplateVariable.class) : EnumSet.copyOf(unknown));
        requestedTags = Map.copyOf(requestedTags);
        facts = new KeyFacts(Optional.ofNullable(values.get(TemplateVariable.ACCOUNT)), Optional.ofNullable(values.get(TemplateVariable.REGION)),
                facts.aliases(), facts.attributes());
    }

    /** A context whose key has no aliases or attributes read. */
    public KeyContext(Map<TemplateVariable, String> values, Set<TemplateVariable> unknown, CreatorSource creator,
            Map<String, String> requestedTags) {
        this(values, unknown, creator, requestedTags, KeyFacts.NONE);
    }

    /** This context, knowing the key's aliases. */
    public KeyContext withAliases(List<String> aliases) {
        return new KeyContext(values, unknown, creator, requestedTags, facts.withAliases(aliases));
    }

    /** This context, knowing the key's spec, usage, origin and multi-Region flag. */
    public KeyContext withAttributes(KeyAttributes attributes) {
        return new KeyContext(values, unknown, creator, requestedTags, facts.withAttributes(attributes));
    }

    /** A context that neither replaces placeholders nor waits for a record (tests, the simulator's hand-made contexts). */
    public KeyContext(Map<TemplateVariable, String> values, Set<TemplateVariable> unknown) {
        this(values, unknown, CreatorSource.NONE, Map.of());
    }

    /**
     * The context of a CreateKey or ReplicateKey record: every variable comes from the record.
     *
     * <p>A multi-Region replica is recorded twice, by ReplicateKey in the primary's region and by
     * CreateKey in its own, and the two may be processed at the same moment. Both must render the
     * same values, or the later write would replace the earlier one's without either seeing it. So
     * for a replica {@code ${eventName}} is always {@code ReplicateKey}, and {@code ${eventTime}}/
     * {@code ${eventDate}} are the replica's own creation date, which both records carry.
     */
    public static KeyContext ofCreation(KeyEvent event) {
        Map<TemplateVariable, String> values = keyValues(event.key());
        values.put(TemplateVariable.EVENT_NAME, event.replica() ? REPLICATION : event.eventName());
        putTime(values, event.replica() ? event.keyCreated().map(Instant::toString).or(event::eventTime) : event.eventTime());
        if (event.replica() && !REPLICATION.equals(event.eventName())) {
            // The replica's own-region CreateKey: no published record shows whom it names, and if it is
            // not who called ReplicateKey, the two records would write two creators. Only ReplicateKey's counts.
            return new KeyContext(values, CREATOR, CreatorSource.LATER_RECORD, event.requestedTags());
        }
        UserIdentity caller = event.caller();
        put(values, TemplateVariable.PRINCIPAL, caller.principal());
        put(values, TemplateVariable.PRINCIPAL_ROLE, caller.roleName());
        put(values, TemplateVariable.PRINCIPAL_ARN, caller.arn());
        put(values, TemplateVariable.PRINCIPAL_TYPE, caller.type());
        return new KeyContext(values, Set.of(), CreatorSource.THIS_RECORD, event.requestedTags());
    }

    /**
     * The context of a key that already exists (a drift event, the sweep, the simulator without an
     * event). {@code ${eventTime}} and {@code ${eventDate}} are the key's creation date when KMS has
     * told it ({@code DescribeKey}): the time its CreateKey record would carry.
     */
    public static KeyContext ofExistingKey(KeyArn key, Optional<Instant> creationDate) {
        return ofExistingKey(key, creationDate, false);
    }

    /**
     * As {@link #ofExistingKey(KeyArn, Optional)}; with {@code creationRecordToCome} (a key created
     * so recently that its CreateKey record may still be on its way) a tag only that record can give
     * is left for it instead of being written with {@code unknown}.
     */
    public static KeyContext ofExistingKey(KeyArn key, Optional<Instant> creationDate, boolean creationRecordToCome) {
        Map<TemplateVariable, String> values = keyValues(key);
        putTime(values, creationDate.map(Instant::toString));
        Set<TemplateVariable> unknown = EnumSet.copyOf(CREATION_RECORD_ONLY);
        if (creationDate.isEmpty()) {
            unknown.addAll(CREATION_TIME);
        }
        return new KeyContext(values, unknown, creationRecordToCome ? CreatorSource.LATER_RECORD : CreatorSource.NONE, Map.of());
    }

    /** False when the template uses a variable this context cannot know, so its rendering would be a guess. */
    public boolean canRender(ValueTemplate template) {
        return template.variables().stream().noneMatch(unknown::contains);
    }

    /** True when a tag this context cannot render is to be left for the record that can, not rendered with {@code unknown}. */
    public boolean leavesForLaterRecord(ValueTemplate template) {
        return creator == CreatorSource.LATER_RECORD && !canRender(template);
    }

    /**
     * True when {@code value} of tag {@code tagKey} is what rendering {@code template} for this key
     * without its creation record gives ({@code unknown} for the creator and the creating call, the
     * key's creation date or {@code unknown} for a time), and this context is the creation record,
     * whose own rendering should stand in its place. A value the creating call itself asked for is
     * a person's, never a placeholder.
     */
    public boolean isPlaceholder(String tagKey, ValueTemplate template, String value) {
        if (creator != CreatorSource.THIS_RECORD || value.equals(requestedTags.get(tagKey))
                || template.variables().stream().noneMatch(CREATION_RECORD_ONLY::contains)) {
            return false;
        }
        return template.pattern(variable -> CREATION_RECORD_ONLY.contains(variable) ? Pattern.quote(ValueTemplate.NO_VALUE)
                : RENDERED_TIME.getOrDefault(variable, Pattern.quote(values.getOrDefault(variable, ValueTemplate.NO_VALUE)))).matcher(value).matches();
    }

    private static Map<TemplateVariable, String> keyValues(KeyArn key) {
        Map<TemplateVariable, String> values = new EnumMap<>(TemplateVariable.class);
        values.put(TemplateVariable.ACCOUNT, key.account());
        values.put(TemplateVariable.REGION, key.region());
        values.put(TemplateVariable.KEY_ID, key.keyId());
        values.put(TemplateVariable.KEY_ARN, key.toString());
        return values;
    }

    private static void putTime(Map<TemplateVariable, String> values, Optional<String> time) {
        put(values, TemplateVariable.EVENT_TIME, time);
        put(values, TemplateVariable.EVENT_DATE, time
                .filter(text -> ISO_DATE_PREFIX.matcher(text).matches())
                .map(text -> text.substring(0, 10)));
    }

    private static void put(Map<TemplateVariable, String> values, TemplateVariable variable, Optional<String> value) {
        value.ifPresent(text -> values.put(variable, text));
    }
}
