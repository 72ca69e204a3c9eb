package dev.gracekeys.local;

import dev.gracekeys.store.dynamodb.TableSchema;
import dev.gracekeys.core.token.Pepper;
import dev.gracekeys.core.token.TokenHasher;
import dev.gracekeys.testkit.MotoServer;
import dev.gracekeys.testkit.MotoServerExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.eventbridge.model.Target;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The local stack with {@code --aws-endpoint} against moto's server: the AWS adapters run as on
 * AWS, only against an emulator. In moto: the pepper secret (48 random bytes, base64), an event bus
 * with a rule sending everything from {@code gracekeys} to an SQS queue (where the test reads the
 * events), a bucket and per-test delivery secrets. The stack is started with
 * {@code PEPPER_SECRET_ID} and {@code EVENT_BUS_NAME}, and driven like an operator would (the AWS
 * CLI v2 or the SDK's LambdaClient, pushes through the HTTP API). Skipped (not failed) where moto
 * is not installed.
 */
@ExtendWith(MotoServerExtension.class)
class LocalSystemMotoE2EIT {

    /** The legacy keys backfill imports here: the shape the functions are told (LEGACY_KEY_PATTERN). */
    private static final String LEGACY_KEYS = "legacy-e2e-[a-z0-9]{24}";

    @TempDir
    static Path dataDir;

    private static MotoServer moto;
    private static E2EStack e2e;
    private static LocalSystem stack;
    private static SecretsManagerClient secrets;
    private static EventBridgeClient eventBridge;
    private static S3Client s3;
    private static SqsClient sqs;
    private static String pepper;
    private static String pepperSecret;
    private static String bus;
    private static String bucket;
    private static String queueUrl;

    private static final SecureRandom RANDOM = new SecureRandom();
    /** Every event body read from the queue so far; tests take theirs out by client id. */
    private static final List<String> RECEIVED = new CopyOnWriteArrayList<>();
    /** Every token and legacy key issued or imported so far: none may appear in any event. */
    private static final Set<String> SECRETS = ConcurrentHashMap.newKeySet();

    @BeforeAll
    static void start(MotoServer server) throws Exception {
        moto = server;
        secrets = moto.configure(SecretsManagerClient.builder()).build();
        eventBridge = moto.configure(EventBridgeClient.builder()).build();
        s3 = moto.configure(S3Client.builder()).forcePathStyle(true).build();
        sqs = moto.configure(SqsClient.builder()).build();
        String run = UUID.randomUUID().toString().substring(0, 8);

        pepper = randomBase64(48); // as `openssl rand -base64 48`
        pepperSecret = "gracekeys-e2e-" + run + "/pepper";
        secrets.createSecret(r -> r.name(pepperSecret).secretString(pepper));

        bus = "gracekeys-e2e-" + run;
        eventBridge.createEventBus(r -> r.name(bus));
        queueUrl = sqs.createQueue(r -> r.queueName("gracekeys-e2e-" + run)).queueUrl();
        String queueArn = sqs.getQueueAttributes(r -> r.queueUrl(queueUrl).attributeNames(QueueAttributeName.QUEUE_ARN))
                .attributes().get(QueueAttributeName.QUEUE_ARN);
        eventBridge.putRule(r -> r.name("all-gracekeys").eventBusName(bus).eventPattern("{\"source\":[\"gracekeys\"]}"));
        eventBridge.putTargets(r -> r.rule("all-gracekeys").eventBusName(bus)
                .targets(Target.builder().id("queue").arn(queueArn).build()));

        bucket = "gracekeys-e2e-" + run;
        s3.createBucket(r -> r.bucket(bucket));

        e2e = E2EStack.start(new LocalOptions(dataDir, true, 0, 0, 0, 0, false).withAwsEndpoint(moto.endpoint()),
                Map.of("PEPPER_SECRET_ID", pepperSecret, "EVENT_BUS_NAME", bus, "LEGACY_KEY_PATTERN", LEGACY_KEYS,
                        // Never used: with an emulator the clients get dummy credentials, whatever the environment says.
                        "AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY", "not-a-real-secret"));
        stack = e2e.system();
    }

    @AfterAll
    static void stop() {
        E2EStack.closeAll(e2e, secrets, eventBridge, s3, sqs);
    }

    @Test
    void banner_namesTheEmulator_andWhatUsesIt() {
        String banner = RunLocal.banner(stack, new LocalOptions(dataDir, true, 0, 0, 0, 0, false)
                .withAwsEndpoint(moto.endpoint()));
        assertTrue(banner.contains("AWS emulator       " + moto.endpoint()), banner);
        assertTrue(banner.contains("secret " + pepperSecret + " (PEPPER_SECRET_ID)"), banner);
        assertTrue(banner.contains("EventBridge bus " + bus), banner);
        assertTrue(banner.contains("deliverToSecretId"), banner);
    }

    /**
     * The pepper is the emulator's secret: the new token's item is keyed by HMAC-SHA256 under that
     * pepper (nothing else could find it), and no local pepper file was generated.
     */
    @Test
    void pepper_comesFromTheEmulatorsSecret() throws Exception {
        Ops.Answer created = e2e.ok("rotate", "{\"clientId\":\"MOTO-PEPPER\",\"create\":true}");
        String token = (String) created.get("token");
        SECRETS.add(token);

        try (var dynamo = dev.gracekeys.testkit.DynamoDbLocal.client(stack.dynamoEndpoint())) {
            var item = dynamo.getItem(r -> r.tableName(LocalSystem.TABLE)
                    .key(TableSchema.tokenKey(new TokenHasher(Pepper.fromBase64(pepper)).keyOfToken(token))).consistentRead(true))
                    .item();
            assertEquals("MOTO-PEPPER", item.get(TableSchema.CLIENT_ID).s(), "the token's item under the emulator's pepper");
        }
        assertFalse(Files.exists(dataDir.resolve("pepper")), "no local pepper is generated when the secret is used");
        assertEquals(200, e2e.push(token).statusCode());
    }

    /**
     * deliverToSecretId: the token lands as AWSCURRENT of the client's secret in the emulator, and
     * is the one that pushes; a rotation delivers the next one (the first becomes AWSPREVIOUS) and
     * puts TokenRotated on the bus.
     */
    @Test
    void delivery_putsTheTokenInTheEmulatorsSecret_andRotationReachesTheBus() throws Exception {
        String clientId = "MOTO-DELIVERY";
        String secretId = "gracekeys-e2e/clients/" + UUID.randomUUID();
        secrets.createSecret(r -> r.name(secretId).description("filled by rotate's deliverToSecretId"));

        Ops.Answer created = e2e.ok("rotate", "{\"clientId\":\"" + clientId + "\",\"create\":true,\"name\":\"Moto fleet\","
                + "\"deliverToSecretId\":\"" + secretId + "\"}");
        String first = (String) created.get("token");
        SECRETS.add(first);
        assertTrue(((String) created.get("message")).contains("delivered"), String.valueOf(created.get("message")));
        Map<String, Object> delivered = Ops.parse(value(secretId, "AWSCURRENT"));
        assertEquals(Map.of("clientId", clientId, "tokenId", created.get("tokenId"), "token", first), delivered);

        HttpResponse<String> pushed = e2e.push((String) delivered.get("token"));
        assertEquals(200, pushed.statusCode(), pushed.body());
        assertEquals(clientId, Ops.parse(pushed.body()).get("clientId"));
        Map<String, Object> createdEvent = awaitEvent("ClientCreated", clientId);
        assertEquals(secretId, detail(createdEvent).get("deliveredTo"));

        Ops.Answer rotated = e2e.ok("rotate", "{\"clientId\":\"" + clientId + "\",\"graceSeconds\":3600}");
        String second = (String) rotated.get("token");
        SECRETS.add(second);
        assertEquals(second, Ops.parse(value(secretId, "AWSCURRENT")).get("token"), "the rotation delivered too");
        assertEquals(first, Ops.parse(value(secretId, "AWSPREVIOUS")).get("token"));
        assertEquals(200, e2e.push(first).statusCode(), "the previous token works through its grace window");
        assertEquals(200, e2e.push(second).statusCode());

        Map<String, Object> event = awaitEvent("TokenRotated", clientId);
        assertEquals("gracekeys", event.get("source"));
        assertEquals(rotated.get("tokenId"), detail(event).get("tokenId"));
        assertEquals(created.get("tokenId"), detail(event).get("previousTokenId"));
        assertNoSecretsInEvents();
        assertFalse(Files.exists(stack.eventsFile()), "with a bus, events.jsonl is not written");
        assertTrue(e2e.console().contains("[event] TokenRotated"), "events are printed too");
        e2e.assertNoTokenOnConsole(List.of(first, second));
    }

    /** backfill {"s3":{...}} reads a JSON-lines object from the emulator's bucket; the keys then push. */
    @Test
    void backfill_readsJsonLinesFromTheEmulatorsBucket() throws Exception {
        String key1 = legacyKey();
        String key2 = legacyKey();
        SECRETS.add(key1);
        SECRETS.add(key2);
        String lines = "{\"clientId\":\"MOTO-LEGACY1\",\"key\":\"" + key1 + "\",\"name\":\"Legacy 1\"}\n"
                + "\n"
                + "{\"clientId\":\"MOTO-LEGACY2\",\"key\":\"" + key2 + "\",\"createdAt\":\"2024-01-31T12:00:00Z\"}\n"
                + "not json\n";
        s3.putObject(r -> r.bucket(bucket).key("imports/legacy.jsonl"), RequestBody.fromString(lines));

        String payload = "{\"s3\":{\"bucket\":\"" + bucket + "\",\"key\":\"imports/legacy.jsonl\"}}";
        Ops.Answer dry = e2e.ok("backfill", payload.replace("{\"s3\"", "{\"dryRun\":true,\"s3\""));
        assertEquals(true, dry.get("dryRun"));
        assertEquals(403, e2e.push(key1).statusCode(), "a dry run imports nothing");

        Ops.Answer done = e2e.ok("backfill", payload);
        assertEquals(3, done.get("read"), done.body().toString());
        assertEquals(2, done.get("imported"));
        assertEquals(1, ((List<?>) done.get("rejected")).size(), "the line that is not JSON");
        assertEquals(3, ((Map<?, ?>) ((List<?>) done.get("rejected")).get(0)).get("index"));
        assertEquals("MOTO-LEGACY1", Ops.parse(e2e.push(key1).body()).get("clientId"));
        assertEquals(200, e2e.push(key2).statusCode());

        Map<String, Object> completed = awaitEvent("BackfillCompleted", null);
        assertEquals(2, ((Number) detail(completed).get("imported")).intValue(), String.valueOf(completed));
        assertNoSecretsInEvents();

        Ops.Answer missing = e2e.invoke("backfill", "{\"s3\":{\"bucket\":\"" + bucket + "\",\"key\":\"nothing-here\"}}");
        assertEquals("Unhandled", missing.functionError());
        assertTrue(((String) missing.get("errorType")).endsWith("ValidationException"), missing.body().toString());
    }

    /** What the stack checks before starting anything, each failure with the command that fixes it. */
    @Test
    void start_refusesAMissingSecretOrBus_orAnEmulatorThatIsNotThere() throws Exception {
        LocalOptions options = new LocalOptions(dataDir.resolve("refused"), true, 0, 0, 0, 0, false)
                .withAwsEndpoint(moto.endpoint());
        LocalSystem.AwsEndpointException noSecret = assertThrows(LocalSystem.AwsEndpointException.class, () ->
                LocalSystem.start(options, Map.of("PEPPER_SECRET_ID", "no-such-pepper"), quiet()));
        assertTrue(noSecret.getMessage().contains("secretsmanager create-secret --name no-such-pepper"), noSecret.getMessage());

        LocalSystem.AwsEndpointException noBus = assertThrows(LocalSystem.AwsEndpointException.class, () ->
                LocalSystem.start(options, Map.of("EVENT_BUS_NAME", "no-such-bus"), quiet()));
        assertTrue(noBus.getMessage().contains("events create-event-bus --name no-such-bus"), noBus.getMessage());

        String notAPepper = "gracekeys-e2e/short-" + UUID.randomUUID();
        secrets.createSecret(r -> r.name(notAPepper).secretString(randomBase64(8)));
        LocalSystem.AwsEndpointException weak = assertThrows(LocalSystem.AwsEndpointException.class, () ->
                LocalSystem.start(options, Map.of("PEPPER_SECRET_ID", notAPepper), quiet()));
        assertTrue(weak.getMessage().contains("is unusable"), weak.getMessage());

        int closed;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        LocalSystem.AwsEndpointException nobody = assertThrows(LocalSystem.AwsEndpointException.class, () ->
                LocalSystem.start(options.withAwsEndpoint(URI.create("http://127.0.0.1:" + closed)), Map.of(), quiet()));
        assertTrue(nobody.getMessage().contains("nothing answers at http://127.0.0.1:" + closed), nobody.getMessage());
    }

    // ---- helpers --------------------------------------------------------------------------------

    private static String value(String secretId, String stage) {
        return secrets.getSecretValue(r -> r.secretId(secretId).versionStage(stage)).secretString();
    }

    /** The first event of this type (and client, unless null) on the bus, read from the queue. */
    private static Map<String, Object> awaitEvent(String type, String clientId) throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        while (true) {
            for (String body : RECEIVED) {
                Map<String, Object> event = Ops.parse(body);
                if (type.equals(event.get("detail-type"))
                        && (clientId == null || clientId.equals(detail(event).get("clientId")))) {
                    return event;
                }
            }
            if (Instant.now().isAfter(deadline)) {
                fail("no " + type + " for " + clientId + " on bus " + bus + "; received: " + RECEIVED.size() + " event(s)");
            }
            synchronized (RECEIVED) {
                for (Message m : sqs.receiveMessage(r -> r.queueUrl(queueUrl).maxNumberOfMessages(10).waitTimeSeconds(1))
                        .messages()) {
                    RECEIVED.add(m.body());
                    sqs.deleteMessage(r -> r.queueUrl(queueUrl).receiptHandle(m.receiptHandle()));
                }
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> detail(Map<String, Object> event) {
        return (Map<String, Object>) event.get("detail");
    }

    private static void assertNoSecretsInEvents() {
        for (String body : RECEIVED) {
            for (String secret : SECRETS) {
                assertFalse(body.contains(secret), "a token or key in an event: " + body.replace(secret, "<redacted>"));
            }
            assertFalse(body.contains(pepper), "the pepper in an event");
        }
    }

    private static String legacyKey() {
        String alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
        StringBuilder b = new StringBuilder("legacy-e2e-");
        for (int i = 0; i < 24; i++) {
            b.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
        }
        return b.toString();
    }

    private static String randomBase64(int bytes) {
        byte[] b = new byte[bytes];
        RANDOM.nextBytes(b);
        return Base64.getEncoder().encodeToString(b);
    }

    private static PrintStream quiet() {
        return new PrintStream(java.io.OutputStream.nullOutputStream());
    }
}
