package dev.gracekeys.templatecheck;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A loopback stand-in (127.0.0.1, a free port) for the AWS services a contract run cannot reach
 * here but whose requests must really be made, so that the SDK clients the code builds, and the
 * settings they read, are the production ones:
 * <ul>
 *   <li>EventBridge {@code PutEvents} ({@code X-Amz-Target: AWSEvents.PutEvents}): every entry is
 *       accepted and kept for the test to read;</li>
 *   <li>Secrets Manager {@code PutSecretValue}, {@code DescribeSecret} and
 *       {@code UpdateSecretVersionStage} ({@code X-Amz-Target: secretsmanager.<Operation>}), as a
 *       delivery secret whose {@code AWSCURRENT} is version {@code v1} and which takes the new
 *       token as version {@code v2};</li>
 *   <li>S3 {@code GetObject} (any request without a target): one JSON-lines import of two legacy
 *       keys, for backfill's {@code {"s3":{...}}}.</li>
 * </ul>
 * Anything else is answered 400 and listed in {@link #unknown()}, so a run cannot pass on a request
 * this class did not expect.
 */
final class LoopbackAws implements AutoCloseable {

    /** What the loopback S3 serves: one JSON-lines import of two legacy keys. */
    static final String S3_IMPORT = """
            {"clientId":"S3DEV01","key":"legacy-s3-key-0001-abcdefgh"}
            {"clientId":"S3DEV02","key":"legacy-s3-key-0002-abcdefgh"}
            """;

    /** One PutEvents entry as received. */
    record Event(String eventBusName, String source, String detailType, JsonNode detail) {
    }

    private static final String JSON_1_1 = "application/x-amz-json-1.1";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final List<Event> events = new CopyOnWriteArrayList<>();
    private final List<String> secretsOperations = new CopyOnWriteArrayList<>();
    private final List<String> unknown = new CopyOnWriteArrayList<>();
    private final List<String> delivered = new CopyOnWriteArrayList<>();

    private LoopbackAws(HttpServer server) {
        this.server = server;
    }

    static LoopbackAws start() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            LoopbackAws aws = new LoopbackAws(server);
            server.createContext("/", aws::handle);
            server.start();
            return aws;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the loopback AWS endpoint", e);
        }
    }

    /** The endpoint to give as {@code EVENTBRIDGE_ENDPOINT}, {@code SECRETSMANAGER_ENDPOINT}, {@code S3_ENDPOINT}. */
    URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** Every event PutEvents received, in order. */
    List<Event> events() {
        return List.copyOf(events);
    }

    /** Secrets Manager operations received, in order. */
    List<String> secretsOperations() {
        return List.copyOf(secretsOperations);
    }

    /** The secret strings PutSecretValue received (the delivered tokens' JSON). */
    List<String> delivered() {
        return List.copyOf(delivered);
    }

    /** Requests this stand-in does not serve. */
    List<String> unknown() {
        return List.copyOf(unknown);
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
            if (target == null) {
                if ("GET".equals(exchange.getRequestMethod())) {
                    send(exchange, 200, "application/octet-stream", S3_IMPORT);
                } else {
                    refuse(exchange, exchange.getRequestMethod() + " " + exchange.getRequestURI());
                }
                return;
            }
            JsonNode request = JSON.readTree(body.length == 0 ? "{}".getBytes(StandardCharsets.UTF_8) : body);
            switch (target) {
                case "AWSEvents.PutEvents" -> putEvents(exchange, request);
                case "secretsmanager.PutSecretValue" -> {
                    secretsOperations.add("PutSecretValue");
                    delivered.add(request.path("SecretString").asText());
                    send(exchange, 200, JSON_1_1, secret(request, Map.of("VersionId", "v2",
                            "VersionStages", List.of("AWSPENDING"))));
                }
                case "secretsmanager.DescribeSecret" -> {
                    secretsOperations.add("DescribeSecret");
                    send(exchange, 200, JSON_1_1, secret(request, Map.of("VersionIdsToStages",
                            Map.of("v1", List.of("AWSCURRENT"), "v2", List.of("AWSPENDING")))));
                }
                case "secretsmanager.UpdateSecretVersionStage" -> {
                    secretsOperations.add("UpdateSecretVersionStage");
                    send(exchange, 200, JSON_1_1, secret(request, Map.of()));
                }
                default -> refuse(exchange, target);
            }
        } catch (RuntimeException e) {
            unknown.add("failed to answer: " + e);
            throw e;
        }
    }

    private void putEvents(HttpExchange exchange, JsonNode request) throws IOException {
        JsonNode entries = request.path("Entries");
        StringBuilder answer = new StringBuilder("{\"FailedEntryCount\":0,\"Entries\":[");
        for (int i = 0; i < entries.size(); i++) {
            JsonNode e = entries.get(i);
            JsonNode detail = e.hasNonNull("Detail") ? JSON.readTree(e.get("Detail").asText()) : null;
            events.add(new Event(e.path("EventBusName").asText(null), e.path("Source").asText(null),
                    e.path("DetailType").asText(null), detail));
            answer.append(i == 0 ? "" : ",").append("{\"EventId\":\"").append(events.size()).append("\"}");
        }
        send(exchange, 200, JSON_1_1, answer.append("]}").toString());
    }

    /** A Secrets Manager answer about the secret the request names, with the given fields. */
    private static String secret(JsonNode request, Map<String, Object> fields) throws IOException {
        String id = request.path("SecretId").asText();
        String name = id.startsWith("arn:") ? id.substring(id.indexOf(":secret:") + 8) : id;
        Map<String, Object> answer = new java.util.LinkedHashMap<>();
        answer.put("ARN", AwsCallRecorder.secretArn(Template.REGION, id));
        answer.put("Name", name);
        answer.putAll(fields);
        return JSON.writeValueAsString(answer);
    }

    private void refuse(HttpExchange exchange, String what) throws IOException {
        unknown.add(what);
        send(exchange, 400, JSON_1_1, "{\"__type\":\"UnknownOperationException\",\"message\":\"the template check's"
                + " loopback AWS does not serve " + what.replace('"', '\'') + "\"}");
    }

    private static void send(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", contentType);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** The detail-types of the events received, in order. */
    List<String> detailTypes() {
        List<String> types = new ArrayList<>();
        events.forEach(e -> types.add(e.detailType()));
        return types;
    }
}
