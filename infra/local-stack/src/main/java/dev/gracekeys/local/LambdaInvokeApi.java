package dev.gracekeys.local;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Lambda's API on loopback, as {@code sam local start-lambda} offers it, enough for
 * {@code aws lambda invoke / list-functions / get-function --endpoint-url} and the SDK's
 * {@code LambdaClient}. It answers as Lambda does where a script would notice:
 * <ul>
 *   <li>{@code POST /2015-03-31/functions/{name}/invocations}: the name may be plain, carry a
 *       qualifier ({@code rotate:live}) or be an ARN; the qualifier may also come as
 *       {@code ?Qualifier=}. {@code $LATEST} and the template's alias {@code live} exist, any other
 *       qualifier is a 404 ResourceNotFoundException, as an unknown function is.</li>
 *   <li>A payload that is not JSON is a 400 InvalidRequestContentException (nothing runs); one over
 *       6 MB (synchronous) or 1 MB ({@code Event}) a 413 RequestTooLargeException.</li>
 *   <li>A function error is HTTP 200 with {@code X-Amz-Function-Error: Unhandled};
 *       {@code X-Amz-Invocation-Type: Event} answers 202 and runs in the background, {@code DryRun}
 *       204.</li>
 *   <li>{@code X-Amz-Log-Type: Tail} ({@code --log-type Tail}) returns the base64 of the last 4 KB
 *       of that invocation's log in {@code X-Amz-Log-Result}.</li>
 *   <li>Every response carries {@code x-amzn-RequestId}; an invocation's START, END and REPORT log
 *       lines and its Context's {@code getAwsRequestId()} carry the same id.</li>
 *   <li>{@code GET /2015-03-31/functions/} lists the functions, {@code GET .../functions/{name}}
 *       ({@code /configuration}) describes one, as template.yaml deploys it
 *       ({@link FunctionCatalog}).</li>
 * </ul>
 * It serves this machine's scripts only: a request carrying a browser's {@code Origin} header (which
 * the CLI and SDKs never send) is refused with 403, and no CORS header is ever served, so a web page
 * cannot call {@code rotate} or {@code set-status} behind the developer's back.
 */
final class LambdaInvokeApi implements AutoCloseable {

    /** Lambda's payload limits: 6 MB for a synchronous invocation, 1 MB for an asynchronous one. */
    static final int MAX_SYNC_PAYLOAD = 6 * 1024 * 1024;
    static final int MAX_EVENT_PAYLOAD = 1024 * 1024;

    private static final Pattern INVOKE = Pattern.compile("/2015-03-31/functions/([^/]+)/invocations/?");
    private static final Pattern FUNCTION = Pattern.compile("/2015-03-31/functions/([^/]+)(/configuration)?/?");
    private static final Pattern LIST = Pattern.compile("/2015-03-31/functions/?");
    private static final ObjectMapper JSON = new ObjectMapper();

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
            String requestId = UUID.randomUUID().toString();
            exchange.getResponseHeaders().set("x-amzn-RequestId", requestId);
            if (exchange.getRequestHeaders().containsKey("Origin")) {
                exchange.getRequestBody().close();
                awsError(exchange, 403, "AccessDeniedException", "the local Lambda API refuses browser (cross-origin)"
                        + " requests; call it with the AWS CLI or an AWS SDK");
                return;
            }
            String path = exchange.getRequestURI().getPath();
            String method = exchange.getRequestMethod();
            Matcher invoke = INVOKE.matcher(path);
            Matcher function = FUNCTION.matcher(path);
            if (invoke.matches() && "POST".equals(method)) {
                invoke(exchange, invoke.group(1), requestId);
            } else if (LIST.matcher(path).matches() && "GET".equals(method)) {
                list(exchange);
            } else if (function.matches() && "GET".equals(method)) {
                describe(exchange, function.group(1), function.group(2) != null);
            } else {
                awsError(exchange, 404, "UnknownOperationException", "only Invoke, ListFunctions, GetFunction and"
                        + " GetFunctionConfiguration are served here");
            }
        }
    }

    private void invoke(HttpExchange exchange, String rawName, String requestId) throws IOException {
        Target target = target(exchange, rawName);
        if (target == null) {
            return;
        }
        String type = exchange.getRequestHeaders().getFirst("X-Amz-Invocation-Type");
        boolean event = "Event".equals(type);
        int limit = event ? MAX_EVENT_PAYLOAD : MAX_SYNC_PAYLOAD;
        byte[] payload = LoopbackServers.bodyWithin(exchange, limit);
        if (payload == null) {
            awsError(exchange, 413, "RequestTooLargeException", "Request must be smaller than " + limit
                    + " bytes for the InvokeFunction operation");
            return;
        }
        if ("DryRun".equals(type)) {
            send(exchange, 204, null, new byte[0]);
            return;
        }
        // A synchronous payload is parsed once, by the function's own deserializer (which answers
        // InvalidRequestContentException below); an Event's must be checked before answering 202.
        if (event && payload.length > 0 && !isJson(payload)) {
            awsError(exchange, 400, "InvalidRequestContentException", "Could not parse request body into json:"
                    + " the payload is not valid JSON (" + payload.length + " bytes)");
            return;
        }
        if (event) {
            Thread async = new Thread(() -> functions.invoke(target.name, payload), "lambda-event");
            async.setDaemon(true);
            async.start();
            send(exchange, 202, null, new byte[0]);
            return;
        }
        LocalFunctions.Invocation result;
        try {
            result = functions.invoke(target.name, payload, requestId);
        } catch (LocalFunctions.InvalidPayloadException e) {
            awsError(exchange, 400, "InvalidRequestContentException", e.getMessage());
            return;
        }
        if ("Tail".equals(exchange.getRequestHeaders().getFirst("X-Amz-Log-Type")) && result.logTail() != null) {
            exchange.getResponseHeaders().set("X-Amz-Log-Result", Base64.getEncoder().encodeToString(result.logTail()));
        }
        send(exchange, 200, result.functionError() ? "Unhandled" : null, result.body());
    }

    private void list(HttpExchange exchange) throws IOException {
        List<Map<String, Object>> all = new ArrayList<>();
        for (String name : functions.names()) {
            all.add(functions.configuration(name));
        }
        sendJson(exchange, Map.of("Functions", all));
    }

    private void describe(HttpExchange exchange, String rawName, boolean configurationOnly) throws IOException {
        Target target = target(exchange, rawName);
        if (target == null) {
            return;
        }
        Map<String, Object> configuration = functions.configuration(target.name);
        if (configurationOnly) {
            sendJson(exchange, configuration);
            return;
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("Configuration", configuration);
        answer.put("Code", Map.of("RepositoryType", "Local", "Location",
                "functions/" + target.name + "/target/" + target.name + ".jar"));
        answer.put("Tags", Map.of());
        sendJson(exchange, answer);
    }

    /** The function and qualifier a request names, or {@code null} after answering 400/404. */
    private Target target(HttpExchange exchange, String rawName) throws IOException {
        String raw = java.net.URLDecoder.decode(rawName, StandardCharsets.UTF_8);
        String name = functionName(raw);
        String fromName = qualifier(raw);
        String fromQuery = queryParameter(exchange, "Qualifier");
        if (fromName != null && fromQuery != null && !fromName.equals(fromQuery)) {
            awsError(exchange, 400, "InvalidParameterValueException",
                    "The derived qualifier from the function name does not match the specified qualifier.");
            return null;
        }
        String qualifier = fromName != null ? fromName : fromQuery;
        if (!functions.exists(name) || (qualifier != null && !QUALIFIERS.contains(qualifier))) {
            awsError(exchange, 404, "ResourceNotFoundException", "Function not found: arn:aws:lambda:"
                    + FunctionCatalog.REGION + ":" + FunctionCatalog.ACCOUNT + ":function:" + name
                    + (qualifier == null ? "" : ":" + qualifier));
            return null;
        }
        return new Target(name, qualifier);
    }

    /** The versions and aliases every function has here: the template publishes behind {@code live}. */
    private static final Set<String> QUALIFIERS = Set.of("$LATEST", FunctionCatalog.ALIAS);

    private record Target(String name, String qualifier) {
    }

    /** {@code rotate}, {@code rotate:live}, {@code arn:aws:lambda:...:function:rotate[:live]} → rotate. */
    static String functionName(String raw) {
        String name = afterFunction(raw);
        int colon = name.indexOf(':');
        return colon >= 0 ? name.substring(0, colon) : name;
    }

    /** The qualifier in {@code rotate:live} or an ARN ending in {@code :live}, else {@code null}. */
    static String qualifier(String raw) {
        String name = afterFunction(raw);
        int colon = name.indexOf(':');
        return colon >= 0 ? name.substring(colon + 1) : null;
    }

    private static String afterFunction(String raw) {
        int fn = raw.indexOf(":function:");
        return fn >= 0 ? raw.substring(fn + ":function:".length()) : raw;
    }

    private static String queryParameter(HttpExchange exchange, String name) {
        String query = exchange.getRequestURI().getRawQuery();
        if (query == null) {
            return null;
        }
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && pair.substring(0, eq).equals(name)) {
                return java.net.URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    private static boolean isJson(byte[] payload) {
        try (JsonParser parser = JSON.getFactory().createParser(payload)) {
            while (parser.nextToken() != null) {
                // read it all: trailing garbage is invalid too
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void sendJson(HttpExchange exchange, Object body) throws IOException {
        send(exchange, 200, null, JSON.writeValueAsBytes(body));
    }

    private static void send(HttpExchange exchange, int status, String functionError, byte[] body) throws IOException {
        if (functionError == null) {
            LoopbackServers.sendJson(exchange, status, body, "X-Amz-Executed-Version", "$LATEST");
        } else {
            LoopbackServers.sendJson(exchange, status, body, "X-Amz-Executed-Version", "$LATEST",
                    "X-Amz-Function-Error", functionError);
        }
    }

    private static void awsError(HttpExchange exchange, int status, String code, String message) throws IOException {
        byte[] body = ("{\"Type\":\"User\",\"message\":\"" + message.replace("\"", "'") + "\"}")
                .getBytes(StandardCharsets.UTF_8);
        LoopbackServers.sendJson(exchange, status, body, "x-amzn-ErrorType", code);
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
        // The JDK server closes a kept-alive connection after 30 s idle, while the JDK HttpClient (and
        // most clients) keep one for far longer: a client that reuses it as the server closes it gets
        // no answer at all ("header parser received no bytes"), which the load run saw as dropped
        // pushes. API Gateway keeps idle connections for minutes; so does the local stack (10 min).
        if (System.getProperty("sun.net.httpserver.idleInterval") == null) {
            System.setProperty("sun.net.httpserver.idleInterval", "600");
        }
        return HttpServer.create(new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), port), 64);
    }
}
