package io.kmstagenforcer.plan;

import io.kmstagenforcer.event.KeyEvent;
import io.kmstagenforcer.event.UserIdentity;
import io.kmstagenforcer.policy.TemplateVariable;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/** The values of the policy's template variables for one event. Absent values stay absent. */
public final class EventVariables {
    private static final Pattern ISO_DATE_PREFIX = Pattern.compile("\\d{4}-\\d{2}-\\d{2}.*");

    private EventVariables() {
    }

    public static Map<TemplateVariable, String> of(KeyEvent event) {
        Map<TemplateVariable, String> values = new EnumMap<>(TemplateVariable.class);
        values.put(TemplateVariable.ACCOUNT, event.key().account());
        values.put(TemplateVariable.REGION, event.key().region());
        values.put(TemplateVariable.KEY_ID, event.key().keyId());
        values.put(TemplateVariable.KEY_ARN, event.key().toString());
        values.put(TemplateVariable.EVENT_NAME, event.eventName());
        UserIdentity caller = event.caller();
        put(values, TemplateVariable.PRINCIPAL, caller.principal());
        put(values, TemplateVariable.PRINCIPAL_ROLE, caller.roleName());
        put(values, TemplateVariable.PRINCIPAL_ARN, caller.arn());
        put(values, TemplateVariable.PRINCIPAL_TYPE, caller.type());
        put(values, TemplateVariable.EVENT_TIME, event.eventTime());
        put(values, TemplateVariable.EVENT_DATE, event.eventTime()
                .filter(time -> ISO_DATE_PREFIX.matcher(time).matches())
                .map(time -> time.substring(0, 10)));
        return values;
    }

    private static void put(Map<TemplateVariable, String> values, TemplateVariable variable, Optional<String> value) {
        value.ifPresent(text -> values.put(variable, text));
    }
}
