package dev.gracekeys.functions.revokeold;

import dev.gracekeys.core.ValidationException;
import dev.gracekeys.store.dynamodb.testing.DynamoDbLocalExtension;
import dev.gracekeys.store.dynamodb.testing.TestTable;
import dev.gracekeys.lambda.LambdaTestKit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.Map;

import static dev.gracekeys.lambda.LambdaTestKit.*;
import static org.junit.jupiter.api.Assertions.*;

@ExtendWith(DynamoDbLocalExtension.class)
class RevokeOldHandlerIT {

    @Test
    void revokeNowSample_revokesThePrevious(TestTable table) {
        LambdaTestKit kit = new LambdaTestKit(table);
        kit.seedSamples();
        try (RevokeOldHandler handler = new RevokeOldHandler(kit.context())) {
            Map<String, Object> out = handler.handleRequest(event("revoke-old/revoke-now.json"), lambdaContext());
            assertEquals(java.util.List.of("clientId", "revoked", "previous", "message"), java.util.List.copyOf(out.keySet()));
            assertEquals(true, out.get("revoked"));
            assertFalse(kit.core().verifier().verify(SAMPLE_PREVIOUS).allowed());
            assertTrue(kit.core().verifier().verify(SAMPLE_CURRENT).allowed());

            Map<String, Object> again = handler.handleRequest(event("revoke-old/revoke-now.json"), lambdaContext());
            assertEquals(false, again.get("revoked"));
            assertNull(again.get("previous"));
        }
    }

    @Test
    void rescheduleSample_movesTheExpiry(TestTable table) {
        LambdaTestKit kit = new LambdaTestKit(table);
        kit.seedSamples();
        try (RevokeOldHandler handler = new RevokeOldHandler(kit.context())) {
            Map<String, Object> out = handler.handleRequest(event("revoke-old/reschedule.json"), lambdaContext());
            assertEquals(false, out.get("revoked"));
            assertEquals(kit.clock.instant().plusSeconds(3600).toString(), ((Map<?, ?>) out.get("previous")).get("expiresAt"));
        }
    }

    @Test
    void wrongTypeSample_isAValidationError_andWritesNothing(TestTable table) {
        LambdaTestKit kit = new LambdaTestKit(table);
        kit.seedSamples();
        var before = table.snapshot();
        try (RevokeOldHandler handler = new RevokeOldHandler(kit.context())) {
            ValidationException e = assertThrows(ValidationException.class,
                    () -> handler.handleRequest(event("revoke-old/invalid-grace-type.json"), lambdaContext()));
            assertEquals("graceSeconds must be a whole number", e.getMessage());
        }
        assertEquals(before, table.snapshot());
    }

    /** The guard: refused while the previous token is in use, nothing written; then accepted. */
    @Test
    void ifUnusedSample_isRefusedWhileThePreviousTokenIsUsed_thenRevokes(TestTable table) {
        LambdaTestKit kit = new LambdaTestKit(table);
        kit.seedSamples();
        assertTrue(kit.core().verifier().verify(SAMPLE_PREVIOUS).allowed()); // its last use is recorded
        var before = table.snapshot();
        try (RevokeOldHandler handler = new RevokeOldHandler(kit.context())) {
            dev.gracekeys.core.PreviousTokenInUseException e = assertThrows(dev.gracekeys.core.PreviousTokenInUseException.class,
                    () -> handler.handleRequest(event("revoke-old/if-unused.json"), lambdaContext()));
            assertTrue(e.getMessage().contains("last used at " + kit.clock.instant()), e.getMessage());
            assertTrue(e.getMessage().contains("drop ifUnusedForSeconds"), e.getMessage());
            assertFalse(e.getMessage().contains(SAMPLE_PREVIOUS.substring(9)), "no token in the message");
            assertEquals(before, table.snapshot(), "nothing written");
            assertTrue(kit.core().verifier().verify(SAMPLE_PREVIOUS).allowed());

            // ifUnusedForSeconds + LAST_USE_INTERVAL_SECONDS: API Gateway may have answered pushes from its
            // cache for AUTHORIZER_CACHE_TTL_SECONDS (default 60) more, unrecorded: still refused
            kit.clock.advance(java.time.Duration.ofSeconds(3600 + 300));
            assertThrows(dev.gracekeys.core.PreviousTokenInUseException.class,
                    () -> handler.handleRequest(event("revoke-old/if-unused.json"), lambdaContext()));
            kit.clock.advance(java.time.Duration.ofSeconds(60));
            Map<String, Object> out = handler.handleRequest(event("revoke-old/if-unused.json"), lambdaContext());
            assertEquals(true, out.get("revoked"));
            assertFalse(kit.core().verifier().verify(SAMPLE_PREVIOUS).allowed());
        }
    }

    @Test
    void invalidIfUnusedSample_isAValidationError_andWritesNothing(TestTable table) {
        LambdaTestKit kit = new LambdaTestKit(table);
        kit.seedSamples();
        var before = table.snapshot();
        try (RevokeOldHandler handler = new RevokeOldHandler(kit.context())) {
            ValidationException e = assertThrows(ValidationException.class,
                    () -> handler.handleRequest(event("revoke-old/invalid-if-unused.json"), lambdaContext()));
            assertEquals("ifUnusedForSeconds must be a whole number", e.getMessage());
            ValidationException negative = assertThrows(ValidationException.class,
                    () -> handler.handleRequest(Map.of("clientId", "SAMPLE01", "ifUnusedForSeconds", -1), lambdaContext()));
            assertTrue(negative.getMessage().startsWith("ifUnusedForSeconds must be a whole number of seconds 0.."),
                    negative.getMessage());
        }
        assertEquals(before, table.snapshot());
    }
}
