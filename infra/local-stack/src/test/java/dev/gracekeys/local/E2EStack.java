package dev.gracekeys.local;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The local stack as the end-to-end tests (*E2EIT) drive it: started with the test's options and
 * environment, its console captured; ops calling functions through {@link Ops} (the real AWS CLI v2,
 * or the SDK's LambdaClient where the CLI is missing); pushes through the HTTP API's {@code POST /push}
 * and the real authorizer; the stack's clock moved through {@code POST /_local/clock}. One per test
 * class: started in {@code @BeforeAll}, closed in {@code @AfterAll}.
 */
final class E2EStack implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private final LocalSystem system;
    private final Ops ops;
    private final ByteArrayOutputStream console;

    private E2EStack(LocalSystem system, Ops ops, ByteArrayOutputStream console) {
        this.system = system;
        this.ops = ops;
        this.console = console;
    }

    /** Starts the stack; ops work in {@code options.dataDir()} (the CLI's answer files). */
    static E2EStack start(LocalOptions options, Map<String, String> environment) throws Exception {
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        LocalSystem system = LocalSystem.start(options, environment, new PrintStream(console, true, StandardCharsets.UTF_8));
        Ops ops = Ops.forEndpoint(system.lambdaEndpoint(), options.dataDir());
        System.out.println("e2e ops client: " + ops.name());
        return new E2EStack(system, ops, console);
    }

    LocalSystem system() {
        return system;
    }

    Ops ops() {
        return ops;
    }

    /** All the stack printed so far. */
    String console() {
        return console.toString(StandardCharsets.UTF_8);
    }

    /** Invokes {@code function} as ops do; the answer may be a function error. */
    Ops.Answer invoke(String function, String payload) throws Exception {
        return ops.invoke(function, payload);
    }

    /** Invokes {@code function} as ops do, and asserts it answered without a function error. */
    Ops.Answer ok(String function, String payload) throws Exception {
        Ops.Answer a = ops.invoke(function, payload);
        assertNull(a.functionError(), function + " failed: " + a.body());
        return a;
    }

    /** describe's (or a list's) {@code clients}, by clientId, in order. */
    static List<?> ids(Ops.Answer list) {
        return ((List<?>) list.get("clients")).stream().map(c -> ((Map<?, ?>) c).get("clientId")).toList();
    }

    /** A device's push with {@code token}: POST /push, Bearer token, a reading as body. */
    HttpResponse<String> push(String token) throws Exception {
        return post(system.httpEndpoint().resolve("/push"), "{\"temp\":21.5}", "Authorization", "Bearer " + token);
    }

    /**
     * Pushes with {@code token} and asserts the status and, unless {@code slot} is null, the
     * authorizer context's {@code tokenSlot}.
     *
     * @return the authorizer context the push answered with when {@code slot} is given, else null
     */
    Map<String, Object> assertPush(String token, int status, String slot) throws Exception {
        HttpResponse<String> r = push(token);
        assertEquals(status, r.statusCode(), r.body());
        if (slot == null) {
            return null;
        }
        Map<String, Object> context = Ops.parse(r.body());
        assertEquals(slot, context.get("tokenSlot"));
        return context;
    }

    /** Moves the stack's clock {@code seconds} forward (0: reads it); returns the stack's time after. */
    Instant advanceClock(long seconds) throws Exception {
        HttpResponse<String> r = post(system.httpEndpoint().resolve("/_local/clock?seconds=" + seconds), null);
        assertEquals(200, r.statusCode(), r.body());
        return Instant.parse((String) Ops.parse(r.body()).get("now"));
    }

    /** Neither events.jsonl nor the console holds any of {@code tokens} (or its secret part). */
    void assertNoTokenInEventsOrConsole(List<String> tokens) throws Exception {
        String events = Files.readString(system.eventsFile());
        for (String token : tokens) {
            assertFalse(events.contains(token.substring(9)), "a token in events.jsonl");
        }
        assertNoTokenOnConsole(tokens);
    }

    /** The console holds none of {@code tokens} (their secret part, after the {@code gk_} prefix and id). */
    void assertNoTokenOnConsole(List<String> tokens) {
        String printed = console();
        for (String token : tokens) {
            assertFalse(printed.contains(token.substring(9)), "a token on the console");
        }
    }

    /** A POST of {@code body} (none if null) with the given header name/value pairs. */
    static HttpResponse<String> post(URI uri, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri)
                .POST(body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Closes ops, then the stack. */
    @Override
    public void close() {
        try {
            ops.close();
        } finally {
            system.close();
        }
    }

    /** Closes each of {@code resources} that is there, in order, whatever the others do. */
    static void closeAll(AutoCloseable... resources) {
        for (AutoCloseable c : resources) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                // closing what the test used; the emulator itself stops with its extension
            }
        }
    }
}
