package dev.gracekeys.reliability;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gracekeys.core.events.DomainEvent;
import dev.gracekeys.core.events.LoggingEventPublisher;
import dev.gracekeys.store.dynamodb.testing.DynamoDbLocalExtension;
import dev.gracekeys.store.dynamodb.testing.TestTable;
import dev.gracekeys.core.token.Pepper;
import dev.gracekeys.core.token.TokenFormat;
import dev.gracekeys.core.token.TokenHasher;
import dev.gracekeys.functions.authorizer.VerifyAuthorizerHandler;
import dev.gracekeys.functions.backfill.BackfillHandler;
import dev.gracekeys.functions.describe.DescribeHandler;
import dev.gracekeys.functions.expiresweep.ExpireSweepHandler;
import dev.gracekeys.functions.revokeold.RevokeOldHandler;
import dev.gracekeys.functions.rotate.RotateHandler;
import dev.gracekeys.functions.setstatus.SetStatusHandler;
import dev.gracekeys.lambda.LambdaTestKit;
import io.micronaut.function.aws.MicronautRequestHandler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static dev.gracekeys.reliability.FuzzInputs.VALID_ARN;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Secrets never leak. A full ops story runs through the real handlers (create, rotate with grace,
 * rotate, pushes with every token, revoke-old, set-status off and on, rotate with grace 0, describe,
 * list, backfill of raw legacy keys and of SHA-256 records with a dry run, a re-run, conflicts and
 * rejections, expire-sweep after the clock moved, failures of the store), then a smaller fuzz run
 * of the authorizer and the ops functions with the story's real secrets planted in wrong places.
 * Meanwhile every line on System.out and System.err is captured (the dev.gracekeys loggers at
 * DEBUG), every published event is kept (and also written as the production log-line publisher
 * writes it), and every exception message and every response is collected.
 *
 * <p>Afterwards none of it may contain an issued token (whole, or any 12 characters of its 50-char
 * random part: the tokenId shows only 6), a DynamoDB key hash (every {@code TOKEN#} key the table
 * ever held, and the hash of every token and key, computed), a legacy raw key or its SHA-256, or the
 * pepper (base64, raw, hex): not even 16 characters of one. Any checksummed token at all (found by
 * its shape and checksum, even one the test never saw) counts too. The only place a token may appear
 * is the {@code token} field of rotate's response, shown once.
 */
@ExtendWith(DynamoDbLocalExtension.class)
class LeakCaptureIT {

    static final int FUZZ_AUTHORIZER_EVENTS = 1_000;
    static final int FUZZ_OPS_PER_FUNCTION = 40;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PEPPER_CHARS = FuzzInputs.BASE62 + "!#$%&()*+,-./:;<=>?@[]^_{|}~";

    @Test
    void opsStoryAndFuzz_leakNoTokenHashKeyOrPepper_toLogsEventsOrErrors(TestTable table) throws Exception {
        long seed = FuzzInputs.seed(0x1EA6_2026L);
        System.out.println("[LeakCaptureIT] seed " + seed);
        FuzzInputs in = new FuzzInputs(seed);
        // The pepper: 48 random printable characters, so its raw form is searchable text too.
        String pepperRaw = in.fromAlphabet(PEPPER_CHARS, 48);
        byte[] pepperBytes = pepperRaw.getBytes(StandardCharsets.US_ASCII);
        String pepperB64 = Base64.getEncoder().encodeToString(pepperBytes);
        LambdaTestKit kit = new LambdaTestKit(table).with("PEPPER", pepperB64);

        Story story = new Story(kit, in);
        String captured;
        boolean debug;
        try (LeakScanner.Capture capture = new LeakScanner.Capture()) {
            debug = capture.debug;
            try {
                long t0 = System.nanoTime();
                story.open(kit, Story.ALL);
                long t1;
                long t2;
                try {
                    story.story();
                    t1 = System.nanoTime();
                    story.fuzz();
                    t2 = System.nanoTime();
                } finally {
                    story.closeAll();
                }
                story.phases = "story " + (t1 - t0) / 1_000_000 + " ms, fuzz " + (t2 - t1) / 1_000_000 + " ms";
                story.storeFailures(new LambdaTestKit(table).with("PEPPER", pepperB64)
                        .with("DYNAMODB_ENDPOINT", "http://127.0.0.1:9").with("VERIFY_TIMEOUT_MILLIS", "300"),
                        new LambdaTestKit(table).with("PEPPER", pepperB64).with("TABLE_NAME", "no-such-table"));
                Map<String, String> mdc = org.slf4j.MDC.getCopyOfContextMap();
                assertTrue(mdc == null || mdc.isEmpty(), "every invocation cleared its MDC: " + mdc);
                story.refusingBus(kit);
                // Every event also as the production log-line publisher writes it (no EVENT_BUS_NAME).
                new LoggingEventPublisher().publish(kit.events.events());
                story.phases += ", store failures " + (System.nanoTime() - t2) / 1_000_000 + " ms";
            } finally {
                captured = capture.text();
            }
        }

        // ---- what must not appear anywhere
        TokenFormat format = TokenFormat.defaults();
        LeakScanner scanner = new LeakScanner(format);
        TokenHasher hasher = new TokenHasher(Pepper.fromBase64(pepperB64));
        for (String t : story.tokens) {
            scanner.add("token", t, t.length());
            scanner.add("token random part", t.substring(format.prefix().length(),
                    format.prefix().length() + TokenFormat.RANDOM_CHARS), 12);
            scanner.add("token hash", hasher.keyOfToken(t).value(), 16);
        }
        for (String k : story.legacyKeys) {
            scanner.add("legacy key", k, 16);
            scanner.add("token hash", hasher.keyOfLegacyKey(k).value(), 16);
            String hex = sha256Hex(k);
            scanner.add("legacy sha256", hex, 16);
            scanner.add("legacy sha256", hex.toUpperCase(Locale.ROOT), 16);
        }
        for (String pk : story.keysEverStored) {
            scanner.add("stored key hash", pk, 16);
        }
        scanner.add("pepper (base64)", pepperB64, 16);
        scanner.add("pepper (base64url)", Base64.getUrlEncoder().withoutPadding().encodeToString(pepperBytes), 16);
        scanner.add("pepper (raw)", pepperRaw, 16);
        scanner.add("pepper (hex)", HexFormat.of().formatHex(pepperBytes), 16);

        // The scanner itself: it must see a run of a token's random part, a hash, and the pepper.
        String control = "x" + story.tokens.get(0).substring(20, 34) + " " + story.keysEverStored.iterator().next()
                .substring(5, 25) + " " + pepperB64.substring(30, 50);
        assertEquals(3, scanner.scan("control", control).size(), "the scanner finds what it watches");

        List<String> eventTexts = new ArrayList<>();
        for (DomainEvent e : kit.events.events()) {
            Map<String, Object> envelope = new LinkedHashMap<>();
            envelope.put("source", DomainEvent.SOURCE);
            envelope.put("detail-type", e.type());
            envelope.put("time", e.time().toString());
            envelope.put("detail", e.detail());
            eventTexts.add(JSON.writeValueAsString(envelope));
            eventTexts.add(e.toString());
        }
        List<String> findings = new ArrayList<>();
        findings.addAll(scanner.scan("captured System.out/System.err", captured));
        findings.addAll(scanner.scan("events", String.join("\n", eventTexts)));
        findings.addAll(scanner.scan("exception messages", String.join("\n", story.messages)));
        findings.addAll(scanner.scan("responses (rotate's token field left out)", String.join("\n", story.responses)));

        long lines = captured.lines().count();
        Map<String, Integer> eventTypes = new TreeMap<>();
        kit.events.events().forEach(e -> eventTypes.merge(e.type(), 1, Integer::sum));
        System.out.println("[LeakCaptureIT] captured " + lines + " log lines (" + captured.length() + " chars, dev.gracekeys at "
                + (debug ? "DEBUG" : "INFO") + "), " + kit.events.events().size() + " events " + eventTypes + ", "
                + story.messages.size() + " exception messages, " + story.responses.size() + " responses; "
                + story.invocations + " handler invocations (" + story.fuzzEvents + " fuzzed authorizer events, "
                + story.fuzzPayloads + " fuzzed ops payloads); watched secrets " + new TreeMap<>(scanner.watched())
                + " -> " + findings.size() + " leaks (" + story.phases + ")");

        assertEquals(List.of(), findings, "secrets leaked");
        Signals.check(captured, story.invoked);
        // The capture really captured: the INFO lines of the sweep and the backfill, the DEBUG deny reasons.
        assertTrue(captured.contains("expiry sweep:"), "the sweep's log line was captured");
        assertTrue(captured.contains("backfill progress"), "the backfill's log line was captured");
        assertTrue(captured.contains("verify denied: the token store did not answer"), "the fail-closed WARN was captured");
        assertTrue(captured.contains("event TokenRotated"), "the log-line event publisher's lines were captured");
        if (debug) {
            assertTrue(captured.contains("denied: MALFORMED") && captured.contains("denied: UNKNOWN"),
                    "the DEBUG deny reasons were captured");
        }
        for (String type : List.of(DomainEvent.CLIENT_CREATED, DomainEvent.TOKEN_ROTATED, DomainEvent.PREVIOUS_TOKEN_REVOKED,
                DomainEvent.PREVIOUS_TOKEN_EXPIRED, DomainEvent.PREVIOUS_TOKEN_EXPIRING_SOON,
                DomainEvent.CLIENT_STATUS_CHANGED, DomainEvent.BACKFILL_COMPLETED)) {
            assertTrue(eventTypes.containsKey(type), "the story published " + type);
        }
        assertEquals(List.of(), story.surprises, "the story went as planned");
    }

    /**
     * The same question on the wire, through the local stack: ops call the functions through the
     * Lambda Invoke API (function errors come back as {@code {"errorType","errorMessage"}} bodies,
     * as on AWS), pushes go through the HTTP API and the authorizer, events go to events.jsonl and
     * are printed on the stack's console. Nothing the stack prints or writes, and no answer but
     * rotate's {@code token} field, may hold a token, a key hash, a legacy key or the pepper.
     */
    @Test
    void throughTheLocalStack_consoleEventsFileAndErrorBodies_leakNothing(@org.junit.jupiter.api.io.TempDir
                                                                           java.nio.file.Path dir) throws Exception {
        FuzzInputs in = new FuzzInputs(FuzzInputs.seed(0x10CA1_2026L));
        String pepperRaw = in.fromAlphabet(PEPPER_CHARS, 48);
        byte[] pepperBytes = pepperRaw.getBytes(StandardCharsets.US_ASCII);
        String pepperB64 = Base64.getEncoder().encodeToString(pepperBytes);
        java.io.ByteArrayOutputStream console = new java.io.ByteArrayOutputStream();
        List<String> tokens = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        List<String> bodies = new ArrayList<>();
        Set<String> stored = new LinkedHashSet<>();
        List<String> surprises = new ArrayList<>();
        String captured;
        String eventsFile;
        try (LeakScanner.Capture capture = new LeakScanner.Capture()) {
            try (dev.gracekeys.local.LocalSystem stack = dev.gracekeys.local.LocalSystem.start(
                    new dev.gracekeys.local.LocalOptions(dir, true, 0, 0, 0, 0, true), Map.of("PEPPER", pepperB64, "LEGACY_KEY_PATTERN", dev.gracekeys.core.testing.Fixture.LEGACY_KEYS),
                    new java.io.PrintStream(console, true, StandardCharsets.UTF_8))) {
                Wire wire = new Wire(stack, bodies, tokens);
                String t1 = wire.rotate("{\"clientId\":\"WIRE01\",\"create\":true,\"name\":\"Wire fleet\"}");
                String t2 = wire.rotate("{\"clientId\":\"WIRE01\",\"graceSeconds\":3600}");
                wire.expectPush(t1, 200, surprises);
                wire.expectPush(t2, 200, surprises);
                String t3 = wire.rotate("{\"clientId\":\"WIRE01\",\"graceSeconds\":7200}");
                wire.expectPush(t1, 403, surprises);
                wire.invoke("revoke-old", "{\"clientId\":\"WIRE01\",\"graceSeconds\":60}");
                wire.invoke("set-status", "{\"clientId\":\"WIRE01\",\"active\":false}");
                wire.expectPush(t3, 403, surprises);
                wire.invoke("set-status", "{\"clientId\":\"WIRE01\",\"active\":true}");
                String t4 = wire.rotate("{\"clientId\":\"WIRE01\",\"graceSeconds\":0}");
                wire.expectPush(t3, 403, surprises);
                wire.expectPush(t4, 200, surprises);
                wire.rotate("{\"clientId\":\"WIRE02\",\"create\":true}");
                wire.rotate("{\"clientId\":\"WIRE02\",\"graceSeconds\":3600}"); // expires before the sweep
                wire.invoke("describe", "{\"clientId\":\"WIRE01\"}");
                wire.invoke("describe", "{\"limit\":10}");
                for (int i = 0; i < 3; i++) {
                    keys.add("wk-" + in.fromAlphabet(FuzzInputs.BASE62, 29));
                }
                wire.invoke("backfill", "{\"records\":[{\"clientId\":\"WLEGACY1\",\"key\":\"" + keys.get(0) + "\"},"
                        + "{\"clientId\":\"WLEGACY2\",\"sha256\":\"" + sha256Hex(keys.get(1)) + "\"},"
                        + "{\"clientId\":\"bad id\",\"key\":\"" + keys.get(2) + "\"},"
                        + "{\"clientId\":\"WLEGACY4\",\"key\":\"" + t4 + "\"}]}");
                wire.expectPush(keys.get(0), 200, surprises);
                wire.expectPush(keys.get(1), 200, surprises);
                wire.expectPush(keys.get(2), 403, surprises);
                // errors, with the secrets where they do not belong
                for (String secret : List.of(t4, keys.get(0))) {
                    wire.invoke("rotate", "{\"clientId\":\"WIRE01\",\"name\":\"" + secret + "\"}");
                    wire.invoke("rotate", "{\"clientId\":\"WIRE01\",\"graceSeconds\":\"" + secret + "\"}");
                    wire.invoke("rotate", "{\"clientId\":\"WIRE01\",\"token\":\"" + secret + "\"}");
                    wire.invoke("describe", "{\"cursor\":\"" + secret + "\"}");
                    wire.invoke("set-status", "{\"clientId\":\"WIRE01\",\"active\":\"" + secret + "\"}");
                    wire.invoke("backfill", "{\"s3\":{\"bucket\":\"" + secret + "\",\"secret\":\"" + secret + "\"}}");
                    wire.invoke("rotate", "{\"clientId\":\"WIRE01\",\"name\":\"" + secret); // not JSON
                    wire.invoke("verify-authorizer", "{\"type\":\"TOKEN\",\"authorizationToken\":\"Basic " + secret
                            + "\",\"methodArn\":\"" + VALID_ARN + "\"}");
                    wire.push("Basic " + secret);
                    wire.push("Bearer " + secret + "!");
                }
                wire.invoke("rotate", "[\"" + t4 + "\"]");
                wire.invoke("rotate", "{\"clientId\":\"NOSUCH\"}");
                wire.clock(3 * 3600);
                wire.expectPush(t3, 403, surprises);
                wire.invoke("expire-sweep", "{}");
                try (var dynamo = dev.gracekeys.testkit.DynamoDbLocal.client(stack.dynamoEndpoint())) {
                    dynamo.scanPaginator(r -> r.tableName(dev.gracekeys.local.LocalSystem.TABLE)).items().forEach(item -> {
                        String pk = item.get("pk").s();
                        if (pk.startsWith("TOKEN#")) {
                            stored.add(pk.substring("TOKEN#".length()));
                        }
                    });
                }
                eventsFile = java.nio.file.Files.readString(stack.eventsFile());
            } finally {
                captured = capture.text();
            }
        }

        TokenFormat format = TokenFormat.defaults();
        LeakScanner scanner = new LeakScanner(format);
        TokenHasher hasher = new TokenHasher(Pepper.fromBase64(pepperB64));
        for (String t : tokens) {
            scanner.add("token", t, t.length());
            scanner.add("token random part", t.substring(3, 3 + TokenFormat.RANDOM_CHARS), 12);
            scanner.add("token hash", hasher.keyOfToken(t).value(), 16);
        }
        for (String k : keys) {
            scanner.add("legacy key", k, 16);
            scanner.add("legacy sha256", sha256Hex(k), 16);
            scanner.add("token hash", hasher.keyOfLegacyKey(k).value(), 16);
        }
        stored.forEach(pk -> scanner.add("stored key hash", pk, 16));
        scanner.add("pepper (base64)", pepperB64, 16);
        scanner.add("pepper (raw)", pepperRaw, 16);
        scanner.add("pepper (hex)", HexFormat.of().formatHex(pepperBytes), 16);
        String consoleText = console.toString(StandardCharsets.UTF_8);
        List<String> findings = new ArrayList<>();
        findings.addAll(scanner.scan("the stack's console", consoleText));
        findings.addAll(scanner.scan("captured System.out/System.err", captured));
        findings.addAll(scanner.scan("events.jsonl", eventsFile));
        findings.addAll(scanner.scan("Invoke API and /push answers (rotate's token field left out)",
                String.join("\n", bodies)));
        System.out.println("[LeakCaptureIT] local stack: " + bodies.size() + " answers, " + consoleText.lines().count()
                + " console lines, " + captured.lines().count() + " log lines, " + eventsFile.lines().count()
                + " events in events.jsonl; watched " + new TreeMap<>(scanner.watched()) + " -> " + findings.size()
                + " leaks");
        assertEquals(List.of(), findings, "secrets leaked");
        assertEquals(List.of(), surprises, "the story went as planned");
        assertTrue(consoleText.contains("[event] TokenRotated"), "the console printed the events");
        assertTrue(eventsFile.contains("PreviousTokenExpired"), "the sweep ran after the clock moved");
        assertTrue(bodies.stream().anyMatch(b -> b.contains("ValidationException")), "errors came back as bodies");
    }

    /** The local stack's Lambda Invoke API and HTTP API, over HTTP. */
    static final class Wire {
        private final dev.gracekeys.local.LocalSystem stack;
        private final List<String> bodies;
        private final List<String> tokens;
        private final java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();

        Wire(dev.gracekeys.local.LocalSystem stack, List<String> bodies, List<String> tokens) {
            this.stack = stack;
            this.bodies = bodies;
            this.tokens = tokens;
        }

        String invoke(String function, String payload) throws Exception {
            java.net.http.HttpResponse<String> r = http.send(java.net.http.HttpRequest.newBuilder(
                    stack.lambdaEndpoint().resolve("/2015-03-31/functions/" + function + "/invocations"))
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString(payload)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            String body = r.body();
            // A rotate that ran and succeeded: not a function error, nor an API error such as
            // InvalidRequestContentException for a payload that is not JSON (400, nothing ran).
            if (function.equals("rotate") && r.statusCode() == 200
                    && r.headers().firstValue("X-Amz-Function-Error").isEmpty()) {
                Map<?, ?> answer = JSON.readValue(body, Map.class);
                tokens.add((String) answer.get("token"));
                Map<Object, Object> shown = new LinkedHashMap<>(answer);
                shown.remove("token"); // shown once to the caller: the one place a token may be
                bodies.add(function + " " + JSON.writeValueAsString(shown));
            } else {
                bodies.add(function + " " + body);
            }
            return body;
        }

        String rotate(String payload) throws Exception {
            invoke("rotate", payload);
            return tokens.get(tokens.size() - 1);
        }

        int push(String authorization) throws Exception {
            java.net.http.HttpResponse<String> r = http.send(java.net.http.HttpRequest.newBuilder(
                    stack.httpEndpoint().resolve("/push")).header("Authorization", authorization)
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"temp\":21.5}")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            bodies.add("push " + r.statusCode() + " " + r.body());
            return r.statusCode();
        }

        void expectPush(String token, int status, List<String> surprises) throws Exception {
            int got = push("Bearer " + token);
            if (got != status) {
                surprises.add("push: expected " + status + ", got " + got);
            }
        }

        void clock(long seconds) throws Exception {
            http.send(java.net.http.HttpRequest.newBuilder(stack.httpEndpoint().resolve("/_local/clock?seconds=" + seconds))
                    .POST(java.net.http.HttpRequest.BodyPublishers.noBody()).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
        }
    }

    /**
     * Demonstrates a gap (see the report in docs/security.md): a token pasted where a clientId
     * belongs is echoed in the error message, because a token is a valid-looking clientId (59
     * characters of A-Z a-z 0-9 _) and messages quote the clientId ({@code ClientNotFoundException}
     * "no client 'gk_...'", and {@code Validation.printable} up to 70 characters of an invalid one).
     * The checksum makes such a value recognisable without any lookup.
     */
    @Test
    void tokenPastedAsClientId_isNotEchoedInTheError(TestTable table) {
        LambdaTestKit kit = new LambdaTestKit(table);
        String token = kit.core().tokens().rotate(new dev.gracekeys.core.ops.Requests.RotateRequest(
                "PASTE01", null, true, null)).token();
        LeakScanner scanner = new LeakScanner(TokenFormat.defaults());
        List<String> findings = new ArrayList<>();
        try (DescribeHandler describe = new DescribeHandler(kit.context());
             RevokeOldHandler revoke = new RevokeOldHandler(kit.context())) {
            for (Object payload : List.of(Map.of("clientId", token), Map.of("clientId", token + "\n"))) {
                for (RequestHandler<Object, Map<String, Object>> h : List.of(raw(describe), raw(revoke))) {
                    try {
                        h.handleRequest(payload, LambdaTestKit.lambdaContext());
                    } catch (RuntimeException e) {
                        findings.addAll(scanner.scan(e.getClass().getSimpleName(), String.valueOf(e.getMessage())));
                    }
                }
            }
        }
        assertEquals(List.of(), findings);
    }

    static String sha256Hex(String s) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    static RequestHandler<Object, Map<String, Object>> raw(RequestHandler<?, ?> handler) {
        return (RequestHandler) handler;
    }

    // ---------------------------------------------------------------- the story

    /**
     * What the handlers wrote to stdout: JSON lines, EMF metric lines among them. A line written
     * inside a {@code handleRequest} invocation carries that invocation's {@code awsRequestId} and
     * {@code functionName} (as on AWS, where every invocation goes through {@code handleRequest});
     * the test's direct {@code execute()} calls (a shortcut that skips the Context) are marked
     * {@link Story#SHORTCUT} in the MDC instead, and must carry no request id. No line carries
     * Micronaut's own diagnostic keys ({@code AWSRequestId}, {@code AWSFunctionArn}, ...).
     *
     * @param invoked every request id the test invoked a handler with, and the function it named
     */
    static final class Signals {
        static void check(String captured, Map<String, String> invoked) throws Exception {
            java.util.Set<String> seen = new java.util.TreeSet<>();
            int invocationLines = 0;
            int shortcutVerifies = 0;
            JsonNodeHolder verify = new JsonNodeHolder();
            for (String line : captured.split("\n")) {
                if (line.isBlank()) {
                    continue;
                }
                com.fasterxml.jackson.databind.JsonNode j;
                try {
                    j = JSON.readTree(line);
                } catch (Exception e) {
                    throw new AssertionError("not a JSON line: " + line, e);
                }
                assertTrue(j.isObject() && j.hasNonNull("timestamp") && j.hasNonNull("level") && j.hasNonNull("message")
                        && j.hasNonNull("logger"), "a JSON log line with timestamp/level/message/logger: " + line);
                j.fieldNames().forEachRemaining(f -> assertFalse(f.startsWith("AWS"),
                        "no Micronaut diagnostic key (" + f + ") beside awsRequestId/functionName: " + line));
                boolean shortcut = j.has(Story.SHORTCUT);
                if (j.has("awsRequestId")) {
                    invocationLines++;
                    String fn = invoked.get(j.get("awsRequestId").asText());
                    assertTrue(fn != null, "a request id the test invoked a handler with: " + line);
                    assertTrue(j.hasNonNull("functionName") && fn.equals(j.get("functionName").asText()),
                            "an invocation's line names its function (" + fn + "): " + line);
                    assertFalse(shortcut, "a handleRequest invocation starts with a cleared MDC: " + line);
                }
                com.fasterxml.jackson.databind.JsonNode aws = j.get("_aws");
                if (aws != null) {
                    for (com.fasterxml.jackson.databind.JsonNode d : aws.get("CloudWatchMetrics")) {
                        assertEquals("GraceKeys", d.get("Namespace").asText(), line);
                        assertFalse(d.get("Dimensions").toString().contains("clientId"), "clientId is no dimension: " + line);
                        for (com.fasterxml.jackson.databind.JsonNode m : d.get("Metrics")) {
                            String name = m.get("Name").asText();
                            seen.add(name);
                            assertTrue(j.get(name).isNumber(), "the value of " + name + " at the root: " + line);
                        }
                    }
                    if (j.has("VerifyDecisions")) {
                        // Every verify is one of the two: inside a handleRequest, or the test's shortcut.
                        assertTrue(shortcut != j.hasNonNull("awsRequestId"),
                                "a verify line carries its invocation's awsRequestId, or is the test's execute(): "
                                        + line);
                        if (j.get("Outcome").asText().startsWith("Allowed")) {
                            assertTrue(j.has("VerifyLatency") && j.hasNonNull("clientId"),
                                    "an allowed verify: decision, latency and clientId on one line: " + line);
                            if (shortcut) {
                                shortcutVerifies++;
                            } else {
                                assertEquals("verify-authorizer", j.get("functionName").asText(), line);
                                verify.node = j;
                            }
                        }
                    }
                }
            }
            java.util.Set<String> catalogue = new java.util.TreeSet<>();
            for (dev.gracekeys.core.metrics.Metric m : dev.gracekeys.core.metrics.Metric.values()) {
                catalogue.add(m.metricName());
            }
            assertEquals(catalogue, seen, "every metric of the catalogue, emitted by a real handler path");
            assertTrue(verify.node != null, "an allowed verify's EMF line, inside a handleRequest, was seen");
            assertTrue(shortcutVerifies > 0, "the shortcut's allowed verifies were told apart");
            assertTrue(invocationLines > 0, "lines carry the invocation's awsRequestId");
            assertTrue(captured.contains("\"message\":\"previous token expiring soon\""), "the sweep's notice line");
        }

        private static final class JsonNodeHolder {
            com.fasterxml.jackson.databind.JsonNode node;
        }
    }

    /** Drives the handlers; collects tokens, keys, stored key hashes, messages and responses. */
    static final class Story {
        final LambdaTestKit kit;
        final FuzzInputs in;
        final List<String> tokens = new ArrayList<>();
        final List<String> legacyKeys = new ArrayList<>();
        final Set<String> keysEverStored = new LinkedHashSet<>();
        final List<String> messages = new ArrayList<>();
        final List<String> responses = new ArrayList<>();
        final List<String> surprises = new ArrayList<>();
        final Map<String, RequestHandler<Object, Map<String, Object>>> fns = new LinkedHashMap<>();
        final List<MicronautRequestHandler<?, ?>> open = new ArrayList<>();
        VerifyAuthorizerHandler authorizer;
        int invocations;
        /** The request id of every handleRequest the story made, and the function it invoked. */
        final Map<String, String> invoked = new java.util.concurrent.ConcurrentHashMap<>();
        /**
         * MDC key set before the test's direct {@code authorizer.execute(...)} calls, which skip
         * {@code handleRequest} (and so its Context): their lines carry it instead of a request id.
         */
        static final String SHORTCUT = "testShortcut";
        int fuzzEvents;
        int fuzzPayloads;
        String phases = "";

        Story(LambdaTestKit kit, FuzzInputs in) {
            this.kit = kit;
            this.in = in;
        }

        static final List<String> ALL = List.of("rotate", "revoke-old", "describe", "set-status", "backfill",
                "expire-sweep", "verify-authorizer");

        /**
         * One rotate through the production event publisher, to a bus that refuses every entry
         * (the publisher gives up and counts EventPublishFailures; the rotation itself stands).
         */
        void refusingBus(LambdaTestKit k) throws Exception {
            try (dev.gracekeys.testkit.LoopbackAws bus = new dev.gracekeys.testkit.LoopbackAws((op, body) ->
                    dev.gracekeys.testkit.LoopbackAws.Reply.ok("{\"FailedEntryCount\":1,\"Entries\":[{\"ErrorCode\":"
                            + "\"InternalFailure\",\"ErrorMessage\":\"x\"}]}"))) {
                Map<String, String> settings = new LinkedHashMap<>(k.settings());
                settings.put("EVENT_BUS_NAME", "gk-events");
                settings.put("EVENTBRIDGE_ENDPOINT", bus.endpoint().toString());
                io.micronaut.context.ApplicationContextBuilder context = new io.micronaut.function.aws.LambdaApplicationContextBuilder();
                context.singletons(dev.gracekeys.lambda.Settings.of(settings), k.clock,
                        (dev.gracekeys.aws.eventbridge.EventBridgePublisher.Backoff) attempt -> { });
                try (RotateHandler rotate = new RotateHandler(context)) {
                    Map<String, Object> out = raw(rotate).handleRequest(Map.of("clientId", "LEAKBUS", "create", true),
                            context("rotate"));
                    tokens.add((String) out.get("token"));
                }
            }
        }

        /** Starts the named functions' handlers (each its own Micronaut context) over {@code k}. */
        void open(LambdaTestKit k, List<String> names) {
            for (String name : names) {
                MicronautRequestHandler<?, ?> h = switch (name) {
                    case "rotate" -> new RotateHandler(k.context());
                    case "revoke-old" -> new RevokeOldHandler(k.context());
                    case "describe" -> new DescribeHandler(k.context());
                    case "set-status" -> new SetStatusHandler(k.context());
                    case "backfill" -> new BackfillHandler(k.context());
                    case "expire-sweep" -> new ExpireSweepHandler(k.context());
                    default -> authorizer = new VerifyAuthorizerHandler(k.context());
                };
                open.add(h);
                fns.put(name, raw(h));
            }
        }

        void closeAll() {
            for (MicronautRequestHandler<?, ?> h : open) {
                try {
                    h.close();
                } catch (RuntimeException e) {
                    // a context whose store was never reachable
                }
            }
            open.clear();
            fns.clear();
        }

        /** Invokes a function; its answer or error goes to the collections. */
        Map<String, Object> call(String fn, Object payload) {
            invocations++;
            try {
                Map<String, Object> out = fns.get(fn).handleRequest(payload, context(fn));
                Map<String, Object> shown = new LinkedHashMap<>(out);
                if (fn.equals("rotate") && out.get("token") instanceof String t) {
                    tokens.add(t);
                    shown.remove("token"); // shown once to the caller: the one place a token may be
                }
                responses.add(fn + " " + json(shown));
                return out;
            } catch (Throwable e) {
                StringBuilder b = new StringBuilder(fn + ": ");
                for (Throwable t = e; t != null; t = t.getCause()) {
                    b.append(t).append(" | ");
                }
                messages.add(b.toString());
                return null;
            }
        }

        /** As Lambda gives one to each invocation: the function's name and a new request id. */
        com.amazonaws.services.lambda.runtime.Context context(String fn) {
            String requestId = java.util.UUID.randomUUID().toString();
            invoked.put(requestId, fn);
            return dev.gracekeys.testkit.LambdaContext.of(fn).withRequestId(requestId);
        }

        /** The test's shortcut past handleRequest: no Context, so its lines are marked instead. */
        Map<String, Object> execute(Object event) {
            org.slf4j.MDC.put(SHORTCUT, "execute"); // execute() clears the MDC when it returns
            return authorizer.execute(event);
        }

        private static String json(Object o) {
            try {
                return JSON.writeValueAsString(o);
            } catch (Exception e) {
                return String.valueOf(o);
            }
        }

        Map<String, Object> ok(String fn, Object payload) {
            Map<String, Object> out = call(fn, payload);
            if (out == null) {
                surprises.add(fn + " failed: " + messages.get(messages.size() - 1).replaceAll("gk_\\w+", "gk_..."));
            }
            return out;
        }

        void fails(String fn, Object payload, String errorType) {
            if (call(fn, payload) != null) {
                surprises.add(fn + " did not fail with " + errorType);
            } else if (!messages.get(messages.size() - 1).contains(errorType)) {
                surprises.add(fn + " failed, but not with " + errorType);
            }
        }

        String rotate(Map<String, Object> payload) {
            Map<String, Object> out = ok("rotate", new LinkedHashMap<>(payload));
            return out == null ? null : (String) out.get("token");
        }

        /** A push with this token; the answer must be {@code allowed}. */
        void push(String token, boolean allowed, String why) {
            Map<String, Object> event;
            switch (in.rnd.nextInt(3)) {
                case 0 -> {
                    event = new LinkedHashMap<>(Map.of("version", "2.0", "type", "REQUEST", "routeArn", VALID_ARN,
                            "headers", Map.of("authorization", "Bearer " + token)));
                }
                case 1 -> {
                    event = new LinkedHashMap<>(Map.of("version", "2.0", "type", "REQUEST", "routeArn", VALID_ARN,
                            "headers", Map.of("Authorization", "bearer " + token)));
                }
                default -> {
                    event = new LinkedHashMap<>(Map.of("type", "TOKEN", "methodArn", VALID_ARN,
                            "authorizationToken", "Bearer " + token));
                }
            }
            Map<String, Object> out = call("verify-authorizer", event);
            if (out == null || FuzzAuthorizerIT.isAllowed(out) != allowed) {
                surprises.add("push " + why + ": expected " + (allowed ? "allow" : "deny"));
            }
        }

        private void snapshot() {
            for (Map<String, AttributeValue> item : kit.table.snapshot()) {
                String pk = item.get("pk").s();
                if (pk.startsWith("TOKEN#")) {
                    keysEverStored.add(pk.substring("TOKEN#".length()));
                }
            }
        }

        void story() throws Exception {
            // create, rotate with grace, rotate again (drops the oldest), pushes with each token
            String t1 = rotate(Map.of("clientId", "LEAK01", "create", true, "name", "Leak fleet"));
            push(t1, true, "t1 current");
            snapshot();
            String t2 = rotate(Map.of("clientId", "LEAK01", "graceSeconds", 3600));
            push(t1, true, "t1 previous");
            push(t2, true, "t2 current");
            snapshot();
            String t3 = rotate(Map.of("clientId", "LEAK01"));
            push(t1, false, "t1 dropped");
            push(t2, true, "t2 previous");
            snapshot();
            ok("revoke-old", Map.of("clientId", "LEAK01", "graceSeconds", 600)); // reschedule
            ok("revoke-old", Map.of("clientId", "LEAK01")); // revoke now
            push(t2, false, "t2 revoked");
            snapshot();
            ok("set-status", Map.of("clientId", "LEAK01", "active", false));
            push(t3, false, "t3 inactive");
            fails("rotate", Map.of("clientId", "LEAK01"), "ClientInactiveException");
            ok("set-status", Map.of("clientId", "LEAK01", "active", true));
            push(t3, true, "t3 reactivated");
            String t4 = rotate(Map.of("clientId", "LEAK01", "graceSeconds", 0));
            push(t3, false, "t3 revoked by grace 0");
            push(t4, true, "t4 current");
            snapshot();

            // clients whose previous token expires soon, and one that the sweep will expire
            String t5 = rotate(Map.of("clientId", "LEAK02", "create", true));
            rotate(Map.of("clientId", "LEAK02", "graceSeconds", 7200));
            rotate(Map.of("clientId", "LEAK03", "create", true, "name", "Soon"));
            rotate(Map.of("clientId", "LEAK03", "graceSeconds", 12 * 3600));
            snapshot();

            // describe, list, errors with names in them
            ok("describe", Map.of("clientId", "LEAK01"));
            Map<String, Object> page = ok("describe", Map.of("limit", 1));
            if (page != null && page.get("nextCursor") instanceof String cursor) {
                ok("describe", Map.of("limit", 2, "cursor", cursor));
            }
            ok("describe", Map.of());
            fails("rotate", Map.of("clientId", "NOSUCH01"), "ClientNotFoundException");
            fails("rotate", Map.of("clientId", "LEAK01", "create", true), "ClientAlreadyExistsException");
            fails("describe", Map.of("clientId", "NOSUCH01"), "ClientNotFoundException");

            // backfill: raw keys and SHA-256 records; dry run, run, re-run; conflicts and rejections
            List<String> k = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                String key = "lk-" + in.fromAlphabet(FuzzInputs.BASE62 + "._-", 29);
                k.add(key);
                legacyKeys.add(key);
            }
            List<Object> records = new ArrayList<>(List.of(
                    Map.of("clientId", "LEGACY01", "key", k.get(0), "name", "Legacy one", "createdAt", "2024-01-31T12:00:00Z"),
                    Map.of("clientId", "LEGACY02", "key", k.get(1)),
                    Map.of("clientId", "LEGACY03", "sha256", sha256Hex(k.get(2))),
                    Map.of("clientId", "LEGACY04", "sha256", sha256Hex(k.get(3)).toUpperCase(Locale.ROOT)),
                    Map.of("clientId", "LEAK01", "key", k.get(4)),                       // exists: conflict
                    Map.of("clientId", "LEGACY05", "key", k.get(0)),                     // key taken: conflict
                    Map.of("clientId", "bad id!", "key", k.get(5)),                      // rejected: clientId
                    Map.of("clientId", "LEGACY07", "key", k.get(6), "sha256", sha256Hex(k.get(6))), // both
                    Map.of("clientId", "LEGACY08", "key", k.get(7) + "\n"),              // key malformed
                    Map.of("clientId", "LEGACY09", "key", t4),                           // a live token: taken
                    Map.of("clientId", "LEGACY10", "sha256", sha256Hex(k.get(7)).substring(1)), // 63 digits
                    Map.of("clientId", "LEGACY11", "token", k.get(7))));                 // unknown field
            ok("backfill", Map.of("records", records, "dryRun", true));
            ok("backfill", Map.of("records", records));
            ok("backfill", Map.of("records", records)); // re-run: skipped
            snapshot();
            for (int i = 0; i < 4; i++) {
                push(k.get(i), true, "legacy key " + i);
            }
            push(k.get(5), false, "rejected legacy key");

            // the sweep, after the clock moved 3 hours: LEAK02's previous has expired
            kit.clock.advance(Duration.ofHours(3));
            push(t5, false, "t5 expired");
            ok("expire-sweep", Map.of("version", "0", "detail-type", "Scheduled Event", "source", "aws.events"));
            ok("expire-sweep", Map.of());
            snapshot();
        }

        /** A smaller fuzz run, with the story's real secrets planted where they do not belong. */
        void fuzz() throws Exception {
            {
                // The story's tokens, live and dead (the legacy keys go into misplaced events below).
                Map<String, String[]> allowed = new LinkedHashMap<>();
                List<String> dead = new ArrayList<>();
                for (String t : tokens) {
                    if (isAllowed(t)) {
                        allowed.put(t, new String[]{"?", "?"});
                    } else {
                        dead.add(t);
                    }
                }
                FuzzAuthorizerIT.Events gen = new FuzzAuthorizerIT.Events(in,
                        new FuzzAuthorizerIT.Real(allowed, dead), in.rnd.nextLong());
                FuzzAuthorizerIT.Category[] garbage = {FuzzAuthorizerIT.Category.NOT_AN_OBJECT,
                        FuzzAuthorizerIT.Category.NO_TOKEN, FuzzAuthorizerIT.Category.MALFORMED_TOKEN,
                        FuzzAuthorizerIT.Category.BAD_CHECKSUM, FuzzAuthorizerIT.Category.REAL_TOKEN_MISPLACED,
                        FuzzAuthorizerIT.Category.WELL_FORMED_UNKNOWN, FuzzAuthorizerIT.Category.LEGACY_SHAPED_UNKNOWN,
                        FuzzAuthorizerIT.Category.REAL_DENIED};
                for (int i = 0; i < FUZZ_AUTHORIZER_EVENTS; i++) {
                    FuzzAuthorizerIT.Category c = garbage[i % garbage.length];
                    Object event = gen.make(c).event();
                    fuzzEvents++;
                    Map<String, Object> out = i < 200 ? call("verify-authorizer", event) : execute(event);
                    if (out == null || FuzzAuthorizerIT.isAllowed(out)) {
                        surprises.add("fuzzed authorizer event " + c + " was " + (out == null ? "an error" : "allowed"));
                    }
                }

                for (String key : legacyKeys) {
                    for (int i = 0; i < 10; i++) {
                        fuzzEvents++;
                        Map<String, Object> out = call("verify-authorizer", gen.misplaced(key));
                        if (out == null || FuzzAuthorizerIT.isAllowed(out)) {
                            surprises.add("a misplaced legacy key was " + (out == null ? "an error" : "allowed"));
                        }
                    }
                }

                // ops: generated bad payloads, and the real secrets in every wrong field
                FuzzPayloads payloads = new FuzzPayloads(in);
                for (String fn : List.of("rotate", "revoke-old", "describe", "set-status")) {
                    for (int i = 0; i < FUZZ_OPS_PER_FUNCTION; i++) {
                        fuzzPayloads++;
                        fails(fn, payloads.bad(fn).payload(), "ValidationException");
                    }
                }
                for (int i = 0; i < FUZZ_OPS_PER_FUNCTION; i++) {
                    fuzzPayloads++;
                    fails("backfill", payloads.badBackfill().payload(), "ValidationException");
                }
                for (int i = 0; i < 5; i++) {
                    fuzzPayloads++;
                    ok("backfill", payloads.badRecords(20).payload());
                }
                List<String> secrets = new ArrayList<>(tokens);
                secrets.addAll(legacyKeys);
                for (String s : secrets) {
                    fuzzPayloads += 9;
                    fails("rotate", Map.of("clientId", "LEAK01", "name", s), "ValidationException");
                    fails("rotate", Map.of("clientId", "LEAK01", "graceSeconds", s), "ValidationException");
                    fails("rotate", Map.of("clientId", "LEAK01", "deliverToSecretId", s + " "), "ValidationException");
                    fails("rotate", Map.of("clientId", "LEAK01", "token", s), "ValidationException");
                    fails("describe", Map.of("cursor", s), "ValidationException");
                    fails("describe", Map.of("limit", s), "ValidationException");
                    fails("set-status", Map.of("clientId", "LEAK01", "active", s), "ValidationException");
                    fails("revoke-old", Map.of("clientId", "LEAK01", "graceSeconds", List.of(s)), "ValidationException");
                    fails("backfill", Map.of("s3", Map.of("bucket", s, "key", s, "secret", s)), "ValidationException");
                }
            }
        }

        private boolean isAllowed(String token) {
            Map<String, Object> out = execute(Map.of("version", "2.0", "headers",
                    Map.of("authorization", "Bearer " + token)));
            return FuzzAuthorizerIT.isAllowed(out);
        }

        /**
         * The store down (nothing listening: the authorizer's 300 ms budget) and the table missing (a
         * DynamoDB service error for every call): denies, errors and WARN lines.
         */
        void storeFailures(LambdaTestKit down, LambdaTestKit missing) {
            try {
                open(down, List.of("verify-authorizer"));
                push(tokens.get(tokens.size() - 1), false, "store down");
                push(legacyKeys.get(0), false, "store down, legacy key");
            } finally {
                closeAll();
            }
            try {
                open(missing, List.of("verify-authorizer", "rotate", "describe", "backfill"));
                push(tokens.get(tokens.size() - 1), false, "table missing");
                push(legacyKeys.get(0), false, "table missing, legacy key");
                fails("rotate", Map.of("clientId", "LEAK01"), "StoreUnavailableException");
                fails("rotate", Map.of("clientId", "LEAK09", "create", true), "StoreUnavailableException");
                fails("describe", Map.of("clientId", "LEAK01"), "StoreUnavailableException");
                // A failed backfill answers what it did and why it stopped (not a function error).
                Map<String, Object> stopped = ok("backfill", Map.of("records", List.of(Map.of("clientId", "LEGACY20",
                        "key", legacyKeys.get(1)))));
                if (stopped != null && !String.valueOf(stopped.get("error")).contains("StoreUnavailableException")) {
                    surprises.add("backfill did not stop with StoreUnavailableException");
                }
            } finally {
                closeAll();
            }
        }
    }
}
