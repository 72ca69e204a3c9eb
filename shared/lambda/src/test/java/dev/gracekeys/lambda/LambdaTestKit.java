package dev.gracekeys.lambda;

import dev.gracekeys.testkit.Loopback;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import dev.gracekeys.core.GraceKeys;
import dev.gracekeys.core.GraceKeysConfig;
import dev.gracekeys.core.ops.Requests.RotateRequest;
import dev.gracekeys.store.dynamodb.DynamoDbGraceKeys;
import dev.gracekeys.core.testing.CollectingEventPublisher;
import dev.gracekeys.core.testing.Fixture;
import dev.gracekeys.testkit.LambdaContext;
import dev.gracekeys.testkit.MutableClock;
import dev.gracekeys.store.dynamodb.testing.TestTable;
import dev.gracekeys.core.token.IssuedToken;
import dev.gracekeys.core.token.TokenFormat;
import io.micronaut.context.ApplicationContextBuilder;
import io.micronaut.function.aws.LambdaApplicationContextBuilder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Runs real handlers against a {@link TestTable}: the handler's own Micronaut context, with the
 * test's settings (DynamoDB Local endpoint, table, pepper), clock and event collector registered in
 * place of the production beans. Events are loaded from {@code events/} with the Lambda Java
 * runtime's own serialization ({@code aws-lambda-java-tests}).
 */
public final class LambdaTestKit {

    public static final String SAMPLE_CURRENT = "gk_1uW3mTKaBp5X5FFsFB8Hv9q7QYTdpeJSX4Y5008h7xdgGwo2uA06jWfv";
    public static final String SAMPLE_PREVIOUS = "gk_PTW0cWxhI6igVRPIPO8Uet36raCCBUCAvQ3qCSkdUXIxMpUqHQ3v1rFT";
    public static final String SAMPLE_EXPIRED = "gk_bMobiQ86pq3rVPuaS55zFJXNHRbOyLEPcs9ZWxkjKpRM81QD4V1YOLKC";
    private static final String SAMPLE_02_CURRENT = "gk_emaxymw5GmQb8MXG1vWIxrRDuBGMYzCeyVMkYLdoaMN2W7jdZ209PVqe";

    public final TestTable table;
    public final MutableClock clock = new MutableClock();
    public final CollectingEventPublisher events = new CollectingEventPublisher();
    private final Map<String, String> settings = new HashMap<>();

    public LambdaTestKit(TestTable table) {
        this.table = table;
        settings.put("TABLE_NAME", table.name());
        settings.put("DYNAMODB_ENDPOINT", table.endpoint().toString());
        settings.put("AWS_REGION", "us-east-1");
        settings.put("PEPPER", Base64.getEncoder().encodeToString(pepperBytes()));
        settings.put("LEGACY_KEY_PATTERN", dev.gracekeys.core.testing.Fixture.LEGACY_KEYS);
    }

    public LambdaTestKit with(String name, String value) {
        settings.put(name, value);
        return this;
    }

    public Map<String, String> settings() {
        return Map.copyOf(settings);
    }

    /**
     * The context builder a handler under test is constructed with: Lambda's own (eager singletons,
     * the {@code function} and {@code lambda} environments, as the handler's no-argument constructor
     * builds it on AWS), with the test's settings, clock, event collector and request counter
     * registered.
     */
    public ApplicationContextBuilder context(Object... extraBeans) {
        ApplicationContextBuilder builder = new LambdaApplicationContextBuilder();
        // The table's request counter watches the handler's own DynamoDB client too (AwsClients
        // attaches every ExecutionInterceptor bean), so tests count what the handler sends.
        builder.singletons(Settings.of(settings), clock, events, table.requests());
        if (extraBeans.length > 0) {
            builder.singletons(extraBeans);
        }
        return builder;
    }

    /** The core over the same table, pepper and clock, for seeding and checking. */
    public GraceKeys core() {
        return DynamoDbGraceKeys.builder(GraceKeysConfig.fromEnv(settings()), table.client()).pepper(Fixture.PEPPER).events(events).clock(clock).build();
    }

    /**
     * Seeds the state the authorizer samples expect: SAMPLE01 with current and previous (24 h
     * grace), SAMPLE02 with an expired previous token.
     */
    public void seedSamples() {
        Deque<String> next = new ArrayDeque<>(java.util.List.of(SAMPLE_PREVIOUS, SAMPLE_CURRENT, SAMPLE_EXPIRED, SAMPLE_02_CURRENT));
        TokenFormat format = TokenFormat.defaults();
        GraceKeys seeding = DynamoDbGraceKeys.builder(GraceKeysConfig.defaults(table.name()), table.client())
                .pepper(Fixture.PEPPER).events(events).clock(clock)
                .tokenGenerator(() -> {
                    String t = next.removeFirst();
                    return new IssuedToken(t, format.tokenIdOf(t));
                })
                .build();
        seeding.tokens().rotate(new RotateRequest("SAMPLE01", null, true, "Sample fleet"));
        seeding.tokens().rotate(new RotateRequest("SAMPLE01", 86_400L, null, null));
        seeding.tokens().rotate(new RotateRequest("SAMPLE02", null, true, null));
        seeding.tokens().rotate(new RotateRequest("SAMPLE02", 60L, null, null));
        clock.advance(Duration.ofSeconds(61));
        events.clear();
    }

    /** Loads {@code events/<relative>} the way the Lambda Java runtime deserializes a payload. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> event(String relative) {
        Path file = eventsDir().resolve(relative);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("no sample event " + file);
        }
        return EventLoader.loadEvent(file.toString(), Map.class);
    }

    /** The repository's {@code events/} folder, found from the module's working directory. */
    public static Path eventsDir() {
        return repoRoot().resolve("events");
    }

    public static Path repoRoot() {
        return Loopback.repoRoot();
    }

    /** A Lambda context whose remaining time the test controls. */
    public static Context lambdaContext(LongSupplier remainingMillis) {
        return LambdaContext.of("test").withRemainingMillis(remainingMillis);
    }

    public static Context lambdaContext() {
        return lambdaContext(() -> 900_000);
    }

    private static byte[] pepperBytes() {
        return "test-pepper-0123456789abcdef0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
}
