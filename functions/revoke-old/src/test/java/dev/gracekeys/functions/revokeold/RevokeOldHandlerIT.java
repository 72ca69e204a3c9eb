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
}
