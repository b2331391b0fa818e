package bench;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * The cold-start baseline of scripts/benchmark: a handler that does nothing but copy the event to
 * the response. Run through the same harness, JVM flags and memory size as the enforcer, its cold
 * start is what the runtime itself costs (JVM start, the RIC, the Runtime API round trips).
 */
public final class TrivialHandler implements RequestStreamHandler {
    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        input.transferTo(output);
    }
}
