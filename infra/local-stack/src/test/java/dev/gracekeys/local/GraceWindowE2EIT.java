package dev.gracekeys.local;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * An operator's rotation day, end to end: the local stack, ops through the Lambda Invoke API with
 * the real AWS CLI v2 (or the SDK where the CLI is missing), pushes through the HTTP API and the
 * real authorizer. Rotate with grace; a pusher keeps using the old token (its last use is
 * recorded); describe's filters show the client at risk; revoke-old with ifUnusedForSeconds is
 * refused with PreviousTokenInUseException (errorType as the CLI prints it) and changes nothing;
 * once the token has been unused long enough (the stack's clock moved, never a sleep) it revokes.
 */
class GraceWindowE2EIT {

    private static final String CLIENT = "ROTDAY01";
    /** LAST_USE_INTERVAL_SECONDS, the default: last use is written at most once per this. */
    private static final int LAST_USE_INTERVAL = 300;

    @TempDir
    static Path dataDir;

    private static LocalSystem stack;
    private static Ops ops;
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ByteArrayOutputStream CONSOLE = new ByteArrayOutputStream();

    @BeforeAll
    static void start() throws Exception {
        // No authorizer cache (TTL 0): every push reaches the authorizer, as after API Gateway's TTL.
        stack = LocalSystem.start(new LocalOptions(dataDir, true, 0, 0, 0, 0, true), Map.of(),
                new PrintStream(CONSOLE, true, StandardCharsets.UTF_8));
        ops = Ops.forEndpoint(stack.lambdaEndpoint(), dataDir);
        System.out.println("e2e ops client: " + ops.name());
    }

    @AfterAll
    static void stop() {
        ops.close();
        stack.close();
    }

    @Test
    void rotationDay_seeWhoStillUsesTheOldToken_revokeOnlyOnceItIsUnused() throws Exception {
        String oldToken = (String) ok("rotate", "{\"clientId\":\"" + CLIENT + "\",\"create\":true}").get("token");
        ok("rotate", "{\"clientId\":\"QUIET01\",\"create\":true,\"name\":\"bystander\"}");
        ok("rotate", "{\"clientId\":\"QUIET01\",\"graceSeconds\":7200}"); // in grace, old token never used
        Ops.Answer rotated = ok("rotate", "{\"clientId\":\"" + CLIENT + "\",\"graceSeconds\":7200}");
        String newToken = (String) rotated.get("token");
        String oldTokenId = (String) ((Map<?, ?>) rotated.get("previous")).get("tokenId");

        // The fleet still pushes with the old token: accepted as "previous", and its use recorded.
        assertPush(oldToken, 200, "previous");
        assertPush(newToken, 200, "current");

        // Who is in grace, and who still uses the previous token?
        assertEquals(List.of("QUIET01", CLIENT), ids(ok("describe", "{\"inGrace\":true}")));
        Ops.Answer atRisk = ok("describe", "{\"inGrace\":true,\"expiringWithinSeconds\":86400,\"usedWithinSeconds\":3600}");
        assertEquals(List.of(CLIENT), ids(atRisk));
        Map<?, ?> previous = (Map<?, ?>) ((Map<?, ?>) ((List<?>) atRisk.get("clients")).get(0)).get("previous");
        assertEquals(oldTokenId, previous.get("tokenId"));
        assertNotNull(previous.get("lastUsedAt"), "the push was recorded");
        assertNotNull(previous.get("expiresAt"));

        // revoke-old, only if unused for an hour: refused, nothing changed, even resent by requestId.
        String guarded = "{\"clientId\":\"" + CLIENT + "\",\"ifUnusedForSeconds\":3600,\"requestId\":\"rotday-1\"}";
        for (int attempt = 0; attempt < 2; attempt++) {
            Ops.Answer refused = ops.invoke("revoke-old", guarded);
            assertEquals("Unhandled", refused.functionError(), refused.body().toString());
            assertTrue(((String) refused.get("errorType")).endsWith("PreviousTokenInUseException"), refused.body().toString());
            String message = (String) refused.get("errorMessage");
            assertTrue(message.contains("last used at " + previous.get("lastUsedAt")), message);
            assertTrue(message.contains("drop ifUnusedForSeconds"), message);
            assertFalse(message.contains(oldToken.substring(9)), "no token in the error");
        }
        assertPush(oldToken, 200, "previous");

        // An hour (plus the last-use interval) without a push from the old token...
        advanceClock(3600 + LAST_USE_INTERVAL + 1);
        assertPush(newToken, 200, "current");
        assertEquals(List.of(), ids(ok("describe", "{\"inGrace\":true,\"usedWithinSeconds\":3600}")));

        // ...and the same guarded call, resent with its requestId, is now done (not replayed as refused).
        Ops.Answer revoked = ok("revoke-old", guarded);
        assertEquals(true, revoked.get("revoked"), revoked.body().toString());
        assertFalse(((String) revoked.get("message")).startsWith("Already done"), (String) revoked.get("message"));
        assertPush(oldToken, 403, null);
        assertPush(newToken, 200, "current");
        assertEquals(List.of("QUIET01"), ids(ok("describe", "{\"inGrace\":true}")));

        // A bad filter is a named validation error.
        Ops.Answer bad = ops.invoke("describe", "{\"usedWithinSeconds\":-1}");
        assertTrue(((String) bad.get("errorType")).endsWith("ValidationException"));
        assertTrue(((String) bad.get("errorMessage")).contains("usedWithinSeconds"));

        String events = Files.readString(stack.eventsFile());
        String console = CONSOLE.toString(StandardCharsets.UTF_8);
        for (String token : List.of(oldToken, newToken)) {
            assertFalse(events.contains(token.substring(9)), "a token in events.jsonl");
            assertFalse(console.contains(token.substring(9)), "a token on the console");
        }
    }

    private static Ops.Answer ok(String function, String payload) throws Exception {
        Ops.Answer a = ops.invoke(function, payload);
        assertNull(a.functionError(), function + " failed: " + a.body());
        return a;
    }

    private static List<?> ids(Ops.Answer list) {
        return ((List<?>) list.get("clients")).stream().map(c -> ((Map<?, ?>) c).get("clientId")).toList();
    }

    private static void assertPush(String token, int status, String slot) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(stack.httpEndpoint().resolve("/push"))
                .header("Authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.ofString("{\"temp\":21.5}")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(status, r.statusCode(), r.body());
        if (slot != null) {
            assertEquals(slot, Ops.parse(r.body()).get("tokenSlot"));
        }
    }

    private static void advanceClock(int seconds) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(stack.httpEndpoint().resolve("/_local/clock?seconds=" + seconds))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
    }
}
