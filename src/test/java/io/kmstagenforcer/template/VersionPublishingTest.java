package io.kmstagenforcer.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kmstagenforcer.json.JsonField;
import io.kmstagenforcer.json.JsonObjectWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What one {@code sam deploy} publishes to the {@code live} alias, from SAM's own translator
 * (samtranslator, which cfn-lint brings; src/test/resources/template/sam_versions.py runs it): a
 * deploy publishes a new version when the {@code AWS::Lambda::Version}'s logical id changes (SAM
 * hashes the code and the function's properties, parameters as unresolved Refs) or its
 * {@code Description} changes once CloudFormation resolves it (Update requires: Replacement). The
 * template puts every parameter of the function's configuration into {@code VersionDescription},
 * but for the two it documents as needing a manual publish.
 */
class VersionPublishingTest {
    private static final Path ROOT = Path.of(System.getProperty("basedir", "")).toAbsolutePath();
    private static final String FUNCTION = "TagEnforcerFunction";
    private static final String CODE = "s3://bucket/code-a.zip";
    /** Another deployment package, e.g. after tag-policy.json was edited: sam deploy uploads it under its own hash. */
    private static final String OTHER_CODE = "s3://bucket/code-b.zip";
    /** Too long (TagPolicy, up to 3,800 characters) or NoEcho (MemberExternalId) for a description: a manual publish, documented where they are set. */
    private static final Set<String> MANUAL_PUBLISH = Set.of("TagPolicy", "MemberExternalId");
    /** A value other than the default for each parameter the function's configuration uses. */
    private static final Map<String, String> CHANGED = Map.of(
            "Mode", "enforce",
            "LogLevel", "WARN",
            "MetricsNamespace", "Security/KmsTags",
            "MemberRoleName", "kms-tag-enforcer-member",
            "DecisionEventBus", "default",
            "SecurityHubFindings", "true",
            "MemberExternalId", "3f1c9a70-other",
            "TagPolicy", "{\"required\":{\"Owner\":{\"default\":\"${principal}\"}}}");
    /** The longest value each description parameter may take (template AllowedPattern/AllowedValues). */
    private static final Map<String, String> LONGEST = Map.of(
            "Mode", "enforce",
            "LogLevel", "DEBUG",
            "MetricsNamespace", "N".repeat(100),
            "MemberRoleName", "R".repeat(64),
            "DecisionEventBus", "B".repeat(28),
            "SecurityHubFindings", "false");

    private static List<String> parameters;
    private static List<Map<String, String>> runs;

    @BeforeAll
    static void translate() throws Exception {
        List<Run> requested = new ArrayList<>();
        requested.add(run(Map.of(), CODE));
        requested.add(run(Map.of(), OTHER_CODE));
        for (Map.Entry<String, String> change : CHANGED.entrySet()) {
            requested.add(run(Map.of(change.getKey(), change.getValue()), CODE));
        }
        requested.add(run(LONGEST, CODE));
        JsonField answer = samVersions(requested);
        parameters = answer.get("parameters").elements().stream().map(JsonField::requiredString).toList();
        runs = answer.get("runs").elements().stream().map(run -> {
            Map<String, String> versions = new LinkedHashMap<>();
            run.get("versions").members().forEach(version -> versions.put(version.getKey(), version.getValue().requiredString()));
            return versions;
        }).toList();
    }

    @Test
    void theFunctionHasOneVersionAndTheSweepNone() {
        assertEquals(1, runs.get(0).size(), "one AWS::Lambda::Version, the live alias's: " + runs.get(0));
        assertTrue(runs.get(0).keySet().iterator().next().startsWith(FUNCTION + "Version"), runs.get(0)::toString);
    }

    @Test
    void aNewPackageSuchAsAnEditedPolicyFilePublishesANewVersion() {
        assertNotEquals(runs.get(0).keySet(), runs.get(1).keySet(), "the code's S3 key is part of the version's logical id");
    }

    @Test
    void everyParameterOfTheConfigurationHasAChangedValueHere() {
        assertEquals(new TreeSet<>(CHANGED.keySet()), new TreeSet<>(parameters),
                "the parameters " + FUNCTION + "'s properties refer to; a new one needs a changed value here, and a place in VersionDescription");
    }

    @Test
    void switchingReportToEnforcePublishesANewVersionForTheLiveAlias() {
        assertPublishes("Mode", true);
    }

    @Test
    void eachParameterChangePublishesANewVersionButTheTwoDocumentedAsManual() {
        for (String parameter : CHANGED.keySet()) {
            assertPublishes(parameter, !MANUAL_PUBLISH.contains(parameter));
        }
    }

    @Test
    void theDescriptionFitsInLambdasLimitWithTheLongestValues() {
        String longest = runs.get(runs.size() - 1).values().iterator().next();
        assertTrue(longest.length() <= 256, longest.length() + " characters: " + longest);
    }

    private static void assertPublishes(String parameter, boolean expected) {
        Map<String, String> before = runs.get(0);
        Map<String, String> after = runs.get(2 + new ArrayList<>(CHANGED.keySet()).indexOf(parameter));
        boolean publishes = !before.keySet().equals(after.keySet()) || !List.copyOf(before.values()).equals(List.copyOf(after.values()));
        assertEquals(expected, publishes, parameter + " changed from its default: before " + before + ", after " + after);
        assertEquals(before.keySet(), after.keySet(), "a parameter never changes the logical id (SAM hashes the unresolved Ref)");
    }

    /** One transform: these parameter values (the others their defaults), this package. */
    private record Run(Map<String, String> parameters, String codeUri) {
    }

    private static Run run(Map<String, String> parameterValues, String codeUri) {
        return new Run(parameterValues, codeUri);
    }

    /** Runs sam_versions.py; python3 or samtranslator missing is a failure that says so, never a skip. */
    private static JsonField samVersions(List<Run> requested) throws Exception {
        String request = new JsonObjectWriter()
                .string("template", ROOT.resolve("template.yaml").toString())
                .string("function", FUNCTION)
                .objects("runs", requested, (json, run) -> json.stringMap("parameters", run.parameters()).string("codeUri", run.codeUri()))
                .toJson();
        Process process;
        try {
            process = new ProcessBuilder("python3", ROOT.resolve("src/test/resources/template/sam_versions.py").toString())
                    .redirectError(ProcessBuilder.Redirect.PIPE).start();
        } catch (IOException e) {
            throw new AssertionError("python3 is needed to run SAM's translator (samtranslator, which cfn-lint brings): " + e.getMessage(), e);
        }
        try (OutputStream in = process.getOutputStream()) {
            in.write(request.getBytes(StandardCharsets.UTF_8));
        }
        byte[] out = process.getInputStream().readAllBytes();
        String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(300, TimeUnit.SECONDS), "sam_versions.py did not end");
        assertEquals(0, process.exitValue(), () -> "sam_versions.py failed: " + err);
        return JsonField.parse("sam_versions.py's answer", out);
    }
}
