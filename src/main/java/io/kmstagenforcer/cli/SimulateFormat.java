package io.kmstagenforcer.cli;

import io.kmstagenforcer.enforce.EnforcementResult;
import io.kmstagenforcer.json.JsonObjectWriter;
import io.kmstagenforcer.output.ResultJson;
import io.kmstagenforcer.plan.Violation;
import io.kmstagenforcer.policy.TemplateVariable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/** How the simulator prints: {@code --format text|json}. */
enum SimulateFormat {
    /** For a person: what the function sees, what it finds, what it writes, and how it ends. */
    TEXT {
        @Override
        String render(Simulation simulation) {
            StringBuilder text = new StringBuilder(facts(simulation).render());
            if (simulation.key().isEmpty()) {
                return text.append(outcomes(simulation)).toString();
            }
            if (!simulation.input().policy().scopes().isEmpty()) {
                text.append(section("scopes that applied (their rules were added to the base policy's)", simulation.enforce().scopes().stream()
                        .map(scope -> new String[] {scope}).toList()));
            }
            text.append(section("violations", simulation.enforce().violations().stream()
                    .map(violation -> new String[] {violation.key(), violation.problem().name(), violation.detail()}).toList()));
            List<InMemoryKms.Write> writes = simulation.writes();
            text.append(section("enforce mode writes, in this order", writes.stream()
                    .map(write -> new String[] {(writes.indexOf(write) + 1) + ". " + write.operation(), describe(write)}).toList()));
            text.append(section("previous values it logs (previousValues)", simulation.enforce().previousValues().entrySet().stream()
                    .map(tag -> new String[] {tag.getKey(), tag.getValue()}).toList()));
            if (simulation.input().policy().checkKeyPolicy()) {
                text.append(section("changed tags a key policy condition names (accessControlTags)", simulation.enforce().accessControlTags()
                        .stream().map(tag -> new String[] {tag, "aws:ResourceTag/" + tag}).toList()));
            }
            text.append(outcomes(simulation));
            return text.append("\ntags after enforce mode\n  ").append(tags(simulation.tagsAfter())).append('\n').toString();
        }
    },
    /** One JSON document with the same content; each mode's result is the function's own response. */
    JSON {
        @Override
        String render(Simulation simulation) {
            Simulation.Input input = simulation.input();
            return ResultJson.policy(new JsonObjectWriter(), input.policyOrigin())
                    .string("policyMode", input.policy().mode().label())
                    .string("event", input.eventFile().orElse(null))
                    .string("keyArn", simulation.key().map(Object::toString).orElse(null))
                    .bool("keyArnIsPlaceholder", simulation.placeholderKey())
                    .string("context", simulation.context().isEmpty() ? null : simulation.creationContext() ? "creation" : "existingKey")
                    .strings("unknownVariables", names(simulation.unknownUsedVariables()))
                    .stringMap("tags", input.tags())
                    .objects("violations", simulation.enforce().violations(), SimulateFormat::violation)
                    .objects("writes", simulation.writes(), (json, write) -> {
                        json.string("operation", write.operation());
                        if (write.operation().equals(InMemoryKms.Write.TAG)) {
                            json.stringMap("tags", write.tags());
                        } else {
                            json.strings("tagKeys", write.tagKeys());
                        }
                    })
                    .stringMap("previousValues", simulation.enforce().previousValues())
                    .string("keyPolicy", input.keyPolicyFile().orElse(null))
                    .object("enforce", json -> ResultJson.members(json, simulation.enforce()))
                    .object("report", json -> ResultJson.members(json, simulation.report()))
                    .stringMap("tagsAfterEnforce", simulation.tagsAfter())
                    .toJson() + "\n";
        }
    };

    abstract String render(Simulation simulation);

    /** The run's premises: policy, event, key, template context, tags. */
    private static TextTable facts(Simulation simulation) {
        Simulation.Input input = simulation.input();
        TextTable facts = new TextTable("", "  ")
                .row("policy", input.policyOrigin().source() + ", sha256 " + input.policyOrigin().sha256()
                        + " (its mode: " + input.policy().mode().label() + ")");
        input.eventFile().ifPresent(file -> facts.row("event", file + simulation.event()
                .map(event -> ": " + event.eventName() + (event.createsKey() ? "" : " (drift: the key is re-evaluated as it stands)"))
                .orElse("")));
        simulation.key().ifPresent(key -> facts.row("key", key + (simulation.placeholderKey() ? " (a placeholder: --key-arn names a key)" : "")));
        simulation.event().filter(event -> event.createsKey() && event.keyManager().isEmpty()).ifPresent(event -> facts.row("note",
                "the event does not say who manages the key, so the function asks DescribeKey first; this assumes a customer managed key"));
        if (input.policy().checkKeyPolicy()) {
            facts.row("key policy", input.keyPolicyFile()
                    .orElse("the default key policy, which names no tag (--key-policy names the key's own)"));
        }
        if (simulation.context().isPresent()) {
            contextRows(simulation).forEach(facts::row);
            facts.row("tags", tags(input.tags()));
        }
        return facts;
    }

    private static List<String[]> contextRows(Simulation simulation) {
        Set<TemplateVariable> used = simulation.usedVariables();
        if (simulation.creationContext()) {
            Map<TemplateVariable, String> values = simulation.context().orElseThrow().values();
            String rendered = used.isEmpty() ? "the policy uses no template variable"
                    : used.stream().map(variable -> "${" + variable.variableName() + "} = " + values.getOrDefault(variable, "unknown"))
                            .collect(Collectors.joining(", "));
            return List.<String[]>of(new String[] {"context", "a creation event (KeyContext.ofCreation): " + rendered});
        }
        Set<TemplateVariable> unknown = simulation.unknownUsedVariables();
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"context", "an existing key (KeyContext.ofExistingKey), as the sweep sees it: without a creation event"});
        rows.add(new String[] {"", unknown.isEmpty()
                ? "${principal} and the like render as \"unknown\" (this policy uses none of them)"
                : and(names(unknown).stream().map(name -> "${" + name + "}").toList()) + " render as \"unknown\""});
        if (unknown.contains(TemplateVariable.EVENT_TIME) || unknown.contains(TemplateVariable.EVENT_DATE)) {
            rows.add(new String[] {"", "(the function takes ${eventTime} and ${eventDate} from the key's creation date, which DescribeKey tells it)"});
        }
        return rows;
    }

    private static String outcomes(Simulation simulation) {
        TextTable table = new TextTable("  ", "  ");
        simulation.enforce().exemption().ifPresent(exemption -> table.row("exemption", exemption.state().label() + ": " + exemption.detail()
                + simulation.input().today().map(day -> " (judged on " + day + ")").orElse("")));
        return "\noutcome\n" + table
                .row("enforce mode", outcome(simulation.enforce()))
                .row("report mode", outcome(simulation.report()))
                .render();
    }

    private static String outcome(EnforcementResult result) {
        return result.outcome().name() + result.reason().map(reason -> " (" + reason + ")").orElse("");
    }

    /** A heading and its indented rows, or the heading and "none". */
    private static String section(String heading, List<String[]> rows) {
        if (rows.isEmpty()) {
            return "\n" + heading + ": none\n";
        }
        TextTable table = new TextTable("  ", "  ");
        rows.forEach(table::row);
        return "\n" + heading + "\n" + table.render();
    }

    private static String describe(InMemoryKms.Write write) {
        return write.operation().equals(InMemoryKms.Write.TAG) ? tags(write.tags()) : String.join(", ", write.tagKeys());
    }

    private static String tags(Map<String, String> tags) {
        return tags.isEmpty() ? "none" : tags.entrySet().stream().map(tag -> tag.getKey() + "=" + tag.getValue())
                .collect(Collectors.joining(", "));
    }

    private static void violation(JsonObjectWriter json, Violation violation) {
        json.string("key", violation.key()).string("problem", violation.problem().name()).string("detail", violation.detail());
    }

    private static List<String> names(Set<TemplateVariable> variables) {
        return variables.stream().map(TemplateVariable::variableName).toList();
    }

    private static String and(List<String> items) {
        return items.size() == 1 ? items.get(0)
                : String.join(", ", items.subList(0, items.size() - 1)) + " and " + items.get(items.size() - 1);
    }
}
