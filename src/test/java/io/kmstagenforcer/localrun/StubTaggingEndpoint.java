package io.kmstagenforcer.localrun;

import com.sun.net.httpserver.HttpServer;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A stand-in for the Resource Groups Tagging API on 127.0.0.1 (for
 * {@code AWS_ENDPOINT_URL_RESOURCE_GROUPS_TAGGING_API}) that records every request and answers
 * ListRequiredTags as the API Reference documents it: two pages joined by a NextToken, with other
 * resource types than {@code kms:key} in both, or with the errors a test queued.
 */
public final class StubTaggingEndpoint implements AutoCloseable {
    /** The first page: kms:key requires CostCenter; s3 and ec2 require other keys, which are not ours. */
    public static final String FIRST_PAGE = "{\"RequiredTags\":["
            + "{\"ResourceType\":\"s3:bucket\",\"CloudFormationResourceTypes\":[\"AWS::S3::Bucket\"],\"ReportingTagKeys\":[\"DataClass\"]},"
            + "{\"ResourceType\":\"kms:key\",\"CloudFormationResourceTypes\":[\"AWS::KMS::Key\",\"AWS::KMS::ReplicaKey\"],"
            + "\"ReportingTagKeys\":[\"CostCenter\"]}],"
            + "\"NextToken\":\"page-2\"}";
    /** The second page, the last: kms:key also requires Owner (and CostCenter again). */
    public static final String SECOND_PAGE = "{\"RequiredTags\":["
            + "{\"ResourceType\":\"ec2:instance\",\"CloudFormationResourceTypes\":[\"AWS::EC2::Instance\"],\"ReportingTagKeys\":[\"Patch\"]},"
            + "{\"ResourceType\":\"kms:key\",\"CloudFormationResourceTypes\":[\"AWS::KMS::Key\"],\"ReportingTagKeys\":[\"Owner\",\"CostCenter\"]}]}";

    /** One request the stub received. */
    public record Received(String method, String rawPath, Map<String, List<String>> headers, String body) {
        /** The first value of a header, by name in any case; null when absent. */
        public String header(String name) {
            return headers.entrySet().stream().filter(entry -> entry.getKey().equalsIgnoreCase(name))
                    .map(entry -> entry.getValue().get(0)).findFirst().orElse(null);
        }
    }

    private final HttpServer server = LoopbackHttp.server();
    private final List<Received> received = new CopyOnWriteArrayList<>();
    /** Errors to answer before the pages, in order: HTTP status and error type. */
    private final Deque<Map.Entry<Integer, String>> errors = new ArrayDeque<>();
    private volatile String firstPage = FIRST_PAGE;
    private volatile String secondPage = SECOND_PAGE;

    private StubTaggingEndpoint() {
        server.createContext("/", exchange -> {
            try (exchange; InputStream in = exchange.getRequestBody()) {
                String body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                received.add(new Received(exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(),
                        Map.copyOf(exchange.getRequestHeaders()), body));
                Map.Entry<Integer, String> error;
                synchronized (errors) {
                    error = errors.poll();
                }
                exchange.getResponseHeaders().set("Content-Type", "application/x-amz-json-1.1");
                if (error != null) {
                    exchange.getResponseHeaders().set("x-amzn-ErrorType", error.getValue() + ":http://internal.amazon.com/coral/");
                    LoopbackHttp.respond(exchange, error.getKey(), ("{\"__type\":\"" + error.getValue() + "\",\"Message\":\"stub\"}")
                            .getBytes(StandardCharsets.UTF_8));
                    return;
                }
                String page = body.contains("\"NextToken\":\"page-2\"") ? secondPage : firstPage;
                LoopbackHttp.respond(exchange, 200, page.getBytes(StandardCharsets.UTF_8));
            }
        });
        server.start();
    }

    public static StubTaggingEndpoint start() {
        return new StubTaggingEndpoint();
    }

    public URI endpoint() {
        return LoopbackHttp.endpoint(server);
    }

    /** The next request is answered with this error (HTTP 400 AccessDeniedException, 400 ThrottledException, 500 InternalServiceException...). */
    public StubTaggingEndpoint thenFail(int status, String errorType) {
        synchronized (errors) {
            errors.add(Map.entry(status, errorType));
        }
        return this;
    }

    /** From now on, one page only, requiring these keys on kms:key. */
    public void requireOnly(String... keys) {
        StringBuilder list = new StringBuilder();
        for (String key : keys) {
            list.append(list.length() == 0 ? "" : ",").append('"').append(key).append('"');
        }
        firstPage = "{\"RequiredTags\":[{\"ResourceType\":\"kms:key\",\"ReportingTagKeys\":[" + list + "]}]}";
        secondPage = firstPage;
    }

    public List<Received> received() {
        return List.copyOf(received);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
