package io.kmstagenforcer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kmstagenforcer.policy.Policies;
import io.kmstagenforcer.policy.PolicyDocument;
import io.kmstagenforcer.policy.PolicyException;
import io.kmstagenforcer.policy.PolicyOrigin;
import io.kmstagenforcer.policy.RequiredTag;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where the function's policy comes from: the package's tag-policy.json, unless TAG_POLICY overrides it. */
class PolicyFileTest {
    private static final String FILE_POLICY = "{\"required\": {\"Owner\": {\"default\": \"from-the-file\"}}}\n";
    private static final String INLINE_POLICY = "{\"required\": {\"Owner\": {\"default\": \"from-the-variable\"}}}";

    @TempDir
    Path taskRoot;

    private final Map<String, String> environment = new LinkedHashMap<>();

    private PolicyDocument read() {
        environment.putIfAbsent("LAMBDA_TASK_ROOT", taskRoot.toString());
        return Settings.policyDocument(environment);
    }

    private void write(String name, String text) throws IOException {
        Files.createDirectories(taskRoot.resolve(name).getParent());
        Files.writeString(taskRoot.resolve(name), text, StandardCharsets.UTF_8);
    }

    private static String defaultOfOwner(PolicyDocument document) {
        return document.policy().required().get(0).defaultValue().orElseThrow().toString();
    }

    @Test
    void withoutTagPolicyThePackagesTagPolicyJsonIsReadAndNamedWithItsHash() throws Exception {
        write("tag-policy.json", FILE_POLICY);

        PolicyDocument document = read();

        assertTrue(defaultOfOwner(document).contains("from-the-file"), document::toString);
        String sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(FILE_POLICY.getBytes(StandardCharsets.UTF_8)));
        assertEquals(new PolicyOrigin("file:tag-policy.json", sha256.substring(0, 12)), document.origin(),
                "the first 12 hex digits of sha256sum tag-policy.json");
    }

    @Test
    void aNonEmptyTagPolicyWinsOverTheFile() throws IOException {
        write("tag-policy.json", FILE_POLICY);
        environment.put("TAG_POLICY", INLINE_POLICY);

        PolicyDocument document = read();

        assertTrue(defaultOfOwner(document).contains("from-the-variable"), document::toString);
        assertEquals(PolicyOrigin.of("env:TAG_POLICY", INLINE_POLICY.getBytes(StandardCharsets.UTF_8)), document.origin());
    }

    @Test
    void anEmptyTagPolicyAsTheTemplatesDefaultMeansTheFile() throws IOException {
        write("tag-policy.json", FILE_POLICY);
        environment.put("TAG_POLICY", "");

        assertEquals("file:tag-policy.json", read().origin().source());
    }

    @Test
    void policyFileNamesAnotherFileOfThePackage() throws IOException {
        write("policies/tag-policy.prod.json", FILE_POLICY);
        environment.put("POLICY_FILE", "policies/tag-policy.prod.json");

        assertEquals("file:policies/tag-policy.prod.json", read().origin().source());
    }

    @Test
    void aMissingFileFailsNamingItAndWhereItWasLookedFor() {
        PolicyException error = assertThrows(PolicyException.class, this::read);

        assertEquals("tag-policy.json is not in the deployment package (" + taskRoot.resolve("tag-policy.json")
                + "): `sam build` copies the repository's tag-policy.json there; or set TAG_POLICY", error.getMessage());
    }

    @Test
    void anInvalidFileFailsNamingTheFileAndTheField() throws IOException {
        write("tag-policy.json", "{\"required\": {\"CostCenter\": {\"pattern\": \"^([0-9]{4}\"}}}");

        PolicyException error = assertThrows(PolicyException.class, this::read);

        assertTrue(error.getMessage().startsWith("tag-policy.json.required.CostCenter.pattern is not a valid regular expression"),
                error.getMessage());
    }

    @Test
    void aFileThatIsNotUtf8FailsNamingTheFile() throws IOException {
        Files.write(taskRoot.resolve("tag-policy.json"), new byte[] {'{', (byte) 0xC3, '}'});

        assertEquals("tag-policy.json is not UTF-8 text", assertThrows(PolicyException.class, this::read).getMessage());
    }

    @Test
    void policyFileMustStayInsideThePackage() {
        for (String outside : new String[] {"../tag-policy.json", "/etc/passwd", "policies/../../x.json"}) {
            environment.put("POLICY_FILE", outside);

            PolicyException error = assertThrows(PolicyException.class, this::read, outside);

            assertTrue(error.getMessage().startsWith("POLICY_FILE must name a file in the deployment package"), error.getMessage());
        }
    }

    /** No size limit beyond reason: 50 required tags with long allowed lists, well over 10,000 characters. */
    @Test
    void aPolicyOfMoreThanTenThousandCharactersIsRead() throws IOException {
        String policy = Policies.tenThousandCharacters();
        write("tag-policy.json", policy);

        PolicyDocument document = read();

        assertTrue(policy.length() > 10_000, policy.length() + " characters");
        assertEquals(50, document.policy().required().size());
        RequiredTag last = document.policy().required().get(49);
        assertTrue(last.accepts("value-39"), last.toString());
    }
}
