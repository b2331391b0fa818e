package io.kmstagenforcer.integration;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.kmstagenforcer.localrun.LoopbackHttp;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * STS on 127.0.0.1 in front of moto (which answers AssumeRole with credentials that moto's KMS takes
 * as the role's account, but checks neither the role nor the external ID): it records the parameters
 * of every request, and can answer AssumeRole with AWS's documented 403 AccessDenied error, hold its
 * answer back (a slow STS), or pass moto's answer on with an {@code Expiration} as near as a test wants.
 */
final class StsProxy implements AutoCloseable {
    private static final Pattern ACCESS_KEY_ID = Pattern.compile("<AccessKeyId>([^<]+)</AccessKeyId>");

    private final URI upstream;
    private HttpServer server;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();
    private final List<Map<String, String>> requests = new CopyOnWriteArrayList<>();
    private volatile boolean deny;
    private final java.util.Set<String> deniedRoles = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private volatile Duration delay = Duration.ZERO;
    /** Ends every hold at once when the proxy closes, so that closing never waits for a held answer. */
    private final CountDownLatch closed = new CountDownLatch(1);
    private final AtomicReference<Duration> nextExpiresIn = new AtomicReference<>();
    private final Map<String, String> accessKeyIssuedFor = new ConcurrentHashMap<>();
    private final AtomicReference<Instant> lastExpirationSet = new AtomicReference<>();

    static final String KMS_ENDPOINT = "aws.endpointUrlKms";
    static final String STS_ENDPOINT = "aws.endpointUrlSts";
    private boolean setsTheSdksEndpoints;

    private StsProxy(URI upstream) {
        this.upstream = upstream;
    }

    /** A proxy to moto's {@code upstream}, answering on a free loopback port. */
    static StsProxy start(URI upstream) {
        StsProxy proxy = new StsProxy(upstream);
        proxy.server = LoopbackHttp.start(proxy::handle, null);
        return proxy;
    }

    /**
     * A proxy to moto's {@code upstream} that the function's SDK clients use, as a central deployment's do: its STS
     * through {@code aws.endpointUrlSts} (the system-property form of {@code AWS_ENDPOINT_URL_STS}), and KMS at
     * {@code kms} through {@code aws.endpointUrlKms}. Closing the proxy clears both.
     */
    static StsProxy startAsTheSdksEndpoints(URI upstream, URI kms) {
        StsProxy proxy = start(upstream);
        proxy.setsTheSdksEndpoints = true;
        System.setProperty(KMS_ENDPOINT, kms.toString());
        System.setProperty(STS_ENDPOINT, proxy.endpoint().toString());
        return proxy;
    }

    URI endpoint() {
        return LoopbackHttp.endpoint(server);
    }

    /** Every AssumeRole from now on is refused, as STS refuses a role that does not trust the caller (or does not exist). */
    void denyAssumeRole() {
        deny = true;
    }

    /** AssumeRole of this role from now on is refused, as for a member account whose role is missing or does not trust the caller. */
    void denyAssumeRoleOf(String roleArn) {
        deniedRoles.add(roleArn);
    }

    /** Every request from now on is answered only after {@code duration}, or when the proxy closes. */
    void delay(Duration duration) {
        delay = duration;
    }

    /**
     * The next session handed out expires this soon after, or up to a second later (the Expiration
     * is given in whole seconds, rounded up); later ones as moto says: in an hour.
     */
    void expireNextSessionIn(Duration duration) {
        nextExpiresIn.set(duration);
    }

    /** The access key ID of the last session moto issued for {@code roleArn}; empty before any. */
    String accessKeyIssuedFor(String roleArn) {
        return accessKeyIssuedFor.getOrDefault(roleArn, "");
    }

    /** The account a session this proxy passed on acts in: its role's; empty for an access key STS never issued here. */
    Optional<String> accountOfIssued(String accessKeyId) {
        return accessKeyIssuedFor.entrySet().stream().filter(issued -> issued.getValue().equals(accessKeyId))
                .map(issued -> issued.getKey().split(":")[4]).findFirst();
    }

    /** The Expiration of the session {@link #expireNextSessionIn} shortened. */
    Instant shortenedSessionExpiration() {
        Instant expiration = lastExpirationSet.get();
        if (expiration == null) {
            throw new AssertionError("no session has been shortened");
        }
        return expiration;
    }

    /** The form parameters of every request, in order (Action, RoleArn, ExternalId, RoleSessionName, ...). */
    List<Map<String, String>> requests() {
        return List.copyOf(requests);
    }

    @Override
    public void close() {
        if (setsTheSdksEndpoints) {
            System.clearProperty(KMS_ENDPOINT);
            System.clearProperty(STS_ENDPOINT);
        }
        closed.countDown();
        server.stop(0);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            Map<String, String> parameters = form(new String(body, StandardCharsets.UTF_8));
            requests.add(parameters);
            hold();
            if (deny || deniedRoles.contains(parameters.get("RoleArn"))) {
                respond(exchange, 403, ("<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type>"
                        + "<Code>AccessDenied</Code><Message>User: arn:aws:sts::123456789012:assumed-role/enforcer/fn is not "
                        + "authorized to perform: sts:AssumeRole on resource</Message></Error><RequestId>denied</RequestId>"
                        + "</ErrorResponse>").getBytes(StandardCharsets.UTF_8));
                return;
            }
            HttpResponse<String> answer = forward(exchange, body);
            String text = answer.body();
            Matcher issued = ACCESS_KEY_ID.matcher(text);
            String roleArn = parameters.get("RoleArn");
            if (answer.statusCode() == 200 && roleArn != null && issued.find()) {
                accessKeyIssuedFor.put(roleArn, issued.group(1));
            }
            Duration expiresIn = answer.statusCode() == 200 ? nextExpiresIn.getAndSet(null) : null;
            if (expiresIn != null) {
                Instant expiration = Instant.now().plus(expiresIn).truncatedTo(ChronoUnit.SECONDS).plusSeconds(1);
                lastExpirationSet.set(expiration);
                text = text.replaceAll("<Expiration>[^<]*</Expiration>", "<Expiration>" + expiration + "</Expiration>");
            }
            respond(exchange, answer.statusCode(), text.getBytes(StandardCharsets.UTF_8));
        }
    }

    private void hold() throws IOException {
        try {
            closed.await(delay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted holding an answer", e);
        }
    }

    private HttpResponse<String> forward(HttpExchange exchange, byte[] body) throws IOException {
        HttpRequest.Builder request = HttpRequest.newBuilder(upstream.resolve(exchange.getRequestURI().toString()))
                .timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .header("Content-Type", exchange.getRequestHeaders().getFirst("Content-Type"));
        String authorization = exchange.getRequestHeaders().getFirst("Authorization");
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        try {
            return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted forwarding to moto", e);
        }
    }

    private static void respond(HttpExchange exchange, int status, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "text/xml");
        LoopbackHttp.respond(exchange, status, body);
    }

    private static Map<String, String> form(String body) {
        Map<String, String> parameters = new LinkedHashMap<>();
        for (String pair : body.split("&")) {
            int equals = pair.indexOf('=');
            if (equals > 0) {
                parameters.put(URLDecoder.decode(pair.substring(0, equals), StandardCharsets.UTF_8),
                        URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8));
            }
        }
        return parameters;
    }
}
