package bench;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A measuring stick for scripts/benchmark --candidates, NOT a proposal of production code: the
 * cold start of a handler that makes the enforcer's KMS calls for a fresh key (ListResourceTags,
 * then TagResource with the four missing tags) with no AWS SDK at all: HttpURLConnection and a
 * hand-written SigV4 signature (moto does not check signatures, so this one is not verified).
 * The event and the answers are read with regular expressions; there is no policy, no planner and
 * no retry. Whatever a real SDK-free client would add comes on top of this number. With
 * {@code -Dbench.noTls=true} it skips building the JDK's default SSLContext (see the static block),
 * which shows what TLS set-up alone costs a cold start.
 */
public final class NoSdkHandler implements RequestStreamHandler {
    private static final Pattern KEY_ARN = Pattern.compile("\"arn\"\\s*:\\s*\"(arn:aws[a-z-]*:kms:([a-z0-9-]+):\\d{12}:key/[A-Za-z0-9-]+)\"");
    private static final Pattern TAG_KEY = Pattern.compile("\"TagKey\"\\s*:\\s*\"([^\"]*)\"");
    private static final Map<String, String> REQUIRED = new LinkedHashMap<>();

    static {
        // Production reaches KMS over HTTPS; the SDK's URLConnection client builds its SSLContext when
        // it is constructed. Build the JDK's default one here too (trust store included), so that
        // the comparison is fair over moto's plain HTTP. The TLS handshake itself is counted by neither.
        try {
            if (!Boolean.getBoolean("bench.noTls")) {
                javax.net.ssl.SSLContext.getDefault();
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
        REQUIRED.put("Owner", "alice");
        REQUIRED.put("CostCenter", "unassigned");
        REQUIRED.put("Environment", "dev");
        REQUIRED.put("CreatedBy", "arn:aws:iam::123456789012:user/alice");
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        String event = new String(input.readAllBytes(), StandardCharsets.UTF_8);
        Matcher arn = KEY_ARN.matcher(event);
        if (!arn.find()) {
            output.write("{\"outcome\":\"REJECTED\"}".getBytes(StandardCharsets.UTF_8));
            return;
        }
        String keyArn = arn.group(1);
        String region = arn.group(2);
        String tags = call(region, "ListResourceTags", "{\"KeyId\":\"" + keyArn + "\"}");
        Map<String, String> missing = new LinkedHashMap<>(REQUIRED);
        Matcher key = TAG_KEY.matcher(tags);
        while (key.find()) {
            missing.remove(key.group(1));
        }
        String outcome = "COMPLIANT";
        if (!missing.isEmpty()) {
            StringBuilder body = new StringBuilder("{\"KeyId\":\"").append(keyArn).append("\",\"Tags\":[");
            String sep = "";
            for (Map.Entry<String, String> tag : missing.entrySet()) {
                body.append(sep).append("{\"TagKey\":\"").append(tag.getKey()).append("\",\"TagValue\":\"").append(tag.getValue()).append("\"}");
                sep = ",";
            }
            call(region, "TagResource", body.append("]}").toString());
            outcome = "REMEDIATED";
        }
        output.write(("{\"outcome\":\"" + outcome + "\",\"keyArn\":\"" + keyArn + "\"}").getBytes(StandardCharsets.UTF_8));
    }

    private static String call(String region, String operation, String json) throws IOException {
        String endpoint = System.getenv("AWS_ENDPOINT_URL_KMS");
        if (endpoint == null) {
            endpoint = "https://kms." + region + ".amazonaws.com";
        }
        URL url = new URL(endpoint + "/");
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        String amzDate = amzDate(System.currentTimeMillis());
        String date = amzDate.substring(0, 8);
        String host = url.getPort() < 0 ? url.getHost() : url.getHost() + ":" + url.getPort();
        String token = System.getenv("AWS_SESSION_TOKEN");
        String signedHeaders = "content-type;host;x-amz-date" + (token != null ? ";x-amz-security-token" : "") + ";x-amz-target";
        String canonical = "POST\n/\n\n"
                + "content-type:application/x-amz-json-1.1\n" + "host:" + host + "\n" + "x-amz-date:" + amzDate + "\n"
                + (token != null ? "x-amz-security-token:" + token + "\n" : "")
                + "x-amz-target:TrentService." + operation + "\n\n" + signedHeaders + "\n" + hex(sha256(body));
        String scope = date + "/" + region + "/kms/aws4_request";
        String toSign = "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n" + hex(sha256(canonical.getBytes(StandardCharsets.UTF_8)));
        byte[] k = hmac(("AWS4" + System.getenv("AWS_SECRET_ACCESS_KEY")).getBytes(StandardCharsets.UTF_8), date);
        k = hmac(hmac(hmac(k, region), "kms"), "aws4_request");
        String authorization = "AWS4-HMAC-SHA256 Credential=" + System.getenv("AWS_ACCESS_KEY_ID") + "/" + scope
                + ", SignedHeaders=" + signedHeaders + ", Signature=" + hex(hmac(k, toSign));

        HttpURLConnection connection = (HttpURLConnection) url.openConnection();
        connection.setConnectTimeout(2000);
        connection.setReadTimeout(5000);
        connection.setRequestMethod("POST");
        connection.setDoOutput(true);
        connection.setRequestProperty("Content-Type", "application/x-amz-json-1.1");
        connection.setRequestProperty("X-Amz-Date", amzDate);
        connection.setRequestProperty("X-Amz-Target", "TrentService." + operation);
        if (token != null) {
            connection.setRequestProperty("X-Amz-Security-Token", token);
        }
        connection.setRequestProperty("Authorization", authorization);
        try (OutputStream out = connection.getOutputStream()) {
            out.write(body);
        }
        int status = connection.getResponseCode();
        InputStream in = status < 400 ? connection.getInputStream() : connection.getErrorStream();
        ByteArrayOutputStream answer = new ByteArrayOutputStream();
        if (in != null) {
            in.transferTo(answer);
            in.close();
        }
        String text = answer.toString(StandardCharsets.UTF_8);
        if (status >= 300) {
            throw new IOException(operation + " answered HTTP " + status + ": " + text);
        }
        return text;
    }

    /** yyyyMMdd'T'HHmmss'Z' without java.time's formatter machinery. */
    private static String amzDate(long millis) {
        long seconds = millis / 1000;
        long days = Math.floorDiv(seconds, 86400);
        long secs = Math.floorMod(seconds, 86400);
        // civil-from-days (H. Hinnant)
        long z = days + 719468;
        long era = Math.floorDiv(z, 146097);
        long doe = z - era * 146097;
        long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        long mp = (5 * doy + 2) / 153;
        long d = doy - (153 * mp + 2) / 5 + 1;
        long m = mp < 10 ? mp + 3 : mp - 9;
        long y = yoe + era * 400 + (m <= 2 ? 1 : 0);
        return String.format("%04d%02d%02dT%02d%02d%02dZ", y, m, d, secs / 3600, secs / 60 % 60, secs % 60);
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] hmac(byte[] key, String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String hex(byte[] bytes) {
        StringBuilder out = new StringBuilder(bytes.length * 2);
        for (byte b : bytes) {
            out.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
        }
        return out.toString();
    }
}
