package io.kmstagenforcer.plan;

import io.kmstagenforcer.event.KeyArn;
import io.kmstagenforcer.event.KeyEvent;
import io.kmstagenforcer.event.UserIdentity;
import io.kmstagenforcer.policy.TemplateVariable;
import io.kmstagenforcer.policy.ValueTemplate;
import java.time.Instant;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What the planner may draw template values from for one key: the values of the policy's
 * {@code ${...}} variables, and the variables this context cannot know.
 *
 * <p>A creation event (CreateKey, ReplicateKey) knows everything it records; a value it lacks (an
 * AWS service has no ARN) renders as {@code unknown}. A key met later, through a drift event or the
 * sweep, has no record of its creation at hand: who created it and with which call are
 * {@linkplain #unknown() unknown}, and the planner never re-renders a present value from them,
 * because rendering {@code ${principal}} from a drift event would name whoever edited the tags.
 *
 * @param values  the variables that have a value here; absent ones are absent, never empty
 * @param unknown variables that describe the key's creation and are not known in this context
 */
public record KeyContext(Map<TemplateVariable, String> values, Set<TemplateVariable> unknown) {
    /** What only the creation record tells: KMS keeps no creator, and the creating call's name is the record's. */
    static final Set<TemplateVariable> CREATION_RECORD_ONLY = Collections.unmodifiableSet(EnumSet.of(
            TemplateVariable.PRINCIPAL, TemplateVariable.PRINCIPAL_ROLE, TemplateVariable.PRINCIPAL_ARN,
            TemplateVariable.PRINCIPAL_TYPE, TemplateVariable.EVENT_NAME));
    private static final Set<TemplateVariable> CREATION_TIME = Collections.unmodifiableSet(EnumSet.of(
            TemplateVariable.EVENT_TIME, TemplateVariable.EVENT_DATE));
    /** What made a replica, whichever of its two records is read. */
    static final String REPLICATION = "ReplicateKey";
    private static final Pattern ISO_DATE_PREFIX = Pattern.compile("\\d{4}-\\d{2}-\\d{2}.*");

    public KeyContext {
        values = Collections.unmodifiableMap(values.isEmpty() ? new EnumMap<>(TemplateVariable.class) : new EnumMap<>(values));
        unknown = Collections.unmodifiableSet(unknown.isEmpty() ? EnumSet.noneOf(TemplateVariable.class) : EnumSet.copyOf(unknown));
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
        UserIdentity caller = event.caller();
        put(values, TemplateVariable.PRINCIPAL, caller.principal());
        put(values, TemplateVariable.PRINCIPAL_ROLE, caller.roleName());
        put(values, TemplateVariable.PRINCIPAL_ARN, caller.arn());
        put(values, TemplateVariable.PRINCIPAL_TYPE, caller.type());
        putTime(values, event.replica() ? event.keyCreated().map(Instant::toString).or(event::eventTime) : event.eventTime());
        return new KeyContext(values, Set.of());
    }

    /**
     * The context of a key that already exists (a drift event, the sweep, the simulator without an
     * event). {@code ${eventTime}} and {@code ${eventDate}} are the key's creation date when KMS has
     * told it ({@code DescribeKey}): the time its CreateKey record would carry.
     */
    public static KeyContext ofExistingKey(KeyArn key, Optional<Instant> creationDate) {
        Map<TemplateVariable, String> values = keyValues(key);
        putTime(values, creationDate.map(Instant::toString));
        Set<TemplateVariable> unknown = EnumSet.copyOf(CREATION_RECORD_ONLY);
        if (creationDate.isEmpty()) {
            unknown.addAll(CREATION_TIME);
        }
        return new KeyContext(values, unknown);
    }

    /** False when the template uses a variable this context cannot know, so its rendering would be a guess. */
    public boolean canRender(ValueTemplate template) {
        return template.variables().stream().noneMatch(unknown::contains);
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
