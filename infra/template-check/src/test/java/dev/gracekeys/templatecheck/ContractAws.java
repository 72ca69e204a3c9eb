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
 *   <li>for a secret registered with {@link #rotationSecret} (rotate-secret's run), Secrets Manager
 *       with state: {@code GetSecretValue} by version id and stage, {@code PutSecretValue} as the
 *       version its {@code ClientRequestToken} names, {@code DescribeSecret} with each version's
 *       stages, {@code UpdateSecretVersionStage} moving a stage (AWSCURRENT's old version becomes
 *       AWSPREVIOUS), answering the errors Secrets Manager answers (ResourceNotFoundException for a
 *       version without a value, InvalidRequestException for a stage the version does not carry).</li>
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

    /** Versions of a secret registered for rotation: id to value (null: none yet) and stages, in order. */
    private final Map<String, Map<String, String>> rotationValues = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<String, Map<String, List<String>>> rotationStages = new java.util.concurrent.ConcurrentHashMap<>();

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

    /**
     * Registers {@code name} as a secret with state (rotate-secret's run): its version {@code v1}
     * holds {@code currentValue} as AWSCURRENT.
     */
    synchronized void rotationSecret(String name, String currentValue) {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("v1", currentValue);
        Map<String, List<String>> stages = new LinkedHashMap<>();
        stages.put("v1", new ArrayList<>(List.of("AWSCURRENT")));
        rotationValues.put(name, values);
        rotationStages.put(name, stages);
    }

    /** What RotateSecret does before it invokes the rotation function: version {@code t}, AWSPENDING, no value. */
    synchronized void startRotation(String name, String t) {
        rotationStages.get(name).values().forEach(stages -> stages.remove("AWSPENDING"));
        rotationStages.get(name).put(t, new ArrayList<>(List.of("AWSPENDING")));
        rotationValues.get(name).put(t, null);
    }

    /** The value of the version of {@code name} carrying {@code stage}, or null. */
    synchronized String valueWith(String name, String stage) {
        for (Map.Entry<String, List<String>> v : rotationStages.get(name).entrySet()) {
            if (v.getValue().contains(stage)) {
                return rotationValues.get(name).get(v.getKey());
            }
        }
        return null;
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
        if (request.target().startsWith("secretsmanager.") && rotationStages.containsKey(name(body))) {
            return rotating(request.target().substring("secretsmanager.".length()), body);
        }
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

    /** Secrets Manager with state, for a secret registered with {@link #rotationSecret}. */
    private synchronized Reply rotating(String operation, JsonNode body) {
        secretsOperations.add(operation);
        String name = name(body);
        Map<String, String> values = rotationValues.get(name);
        Map<String, List<String>> stages = rotationStages.get(name);
        switch (operation) {
            case "DescribeSecret" -> {
                Map<String, List<String>> labelled = new LinkedHashMap<>();
                stages.forEach((v, s) -> {
                    if (!s.isEmpty()) {
                        labelled.put(v, List.copyOf(s));
                    }
                });
                return Reply.ok(secret(body, Map.of("VersionIdsToStages", labelled)));
            }
            case "GetSecretValue" -> {
                String version = body.path("VersionId").asText(null);
                String stage = body.path("VersionStage").asText("AWSCURRENT");
                if (version == null) {
                    version = stages.entrySet().stream().filter(e -> e.getValue().contains(stage)).map(Map.Entry::getKey)
                            .findFirst().orElse(null);
                }
                if (version == null || !stages.containsKey(version)) {
                    return Reply.error(400, "ResourceNotFoundException", "no such version");
                }
                if (!stages.get(version).contains(stage)) {
                    return Reply.error(400, "InvalidRequestException",
                            "You provided a VersionStage that is not associated to the provided VersionId.");
                }
                if (values.get(version) == null) {
                    return Reply.error(400, "ResourceNotFoundException", "no value for that version");
                }
                return Reply.ok(secret(body, Map.of("VersionId", version, "SecretString", values.get(version),
                        "VersionStages", List.copyOf(stages.get(version)))));
            }
            case "PutSecretValue" -> {
                String version = body.path("ClientRequestToken").asText();
                String value = body.path("SecretString").asText();
                if (values.get(version) != null && !values.get(version).equals(value)) {
                    return Reply.error(400, "ResourceExistsException", "that version exists with another value");
                }
                values.put(version, value);
                delivered.add(value);
                List<String> labels = new ArrayList<>();
                body.path("VersionStages").forEach(l -> labels.add(l.asText()));
                if (labels.isEmpty()) {
                    labels.add("AWSCURRENT");
                }
                for (String label : labels) {
                    stages.values().forEach(s -> s.remove(label));
                }
                List<String> own = stages.computeIfAbsent(version, v -> new ArrayList<>());
                labels.stream().filter(l -> !own.contains(l)).forEach(own::add);
                return Reply.ok(secret(body, Map.of("VersionId", version, "VersionStages", List.copyOf(own))));
            }
            case "UpdateSecretVersionStage" -> {
                String stage = body.path("VersionStage").asText();
                String to = body.path("MoveToVersionId").asText(null);
                String from = body.path("RemoveFromVersionId").asText(null);
                if ((to != null && !stages.containsKey(to)) || (from != null && !stages.containsKey(from))) {
                    return Reply.error(400, "InvalidParameterException", "not a valid version");
                }
                if (from != null && !stages.get(from).contains(stage)) {
                    return Reply.error(400, "InvalidParameterException", "the stage is not on RemoveFromVersionId");
                }
                if (from != null) {
                    stages.get(from).remove(stage);
                    if ("AWSCURRENT".equals(stage)) {
                        stages.values().forEach(s -> s.remove("AWSPREVIOUS"));
                        stages.get(from).add("AWSPREVIOUS");
                    }
                }
                if (to != null && !stages.get(to).contains(stage)) {
                    stages.get(to).add(stage);
                }
                return Reply.ok(secret(body, Map.of()));
            }
            default -> {
                return refuse("secretsmanager." + operation);
            }
        }
    }

    /** The secret's name from a request's SecretId (a name, or an ARN ending in -XXXXXX). */
    private static String name(JsonNode request) {
        String id = request.path("SecretId").asText();
        if (!id.startsWith("arn:")) {
            return id;
        }
        String rest = id.substring(id.indexOf(":secret:") + 8);
        return rest.length() > 7 && rest.charAt(rest.length() - 7) == '-' ? rest.substring(0, rest.length() - 7) : rest;
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
