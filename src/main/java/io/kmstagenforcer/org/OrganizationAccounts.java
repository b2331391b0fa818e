package io.kmstagenforcer.org;

import io.kmstagenforcer.aws.JsonOperation;
import io.kmstagenforcer.aws.OrganizationsEndpoint;
import io.kmstagenforcer.aws.SignedCall;
import io.kmstagenforcer.aws.Sleeper;
import io.kmstagenforcer.json.JsonField;
import io.kmstagenforcer.json.JsonObjectWriter;
import io.kmstagenforcer.json.JsonShapeException;
import io.kmstagenforcer.kms.Deadline;
import io.kmstagenforcer.kms.LambdaKmsClients;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.services.sts.auth.StsAssumeRoleCredentialsProvider;

/**
 * The accounts of an organisation under some of its OUs (or its root), for a sweep run: each OU's
 * accounts ({@code ListAccountsForParent}) and, depth first, those of the OUs under it
 * ({@code ListChildren} with {@code ChildType=ORGANIZATIONAL_UNIT}), all pages. Only ACTIVE accounts
 * are swept: a SUSPENDED or PENDING_CLOSURE one is listed apart (its keys cannot be used, and its
 * role cannot be assumed anyway).
 *
 * <p>Organizations answers these calls only in the management account or a delegated
 * administrator: the function calls them with its own credentials when it runs there, else through a
 * role there ({@code ORGANIZATION_ROLE_ARN}) that allows {@code organizations:ListAccountsForParent}
 * and {@code organizations:ListChildren}. Made with {@link SignedCall}: AWS JSON 1.1,
 * {@code X-Amz-Target: AWSOrganizationsV20161128.<operation>} ({@link JsonOperation}, tried {@link #TRIES} times), at
 * {@link OrganizationsEndpoint}. The SDK's organizations module
 * would add about 1 MB to the package for two calls a day.
 *
 * <p>An OU that cannot be listed (it does not exist: {@code ParentNotFoundException}; the role may not:
 * {@code AccessDeniedException}; the role cannot be assumed) is named with the reason, and the others
 * are listed all the same.
 */
public final class OrganizationAccounts implements AccountDiscovery {
    static final String TARGET_PREFIX = "AWSOrganizationsV20161128.";
    /** Far more pages than any organisation has: beyond that, a NextToken that never ends. */
    private static final int MAX_PAGES = 1000;
    /** Two listings a day: a throttled one can wait longer than a call inside an event's invocation. */
    static final int TRIES = 3;
    static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);

    private final SignedCall call;
    private final JsonOperation listAccounts;
    private final JsonOperation listChildren;
    /** What the credentials come from, for a message when they cannot be had: "AssumeRole of arn:...". */
    private final String credentialsFrom;

    public OrganizationAccounts(SignedCall call, Sleeper sleeper) {
        this(call, sleeper, "the function's credentials");
    }

    private OrganizationAccounts(SignedCall call, Sleeper sleeper, String credentialsFrom) {
        this.call = call;
        this.listAccounts = operation("ListAccountsForParent", sleeper);
        this.listChildren = operation("ListChildren", sleeper);
        this.credentialsFrom = credentialsFrom;
    }

    private static JsonOperation operation(String name, Sleeper sleeper) {
        return new JsonOperation(name, TARGET_PREFIX + name, sleeper).tried(TRIES, FIRST_BACKOFF);
    }

    /**
     * As the function builds its other clients: URLConnection, and the runtime's credentials, or a
     * session of {@code roleArn} (assumed with them) when there is one.
     *
     * @param region the function's region: its partition decides the Organizations Region and endpoint
     */
    public static OrganizationAccounts inPartitionOf(String region, Map<String, String> environment, Optional<String> roleArn,
            String sessionName) {
        return inPartitionOf(region, environment, roleArn, sessionName, LambdaKmsClients.httpClient(), LambdaKmsClients.credentials());
    }

    /** With this HTTP client and these credentials (the function's own, or those that assume {@code roleArn}). */
    public static OrganizationAccounts inPartitionOf(String region, Map<String, String> environment, Optional<String> roleArn,
            String sessionName, SdkHttpClient http, AwsCredentialsProvider own) {
        AwsCredentialsProvider credentials = roleArn.<AwsCredentialsProvider>map(arn -> StsAssumeRoleCredentialsProvider.builder()
                .stsClient(LambdaKmsClients.stsClient(region, http, own))
                .refreshRequest(request -> request.roleArn(arn).roleSessionName(sessionName))
                .asyncCredentialUpdateEnabled(false)
                .build()).orElse(own);
        return new OrganizationAccounts(new SignedCall(OrganizationsEndpoint.SIGNING_NAME, OrganizationsEndpoint.region(region),
                OrganizationsEndpoint.uri(region, environment), http, credentials), Sleeper.THREAD,
                roleArn.map(arn -> "AssumeRole of " + arn).orElse("the function's credentials"));
    }

    @Override
    public Discovered accountsUnder(List<String> parents) {
        Set<String> active = new LinkedHashSet<>();
        Map<String, String> notActive = new LinkedHashMap<>();
        Map<String, String> failed = new LinkedHashMap<>();
        for (String parent : parents) {
            try {
                walk(parent, active, notActive);
            } catch (Unlisted e) {
                failed.put(parent, e.getMessage());
            }
        }
        return new Discovered(List.copyOf(active), notActive, failed);
    }

    /**
     * The accounts of {@code top} and of every OU under it. An OU under it that cannot be listed fails {@code top}, named in
     * the reason; the accounts found before it are swept all the same.
     */
    private void walk(String top, Set<String> active, Map<String, String> notActive) {
        Deque<String> parents = new ArrayDeque<>(List.of(top));
        Set<String> seen = new LinkedHashSet<>();
        while (!parents.isEmpty()) {
            String parent = parents.pop();
            if (!seen.add(parent)) {
                continue;
            }
            for (JsonField account : allPages(listAccounts, parent, Optional.empty(), "Accounts")) {
                String id = account.get("Id").requiredString();
                // State is the newer field (ACTIVE, SUSPENDED, PENDING_CLOSURE, CLOSED...); Status the older one.
                String status = account.get("State").optionalString().or(() -> account.get("Status").optionalString()).orElse("ACTIVE");
                if (status.equals("ACTIVE")) {
                    active.add(id);
                } else {
                    notActive.put(id, status);
                }
            }
            for (JsonField child : allPages(listChildren, parent, Optional.of("ORGANIZATIONAL_UNIT"), "Children")) {
                parents.push(child.get("Id").requiredString());
            }
        }
    }

    private List<JsonField> allPages(JsonOperation operation, String parent, Optional<String> childType, String member) {
        List<JsonField> items = new ArrayList<>();
        Optional<String> token = Optional.empty();
        String what = operation.operation() + " of " + parent;
        for (int page = 0; page < MAX_PAGES; page++) {
            JsonObjectWriter request = new JsonObjectWriter().string("ParentId", parent);
            childType.ifPresent(type -> request.string("ChildType", type));
            token.ifPresent(next -> request.string("NextToken", next));
            JsonField answer = listed(operation, request.toBytes(), what);
            try {
                items.addAll(answer.get(member).elements());
                token = answer.get("NextToken").optionalString().filter(next -> !next.isEmpty());
            } catch (JsonShapeException e) {
                throw new Unlisted(what + " answered in an unexpected shape: " + e.getMessage());
            }
            if (token.isEmpty()) {
                return items;
            }
        }
        throw new Unlisted(what + " answered more than " + MAX_PAGES + " pages");
    }

    private JsonField listed(JsonOperation operation, byte[] request, String what) {
        try {
            return operation.call(call, request, Deadline.NONE, what);
        } catch (JsonOperation.Failed e) {
            if (e.credentialsRefused()) {
                // The role in the management account could not be assumed.
                AwsServiceException refusal = (AwsServiceException) e.getCause();
                throw new Unlisted(what + " not sent: " + credentialsFrom + " answered " + e.errorType().orElse("HTTP " + refusal.statusCode())
                        + ": " + Optional.ofNullable(refusal.awsErrorDetails()).map(AwsErrorDetails::errorMessage).orElse(refusal.getMessage()));
            }
            throw new Unlisted(e.getMessage());
        }
    }

    /** An OU that cannot be listed, and why. */
    private static final class Unlisted extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Unlisted(String message) {
            super(message);
        }
    }
}
