package dev.gracekeys.local;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static dev.gracekeys.local.E2EStack.ids;
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

    private static E2EStack e2e;

    @BeforeAll
    static void start() throws Exception {
        // No authorizer cache (TTL 0): every push reaches the authorizer, as after API Gateway's TTL.
        e2e = E2EStack.start(new LocalOptions(dataDir, true, 0, 0, 0, 0, true), Map.of());
    }

    @AfterAll
    static void stop() {
        e2e.close();
    }

    @Test
    void rotationDay_seeWhoStillUsesTheOldToken_revokeOnlyOnceItIsUnused() throws Exception {
        String oldToken = (String) e2e.ok("rotate", "{\"clientId\":\"" + CLIENT + "\",\"create\":true}").get("token");
        e2e.ok("rotate", "{\"clientId\":\"QUIET01\",\"create\":true,\"name\":\"bystander\"}");
        e2e.ok("rotate", "{\"clientId\":\"QUIET01\",\"graceSeconds\":7200}"); // in grace, old token never used
        Ops.Answer rotated = e2e.ok("rotate", "{\"clientId\":\"" + CLIENT + "\",\"graceSeconds\":7200}");
        String newToken = (String) rotated.get("token");
        String oldTokenId = (String) ((Map<?, ?>) rotated.get("previous")).get("tokenId");

        // The fleet still pushes with the old token: accepted as "previous", and its use recorded.
        e2e.assertPush(oldToken, 200, "previous");
        e2e.assertPush(newToken, 200, "current");

        // Who is in grace, and who still uses the previous token?
        assertEquals(List.of("QUIET01", CLIENT), ids(e2e.ok("describe", "{\"inGrace\":true}")));
        Ops.Answer atRisk = e2e.ok("describe", "{\"inGrace\":true,\"expiringWithinSeconds\":86400,\"usedWithinSeconds\":3600}");
        assertEquals(List.of(CLIENT), ids(atRisk));
        Map<?, ?> previous = (Map<?, ?>) ((Map<?, ?>) ((List<?>) atRisk.get("clients")).get(0)).get("previous");
        assertEquals(oldTokenId, previous.get("tokenId"));
        assertNotNull(previous.get("lastUsedAt"), "the push was recorded");
        assertNotNull(previous.get("expiresAt"));

        // revoke-old, only if unused for an hour: refused, nothing changed, even resent by requestId.
        String guarded = "{\"clientId\":\"" + CLIENT + "\",\"ifUnusedForSeconds\":3600,\"requestId\":\"rotday-1\"}";
        for (int attempt = 0; attempt < 2; attempt++) {
            Ops.Answer refused = e2e.invoke("revoke-old", guarded);
            assertEquals("Unhandled", refused.functionError(), refused.body().toString());
            assertTrue(((String) refused.get("errorType")).endsWith("PreviousTokenInUseException"), refused.body().toString());
            String message = (String) refused.get("errorMessage");
            assertTrue(message.contains("last used at " + previous.get("lastUsedAt")), message);
            assertTrue(message.contains("drop ifUnusedForSeconds"), message);
            assertFalse(message.contains(oldToken.substring(9)), "no token in the error");
        }
        e2e.assertPush(oldToken, 200, "previous");

        // An hour (plus the last-use interval) without a push from the old token...
        e2e.advanceClock(3600 + LAST_USE_INTERVAL + 1);
        e2e.assertPush(newToken, 200, "current");
        assertEquals(List.of(), ids(e2e.ok("describe", "{\"inGrace\":true,\"usedWithinSeconds\":3600}")));

        // ...and the same guarded call, resent with its requestId, is now done (not replayed as refused).
        Ops.Answer revoked = e2e.ok("revoke-old", guarded);
        assertEquals(true, revoked.get("revoked"), revoked.body().toString());
        assertFalse(((String) revoked.get("message")).startsWith("Already done"), (String) revoked.get("message"));
        e2e.assertPush(oldToken, 403, null);
        e2e.assertPush(newToken, 200, "current");
        assertEquals(List.of("QUIET01"), ids(e2e.ok("describe", "{\"inGrace\":true}")));

        // A bad filter is a named validation error.
        Ops.Answer bad = e2e.invoke("describe", "{\"usedWithinSeconds\":-1}");
        assertTrue(((String) bad.get("errorType")).endsWith("ValidationException"));
        assertTrue(((String) bad.get("errorMessage")).contains("usedWithinSeconds"));

        e2e.assertNoTokenInEventsOrConsole(List.of(oldToken, newToken));
    }
}
