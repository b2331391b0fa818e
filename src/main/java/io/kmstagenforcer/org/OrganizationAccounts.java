package io.kmstagenforcer.org;

import io.kmstagenforcer.aws.SignedCall;
import io.kmstagenforcer.json.JsonField;
import io.kmstagenforcer.json.JsonObjectWriter;
import io.kmstagenforcer.json.JsonShapeException;
import io.kmstagenforcer.kms.LambdaKmsClients;
import java.io.IOException;
import java.net.URI;
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
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.RegionMetadata;
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
 * {@code X-Amz-Target: AWSOrganizationsV20161128.<operation>}, signed for {@code organizations}
 * in the partition's Organizations Region (us-east-1 for {@code aws}); endpoint from
 * {@code AWS_ENDPOINT_URL_ORGANIZATIONS} or {@code AWS_ENDPOINT_URL}. The SDK's organizations module
 * would add about 1 MB to the package for two calls a day.
 *
 * <p>An OU that cannot be listed (it does not exist: {@code ParentNotFoundException}; the role may not:
 * {@code AccessDeniedException}; the role cannot be assumed) is named with the reason, and the others
 * are listed all the same.
 */
public final class OrganizationAccounts implements AccountDiscovery {
    static final String TARGET_PREFIX = "AWSOrganizationsV20161128.";
    static final String SIGNING_NAME = "organizations";
    /** Far more pages than any organisation has: beyond that, a NextToken that never ends. */
    private static final int MAX_PAGES = 1000;
    /** Errors a later try may mend: Organizations' throttling and its internal errors, and any 5xx. */
    private static final Set<String> RETRYABLE = Set.of("TooManyRequestsException", "ServiceException", "ThrottlingException");
    static final int ATTEMPTS = 3;
    static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);

    /** Waits between tries. */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(Duration duration) throws InterruptedException;
    }

    private final SignedCall call;
    private final Sleeper sleeper;
    /** What the credentials come from, for a message when they cannot be had: "AssumeRole of arn:...". */
    private final String credentialsFrom;

    public OrganizationAccounts(SignedCall call, Sleeper sleeper) {
        this(call, sleeper, "the function's credentials");
    }

    private OrganizationAccounts(SignedCall call, Sleeper sleeper, String credentialsFrom) {
        this.call = call;
        this.sleeper = sleeper;
        this.credentialsFrom = credentialsFrom;
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
        String signingRegion = organizationsRegion(region);
        AwsCredentialsProvider credentials = roleArn.<AwsCredentialsProvider>map(arn -> StsAssumeRoleCredentialsProvider.builder()
                .stsClient(LambdaKmsClients.stsClient(region, http, own))
                .refreshRequest(request -> request.roleArn(arn).roleSessionName(sessionName))
                .asyncCredentialUpdateEnabled(false)
                .build()).orElse(own);
        return new OrganizationAccounts(new SignedCall(SIGNING_NAME, signingRegion, endpoint(signingRegion, environment), http,
                credentials), duration -> Thread.sleep(duration.toMillis()),
                roleArn.map(arn -> "AssumeRole of " + arn).orElse("the function's credentials"));
    }

    static URI endpoint(String signingRegion, Map<String, String> environment) {
        return SignedCall.endpoint("ORGANIZATIONS", "organizations", signingRegion, environment);
    }

    /** Organizations has one endpoint per partition: us-east-1, cn-northwest-1, us-gov-west-1. */
    static String organizationsRegion(String region) {
        RegionMetadata metadata = Region.of(region).metadata();
        String partition = metadata == null ? "aws" : metadata.partition().id();
        switch (partition) {
            case "aws-cn":
                return "cn-northwest-1";
            case "aws-us-gov":
                return "us-gov-west-1";
            default:
                return "us-east-1";
        }
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
            for (JsonField account : allPages("ListAccountsForParent", parent, Optional.empty(), "Accounts")) {
                String id = account.get("Id").requiredString();
                // State is the newer field (ACTIVE, SUSPENDED, PENDING_CLOSURE, CLOSED...); Status the older one.
                String status = account.get("State").optionalString().or(() -> account.get("Status").optionalString()).orElse("ACTIVE");
                if (status.equals("ACTIVE")) {
                    active.add(id);
                } else {
                    notActive.put(id, status);
                }
            }
            for (JsonField child : allPages("ListChildren", parent, Optional.of("ORGANIZATIONAL_UNIT"), "Children")) {
                parents.push(child.get("Id").requiredString());
            }
        }
    }

    private List<JsonField> allPages(String operation, String parent, Optional<String> childType, String member) {
        List<JsonField> items = new ArrayList<>();
        Optional<String> token = Optional.empty();
        for (int page = 0; page < MAX_PAGES; page++) {
            JsonObjectWriter request = new JsonObjectWriter().string("ParentId", parent);
            childType.ifPresent(type -> request.string("ChildType", type));
            token.ifPresent(next -> request.string("NextToken", next));
            JsonField answer = withRetries(operation, parent, request.toBytes());
            try {
                items.addAll(answer.get(member).elements());
                token = answer.get("NextToken").optionalString().filter(next -> !next.isEmpty());
            } catch (JsonShapeException e) {
                throw new Unlisted(operation + " of " + parent + " answered in an unexpected shape: " + e.getMessage());
            }
            if (token.isEmpty()) {
                return items;
            }
        }
        throw new Unlisted(operation + " of " + parent + " answered more than " + MAX_PAGES + " pages");
    }

    private JsonField withRetries(String operation, String parent, byte[] request) {
        Duration backoff = FIRST_BACKOFF;
        for (int attempt = 1; ; attempt++) {
            try {
                return once(operation, parent, request);
            } catch (Retryable e) {
                if (attempt == ATTEMPTS) {
                    throw new Unlisted(e.getMessage() + " (" + ATTEMPTS + " tries)");
                }
                try {
                    sleeper.sleep(backoff);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw new Unlisted(e.getMessage());
                }
                backoff = backoff.multipliedBy(2);
            }
        }
    }

    private JsonField once(String operation, String parent, byte[] request) {
        SignedCall.Answer answer;
        try {
            answer = call.post("/", Map.of("X-Amz-Target", TARGET_PREFIX + operation, "Content-Type", "application/x-amz-json-1.1"),
                    request);
        } catch (IOException e) {
            throw new Retryable(operation + " of " + parent + " could not be sent (" + e.getClass().getSimpleName() + ": "
                    + e.getMessage() + ")");
        } catch (AwsServiceException e) {
            // The credentials could not be had: the role in the management account could not be assumed.
            throw new Unlisted(operation + " of " + parent + " not sent: " + credentialsFrom + " answered "
                    + Optional.ofNullable(e.awsErrorDetails()).map(details -> details.errorCode()).orElse("HTTP " + e.statusCode())
                    + ": " + Optional.ofNullable(e.awsErrorDetails()).map(details -> details.errorMessage()).orElse(e.getMessage()));
        } catch (RuntimeException e) {
            throw new Unlisted(operation + " of " + parent + " not sent: " + credentialsFrom + " failed: " + e.getMessage());
        }
        if (answer.status() == 200) {
            try {
                JsonField body = JsonField.parse(operation, answer.body());
                body.asObject();
                return body;
            } catch (JsonShapeException e) {
                throw new Unlisted(operation + " of " + parent + " answered in an unexpected shape: " + e.getMessage());
            }
        }
        String error = answer.errorType().or(() -> bodyType(answer.body())).orElse("HTTP " + answer.status());
        String reason = operation + " of " + parent + " answered " + error + message(answer.body());
        if (answer.status() >= 500 || RETRYABLE.contains(error)) {
            throw new Retryable(reason);
        }
        throw new Unlisted(reason);
    }

    private static Optional<String> bodyType(String body) {
        try {
            return JsonField.parse("error", body).get("__type").stringIfPresent().map(type -> type.substring(type.lastIndexOf('#') + 1));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    private static String message(String body) {
        try {
            JsonField json = JsonField.parse("error", body);
            return json.get("Message").stringIfPresent().or(() -> json.get("message").stringIfPresent()).map(text -> ": " + text)
                    .orElse("");
        } catch (RuntimeException e) {
            return "";
        }
    }

    /** A failure a later try may mend. */
    private static final class Retryable extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Retryable(String message) {
            super(message);
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
