package dev.gracekeys.local;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The fleet story, end to end: the local stack on free ports, ops calling functions through the
 * Lambda Invoke API with the real AWS CLI v2 (or the SDK's LambdaClient where the CLI is missing),
 * pushes through the HTTP API and the real authorizer, events read back from events.jsonl. Expiry
 * is reached by moving the stack's clock (--clock-control), never by sleeping.
 */
class LocalSystemE2EIT {

    @TempDir
    static Path dataDir;

    private static E2EStack e2e;
    private static LocalSystem stack;
    private static int eventsSeen;

    @BeforeAll
    static void start() throws Exception {
        e2e = E2EStack.start(new LocalOptions(dataDir, true, 0, 0, 0, 0, true), Map.of());
        stack = e2e.system();
    }

    @AfterAll
    static void stop() {
        e2e.close();
    }

    @Test
    void fleetStory_rotateRevokeDeactivateExpire_throughCliAuthorizerAndEvents() throws Exception {
        // create GRACE01 → token1
        Ops.Answer created = e2e.ok("rotate", "{\"clientId\":\"GRACE01\",\"create\":true,\"name\":\"Fleet 1\"}");
        String token1 = (String) created.get("token");
        assertNull(created.get("previous"), "a new client has no previous token");
        assertEquals(200, e2e.push(token1).statusCode());
        Map<String, Object> d = describe();
        assertEquals(created.get("tokenId"), current(d).get("tokenId"));
        assertNull(d.get("previous"));
        assertEvents("ClientCreated");

        // rotate → token2: both push 200
        Ops.Answer r2 = e2e.ok("rotate", "{\"clientId\":\"GRACE01\",\"graceSeconds\":3600}");
        String token2 = (String) r2.get("token");
        assertEquals(created.get("tokenId"), ((Map<?, ?>) r2.get("previous")).get("tokenId"));
        assertPush(token1, 200, "previous");
        assertPush(token2, 200, "current");
        assertEquals(created.get("tokenId"), previous(describe()).get("tokenId"));
        assertEvents("TokenRotated");

        // rotate → token3: token1 403 (dropped), token2 and token3 200
        String token3 = (String) e2e.ok("rotate", "{\"clientId\":\"GRACE01\",\"graceSeconds\":3600}").get("token");
        assertPush(token1, 403, null);
        assertPush(token2, 200, "previous");
        assertPush(token3, 200, "current");
        assertEquals(r2.get("tokenId"), previous(describe()).get("tokenId"));
        assertEvents("PreviousTokenRevoked", "TokenRotated");

        // revoke-old → token2 403
        Ops.Answer revoked = e2e.ok("revoke-old", "{\"clientId\":\"GRACE01\"}");
        assertEquals(true, revoked.get("revoked"));
        assertPush(token2, 403, null);
        assertPush(token3, 200, "current");
        assertNull(describe().get("previous"));
        assertEvents("PreviousTokenRevoked");

        // set-status false → token3 403; true → 200
        assertEquals(Map.of("clientId", "GRACE01", "active", false),
                e2e.ok("set-status", "{\"clientId\":\"GRACE01\",\"active\":false}").body());
        assertPush(token3, 403, null);
        assertEquals(false, describe().get("active"));
        e2e.ok("set-status", "{\"clientId\":\"GRACE01\",\"active\":true}");
        assertPush(token3, 200, "current");
        assertEvents("ClientStatusChanged", "ClientStatusChanged");

        // rotate with a short grace → after expiry the previous token is denied before any sweep
        String token4 = (String) e2e.ok("rotate", "{\"clientId\":\"GRACE01\",\"graceSeconds\":30}").get("token");
        assertPush(token3, 200, "previous");
        e2e.advanceClock(31);
        assertPush(token3, 403, null);
        assertPush(token4, 200, "current");
        assertEvents("TokenRotated");

        // expire-sweep reports it
        Ops.Answer swept = e2e.ok("expire-sweep", "{}");
        assertEquals(1, swept.get("expired"));
        assertNull(describe().get("previous"));
        assertEvents("PreviousTokenExpired");

        // never a token or a key hash in the events or on the console
        e2e.assertNoTokenInEventsOrConsole(List.of(token1, token2, token3, token4));
    }

    @Test
    void pushWithoutAToken_is401_withoutCallingTheAuthorizer() throws Exception {
        HttpResponse<String> r = E2EStack.post(stack.httpEndpoint().resolve("/push"), "{}");
        assertEquals(401, r.statusCode());
        assertEquals(403, e2e.push("gk_notAToken").statusCode());
    }

    @Test
    void functionErrors_comeBackAsLambdaFunctionErrors() throws Exception {
        Ops.Answer bad = e2e.invoke("rotate", "{\"clientId\":\"not valid!\"}");
        assertEquals("Unhandled", bad.functionError());
        assertEquals("dev.gracekeys.core.ValidationException", bad.get("errorType"));
        assertTrue(((String) bad.get("errorMessage")).contains("clientId"));

        Ops.Answer missing = e2e.invoke("describe", "{\"clientId\":\"NOBODY\"}");
        assertTrue(((String) missing.get("errorType")).endsWith("ClientNotFoundException"));
    }

    /**
     * rotate-secret is served by name, but without --aws-endpoint there is no Secrets Manager: a
     * step fails with a TokenDeliveryException that says to start the stack with --aws-endpoint.
     */
    @Test
    void rotateSecret_withoutAnAwsEmulator_saysToStartTheStackWithAwsEndpoint() throws Exception {
        Ops.Answer a = e2e.invoke("rotate-secret", java.nio.file.Files.readString(
                dev.gracekeys.testkit.Loopback.repoRoot().resolve("events/rotate-secret/create-secret.json")));
        assertEquals("Unhandled", a.functionError());
        assertTrue(((String) a.get("errorType")).endsWith("TokenDeliveryException"), a.body().toString());
        assertTrue(((String) a.get("errorMessage")).contains("--aws-endpoint"), a.body().toString());
    }

    @Test
    void unknownFunction_isResourceNotFound() throws Exception {
        HttpResponse<String> r = E2EStack.post(stack.lambdaEndpoint().resolve("/2015-03-31/functions/nosuch/invocations"), "{}");
        assertEquals(404, r.statusCode());
        assertEquals("ResourceNotFoundException", r.headers().firstValue("x-amzn-ErrorType").orElse(null));
    }

    private static Map<String, Object> describe() throws Exception {
        return e2e.ok("describe", "{\"clientId\":\"GRACE01\"}").body();
    }

    private static Map<?, ?> current(Map<String, Object> d) {
        return (Map<?, ?>) d.get("current");
    }

    private static Map<?, ?> previous(Map<String, Object> d) {
        return (Map<?, ?>) d.get("previous");
    }

    /** {@link E2EStack#assertPush}, and an accepted push is GRACE01's, with the previous slot's expiry only. */
    private static void assertPush(String token, int status, String slot) throws Exception {
        Map<String, Object> context = e2e.assertPush(token, status, slot);
        if (slot != null) {
            assertEquals("GRACE01", context.get("clientId"));
            assertEquals(slot.equals("previous"), context.containsKey("previousExpiresAt"));
        }
    }

    /** The events appended since the last check, by detail-type, in order. */
    private static void assertEvents(String... expected) throws Exception {
        List<String> lines = Files.exists(stack.eventsFile()) ? Files.readAllLines(stack.eventsFile()) : List.of();
        List<Map<String, Object>> fresh = new ArrayList<>();
        for (String line : lines.subList(eventsSeen, lines.size())) {
            Map<String, Object> e = Ops.parse(line);
            assertEquals("gracekeys", e.get("source"));
            fresh.add(e);
        }
        eventsSeen = lines.size();
        assertEquals(List.of(expected), Ops.names(fresh));
    }
}
