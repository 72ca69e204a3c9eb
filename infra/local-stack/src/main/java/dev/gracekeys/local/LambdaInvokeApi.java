package dev.gracekeys.local;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Lambda's Invoke API on loopback, enough for {@code aws lambda invoke --endpoint-url} and the SDK's
 * {@code LambdaClient}, as {@code sam local start-lambda} offers it:
 * {@code POST /2015-03-31/functions/{name}/invocations}. The name may be a plain name, a name with a
 * qualifier ({@code rotate:live}) or an ARN. As Lambda does: a function error is HTTP 200 with
 * {@code X-Amz-Function-Error: Unhandled}; an unknown function is a 404 ResourceNotFoundException;
 * {@code X-Amz-Invocation-Type: Event} answers 202 and runs in the background, {@code DryRun} 204.
 */
final class LambdaInvokeApi implements AutoCloseable {

    private static final Pattern INVOKE = Pattern.compile("/2015-03-31/functions/([^/]+)/invocations/?");

    private final HttpServer server;
    private final LocalFunctions functions;

    LambdaInvokeApi(HttpServer server, LocalFunctions functions) {
        this.server = server;
        this.functions = functions;
        LoopbackServers.serve(server, this::handle, 8, "lambda-api");
    }

    int port() {
        return server.getAddress().getPort();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            Matcher m = INVOKE.matcher(exchange.getRequestURI().getPath());
            if (!m.matches() || !"POST".equals(exchange.getRequestMethod())) {
                awsError(exchange, 404, "UnknownOperationException", "only Invoke is served here: "
                        + "POST /2015-03-31/functions/{name}/invocations");
                return;
            }
            String name = functionName(java.net.URLDecoder.decode(m.group(1), StandardCharsets.UTF_8));
            if (!functions.exists(name)) {
                awsError(exchange, 404, "ResourceNotFoundException",
                        "Function not found: arn:aws:lambda:us-east-1:000000000000:function:" + name);
                return;
            }
            byte[] payload = exchange.getRequestBody().readAllBytes();
            String type = exchange.getRequestHeaders().getFirst("X-Amz-Invocation-Type");
            if ("DryRun".equals(type)) {
                send(exchange, 204, null, new byte[0]);
                return;
            }
            if ("Event".equals(type)) {
                Thread async = new Thread(() -> functions.invoke(name, payload), "lambda-event");
                async.setDaemon(true);
                async.start();
                send(exchange, 202, null, new byte[0]);
                return;
            }
            LocalFunctions.Invocation result = functions.invoke(name, payload);
            send(exchange, 200, result.functionError() ? "Unhandled" : null, result.body());
        }
    }

    /** {@code rotate}, {@code rotate:live}, {@code arn:aws:lambda:...:function:rotate[:live]} → rotate. */
    static String functionName(String raw) {
        String name = raw;
        int fn = name.indexOf(":function:");
        if (fn >= 0) {
            name = name.substring(fn + ":function:".length());
        }
        int colon = name.indexOf(':');
        return colon >= 0 ? name.substring(0, colon) : name;
    }

    private static void send(HttpExchange exchange, int status, String functionError, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.getResponseHeaders().set("X-Amz-Executed-Version", "$LATEST");
        exchange.getResponseHeaders().set("x-amzn-RequestId", java.util.UUID.randomUUID().toString());
        if (functionError != null) {
            exchange.getResponseHeaders().set("X-Amz-Function-Error", functionError);
        }
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    private static void awsError(HttpExchange exchange, int status, String code, String message) throws IOException {
        byte[] body = ("{\"Type\":\"User\",\"message\":\"" + message.replace("\"", "'") + "\"}")
                .getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("x-amzn-ErrorType", code);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }

    static HttpServer bind(int port) throws IOException {
        // The JDK's server (JDK-6968351; JDK 17 has it) sends a response's headers and body as two TCP
        // segments; with Nagle's algorithm on, the body waits for the client to ACK the headers, which
        // Linux delays ~40 ms: every keep-alive request after the first took 40 ms more than its work
        // (POST /push: p50 52 ms instead of 6 ms at one connection). API Gateway and Lambda have no
        // such stall, so the local stack must not either. Read once, when this JVM's first
        // com.sun.net.httpserver server starts; an explicit -Dsun.net.httpserver.nodelay wins.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
        return HttpServer.create(new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), port), 64);
    }
}
