package dev.gracekeys.templatecheck;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gracekeys.testkit.LoopbackAws;
import dev.gracekeys.testkit.LoopbackAws.Reply;

import java.io.UncheckedIOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The kit's {@link LoopbackAws} answering as the AWS services a contract run cannot reach
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
 * Anything else is answered 400 and listed in {@link #unknown()}, as is an answer that failed, so a run
 * cannot pass on a request this class did not expect.
 */
final class ContractAws implements AutoCloseable {

    /** What the loopback S3 serves: one JSON-lines import of two legacy keys. */
    static final String S3_IMPORT = """
            {"clientId":"S3DEV01","key":"legacy-s3-key-0001-abcdefgh"}
            {"clientId":"S3DEV02","key":"legacy-s3-key-0002-abcdefgh"}
            """;

    /** One PutEvents entry as received. */
    record Event(String eventBusName, String source, String detailType, JsonNode detail) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final LoopbackAws server;
    private final List<Event> events = new CopyOnWriteArrayList<>();
    private final List<String> secretsOperations = new CopyOnWriteArrayList<>();
    private final List<String> unknown = new CopyOnWriteArrayList<>();
    private final List<String> delivered = new CopyOnWriteArrayList<>();

    private ContractAws() {
        this.server = new LoopbackAws(this::answer);
    }

    static ContractAws start() {
        return new ContractAws();
    }

    /** The endpoint to give as {@code EVENTBRIDGE_ENDPOINT}, {@code SECRETSMANAGER_ENDPOINT}, {@code S3_ENDPOINT}. */
    URI endpoint() {
        return server.endpoint();
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

    /** Requests this stand-in does not serve, and answers that failed. */
    List<String> unknown() {
        List<String> all = new ArrayList<>(unknown);
        all.addAll(server.failures());
        return all;
    }

    @Override
    public void close() {
        server.close();
    }

    private Reply answer(LoopbackAws.Request request) {
        if (request.target() == null) {
            return "GET".equals(request.method())
                    ? Reply.content("application/octet-stream", S3_IMPORT)
                    : refuse(request.method() + " " + request.uri());
        }
        JsonNode body = read(request.body().isEmpty() ? "{}" : request.body());
        return switch (request.target()) {
            case "AWSEvents.PutEvents" -> putEvents(body);
            case "secretsmanager.PutSecretValue" -> {
                secretsOperations.add("PutSecretValue");
                delivered.add(body.path("SecretString").asText());
                yield Reply.ok(secret(body, Map.of("VersionId", "v2", "VersionStages", List.of("AWSPENDING"))));
            }
            case "secretsmanager.DescribeSecret" -> {
                secretsOperations.add("DescribeSecret");
                yield Reply.ok(secret(body, Map.of("VersionIdsToStages",
                        Map.of("v1", List.of("AWSCURRENT"), "v2", List.of("AWSPENDING")))));
            }
            case "secretsmanager.UpdateSecretVersionStage" -> {
                secretsOperations.add("UpdateSecretVersionStage");
                yield Reply.ok(secret(body, Map.of()));
            }
            default -> refuse(request.target());
        };
    }

    private Reply putEvents(JsonNode request) {
        JsonNode entries = request.path("Entries");
        StringBuilder answer = new StringBuilder("{\"FailedEntryCount\":0,\"Entries\":[");
        for (int i = 0; i < entries.size(); i++) {
            JsonNode e = entries.get(i);
            JsonNode detail = e.hasNonNull("Detail") ? read(e.get("Detail").asText()) : null;
            events.add(new Event(e.path("EventBusName").asText(null), e.path("Source").asText(null),
                    e.path("DetailType").asText(null), detail));
            answer.append(i == 0 ? "" : ",").append("{\"EventId\":\"").append(events.size()).append("\"}");
        }
        return Reply.ok(answer.append("]}").toString());
    }

    /** A Secrets Manager answer about the secret the request names, with the given fields. */
    private static String secret(JsonNode request, Map<String, Object> fields) {
        String id = request.path("SecretId").asText();
        String name = id.startsWith("arn:") ? id.substring(id.indexOf(":secret:") + 8) : id;
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("ARN", AwsCallRecorder.secretArn(Template.REGION, id));
        answer.put("Name", name);
        answer.putAll(fields);
        try {
            return JSON.writeValueAsString(answer);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode read(String json) {
        try {
            return JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Reply refuse(String what) {
        unknown.add(what);
        return Reply.error(400, "UnknownOperationException",
                "the template check's loopback AWS does not serve " + what);
    }
}
