package dev.gracekeys.functions.setstatus;

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
class SetStatusHandlerIT {

    @Test
    void deactivateAndReactivateSamples_rejectThenRestoreBothTokens(TestTable table) {
        LambdaTestKit kit = new LambdaTestKit(table);
        kit.seedSamples();
        var verifier = kit.core().verifier();
        try (SetStatusHandler handler = new SetStatusHandler(kit.context())) {
            assertEquals(Map.of("clientId", "SAMPLE01", "active", false),
                    handler.handleRequest(event("set-status/deactivate.json"), lambdaContext()));
            assertFalse(verifier.verify(SAMPLE_CURRENT).allowed());
            assertFalse(verifier.verify(SAMPLE_PREVIOUS).allowed());

            assertEquals(Map.of("clientId", "SAMPLE01", "active", true),
                    handler.handleRequest(event("set-status/reactivate.json"), lambdaContext()));
            assertTrue(verifier.verify(SAMPLE_CURRENT).allowed());
            assertTrue(verifier.verify(SAMPLE_PREVIOUS).allowed());
        }
    }

    @Test
    void wrongTypeSample_isAValidationError_andWritesNothing(TestTable table) {
        LambdaTestKit kit = new LambdaTestKit(table);
        kit.seedSamples();
        var before = table.snapshot();
        try (SetStatusHandler handler = new SetStatusHandler(kit.context())) {
            ValidationException e = assertThrows(ValidationException.class,
                    () -> handler.handleRequest(event("set-status/invalid-active.json"), lambdaContext()));
            assertEquals("active must be true or false", e.getMessage());
        }
        assertEquals(before, table.snapshot());
    }
}
