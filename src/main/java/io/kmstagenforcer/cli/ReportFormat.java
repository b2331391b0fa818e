package io.kmstagenforcer.cli;

import io.kmstagenforcer.enforce.Outcome;
import io.kmstagenforcer.event.SkipReason;
import io.kmstagenforcer.json.JsonObjectWriter;
import io.kmstagenforcer.output.ResultJson;
import io.kmstagenforcer.plan.Exemption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** How the report is written: {@code --format table|json|csv}. */
enum ReportFormat {
    /** Aligned text for a terminal, the summary last. */
    TABLE {
        @Override
        String render(ReportDocument report) {
            TextTable keys = new TextTable("", "  ").row("KEY", "OUTCOME", "DETAIL");
            for (KeyReport key : report.keys()) {
                List<String[]> details = details(key);
                String[] first = details.isEmpty() ? new String[0] : details.get(0);
                keys.row(concat(new String[] {key.keyArn(), key.outcome().name()}, first));
                for (String[] more : details.subList(Math.min(1, details.size()), details.size())) {
                    keys.row(concat(new String[] {"", ""}, more));
                }
            }
            return heading(report) + "\n" + keys.render() + "\n" + exemptionsText(report) + summaryText(report.summary());
        }
    },
    /** One JSON document: {@code keys}, one object per key, and {@code summary}. */
    JSON {
        @Override
        String render(ReportDocument report) {
            ReportSummary summary = report.summary();
            return ResultJson.policy(new JsonObjectWriter()
                    .string("region", report.region()), report.policy())
                    .string("mode", "report")
                    .string("generatedAt", report.generatedAt().toString())
                    .objects("keys", report.keys(), (json, key) -> json
                            .string("keyArn", key.keyArn())
                            .string("outcome", key.outcome().name())
                            .string("skipped", key.skipped().map(SkipReason::label).orElse(null))
                            .string("reason", key.reason().orElse(null))
                            .stringMap("add", key.changes().add())
                            .object("replace", replace -> key.changes().replace().forEach((tag, change) ->
                                    replace.object(tag, values -> values.string("old", change.oldValue()).string("new", change.newValue()))))
                            .stringMap("remove", key.changes().remove())
                            .objects("violations", key.violations(), (item, violation) -> item
                                    .string("key", violation.key())
                                    .string("problem", violation.problem().name())
                                    .string("detail", violation.detail()))
                            .strings("accessControlTags", key.accessControlTags())
                            .string("keyPolicy", key.keyPolicy().orElse(null))
                            .stringsIfAny("scopes", key.scopes()))
                    .objects("exemptions", withExemption(report), (json, key) -> {
                        Exemption exemption = key.exemption().orElseThrow();
                        json.string("keyArn", key.keyArn());
                        ResultJson.exemption(json, exemption);
                        exemption.daysLeft(report.today()).ifPresentOrElse(days -> json.number("daysLeft", days),
                                () -> json.string("daysLeft", null));
                        json.bool("endsWithin" + KeyReport.ENDING_SOON_DAYS + "Days", key.exemptionEndsSoon(report.today()));
                    })
                    .object("summary", json -> json
                            .number("keysSeen", summary.keysSeen())
                            .number("compliant", summary.compliant())
                            .number("wouldChange", summary.wouldChange())
                            .number("nonCompliant", summary.nonCompliant())
                            .object("skipped", skipped -> summary.skipped().forEach((reason, count) -> skipped.number(reason.label(), count)))
                            .number("failed", summary.failed())
                            .object("kmsCalls", calls -> summary.kmsCalls().forEach(calls::number))
                            .object("exemptions", exemptions -> summary.exemptions().forEach(exemptions::number)))
                    .toJson() + "\n";
        }
    },
    /**
     * RFC 4180, a header and one record per key; several changes in one field are separated by
     * {@code "; "} (KMS allows no semicolon in a tag). The summary is not a key: it goes to stderr.
     * A cell that begins with a tag key such as {@code =cmd} is neutralised for spreadsheets ({@link Csv#field}).
     */
    CSV {
        static final String SEPARATOR = "; ";

        @Override
        String render(ReportDocument report) {
            StringBuilder csv = new StringBuilder(Csv.record(
                    List.of("keyArn", "outcome", "skipped", "reason", "add", "replace", "remove", "violations", "accessControlTags",
                            "keyPolicy", "exemption", "exemptUntil", "exemptionEndsWithin" + KeyReport.ENDING_SOON_DAYS + "Days",
                            "policySource", "policySha256")));
            for (KeyReport key : report.keys()) {
                TagChanges changes = key.changes();
                csv.append(Csv.record(List.of(
                        key.keyArn(),
                        key.outcome().name(),
                        key.skipped().map(SkipReason::label).orElse(""),
                        key.reason().orElse(""),
                        String.join(SEPARATOR, changes.addLines()),
                        String.join(SEPARATOR, changes.replaceLines()),
                        String.join(SEPARATOR, changes.removeLines()),
                        key.violations().stream().map(KeyReport::describe).collect(Collectors.joining(SEPARATOR)),
                        String.join(SEPARATOR, key.accessControlTags()),
                        key.keyPolicy().orElse(""),
                        key.exemption().map(exemption -> exemption.state().label()).orElse(""),
                        key.exemption().map(ReportFormat::ends).orElse(""),
                        key.exemptionEndsSoon(report.today()) ? "yes" : "",
                        report.policy().source(),
                        report.policy().sha256())));
            }
            return csv.toString();
        }

        @Override
        boolean includesSummary() {
            return false;
        }
    };

    /** The whole report in this format. */
    abstract String render(ReportDocument report);

    /** False when the summary has no place in the format, and is written to stderr instead. */
    boolean includesSummary() {
        return true;
    }

    static String heading(ReportDocument report) {
        return "KMS tag report for " + report.region() + ", policy " + report.policy().source() + " (sha256 "
                + report.policy().sha256() + "), " + report.generatedAt() + "\n"
                + "Report mode: nothing was written.\n";
    }

    /**
     * Every key carrying the exemption tag: how it stands, its end date, and a flag on those that end within
     * {@value KeyReport#ENDING_SOON_DAYS} days; nothing when no key carries it.
     */
    static String exemptionsText(ReportDocument report) {
        List<KeyReport> exempted = withExemption(report);
        if (exempted.isEmpty()) {
            return "";
        }
        TextTable table = new TextTable("", "  ").row("KEY", "EXEMPTION", "ENDS", "NOTE");
        for (KeyReport key : exempted) {
            Exemption exemption = key.exemption().orElseThrow();
            String note = key.exemptionEndsSoon(report.today())
                    ? "ends within " + KeyReport.ENDING_SOON_DAYS + " days (" + exemption.daysLeft(report.today()).getAsInt() + " left)"
                    : exemption.honoured() ? "" : exemption.detail();
            table.row(key.keyArn(), exemption.state().label(), ends(exemption), note);
        }
        return "Exemptions (the exemption tag of " + report.policy().source() + ", judged on " + report.today() + ")\n" + table.render() + "\n";
    }

    /** The totals as aligned text: the end of the table, and what stderr gets for CSV. */
    static String summaryText(ReportSummary summary) {
        TextTable exemptions = new TextTable("  ", "  ");
        if (summary.exemptionsInAll() > 0) {
            exemptions.row("exemptions", String.valueOf(summary.exemptionsInAll()), counts(summary.exemptions().entrySet().stream()
                    .map(entry -> Map.entry(words(entry.getKey()), entry.getValue())).toList()));
        }
        return "Summary\n" + new TextTable("  ", "  ")
                .row("keys seen", String.valueOf(summary.keysSeen()))
                .row("compliant", String.valueOf(summary.compliant()))
                .row("would change", String.valueOf(summary.wouldChange()))
                .row("non-compliant", String.valueOf(summary.nonCompliant()))
                .row("skipped", String.valueOf(summary.skippedInAll()), counts(summary.skipped().entrySet().stream()
                        .map(entry -> Map.entry(entry.getKey().label(), entry.getValue())).toList()))
                .row("failed", String.valueOf(summary.failed()))
                .row("KMS calls", String.valueOf(summary.kmsCallsInAll()), counts(List.copyOf(summary.kmsCalls().entrySet())))
                .rows(exemptions)
                .render();
    }

    /** The end date, {@code no end date}, or {@code not a date} when the value names one that is not a date. */
    private static String ends(Exemption exemption) {
        if (exemption.until().isPresent()) {
            return exemption.until().get().toString();
        }
        return exemption.state() == Exemption.State.END_DATE_NOT_A_DATE ? "not a date" : "no end date";
    }

    private static List<KeyReport> withExemption(ReportDocument report) {
        return report.keys().stream().filter(key -> key.exemption().isPresent()).toList();
    }

    /** {@code endingWithin30Days} as {@code ending within 30 days}. */
    private static String words(String label) {
        return label.replaceAll("([A-Z])|([0-9]+)", " $1$2").toLowerCase(java.util.Locale.ROOT).replaceAll("\\s+", " ").trim();
    }

    /** {@code name n, name n} for the non-zero counts. */
    private static String counts(List<Map.Entry<String, Long>> counts) {
        return counts.stream().filter(entry -> entry.getValue() > 0)
                .map(entry -> entry.getKey() + " " + entry.getValue())
                .collect(Collectors.joining(", "));
    }

    /** The DETAIL cells of a key's rows: one per change, one per access-control tag, one per violation of a non-compliant key, else the reason. */
    private static List<String[]> details(KeyReport key) {
        List<String[]> rows = new ArrayList<>();
        key.changes().changes().forEach(change -> rows.add(new String[] {change.action(), change.text()}));
        key.keyPolicyLines().forEach(line -> rows.add(new String[] {"ABAC", line}));
        if (!key.scopes().isEmpty()) {
            rows.add(new String[] {"SCOPES", String.join(", ", key.scopes())});
        }
        if (key.outcome() == Outcome.NONCOMPLIANT) {
            key.violations().forEach(violation -> rows.add(new String[] {KeyReport.describe(violation)}));
        } else if (rows.isEmpty() && key.outcome() != Outcome.COMPLIANT) {
            key.reason().ifPresent(reason -> rows.add(new String[] {reason}));
        }
        return rows;
    }

    private static String[] concat(String[] first, String[] second) {
        String[] both = new String[first.length + second.length];
        System.arraycopy(first, 0, both, 0, first.length);
        System.arraycopy(second, 0, both, first.length, second.length);
        return both;
    }
}
