package dev.gracekeys.functions.authorizer;

import dev.gracekeys.store.dynamodb.testing.DynamoDbLocalExtension;
import dev.gracekeys.store.dynamodb.testing.TestTable;
import dev.gracekeys.core.token.TokenFormat;
import dev.gracekeys.lambda.LambdaTestKit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.Map;

import static dev.gracekeys.lambda.LambdaTestKit.*;
import static org.junit.jupiter.api.Assertions.*;

/** SnapStart priming: what {@code beforeCheckpoint} does, against DynamoDB Local. */
@ExtendWith(DynamoDbLocalExtension.class)
class SnapStartPrimingIT {

    @Test
    void priming_hashesAndReadsOnce_writesNothing_andIsDenied(TestTable table) {
        LambdaTestKit kit = new LambdaTestKit(table);
        kit.seedSamples();
        var before = table.snapshot();
        try (VerifyAuthorizerHandler handler = new VerifyAuthorizerHandler(kit.context())) {
            table.requests().reset();
            Map<String, Object> response = handler.prime();

            assertEquals(false, response.get("isAuthorized"));
            assertEquals(Map.of("GetItem", 1L), table.requests().snapshot(),
                    "priming is one real GetItem of the sentinel key, nothing else");
            assertEquals(before, table.snapshot(), "priming writes nothing");
            assertTrue(kit.events.events().isEmpty(), "priming publishes nothing");

            // After a restore the handler serves pushes as ever.
            handler.afterRestore(null);
            assertEquals(true, handler.handleRequest(event("verify-authorizer/http-v2-current.json"), lambdaContext())
                    .get("isAuthorized"));
        }
    }

    @Test
    void beforeCheckpoint_withTheTableUnreachable_doesNotFailTheSnapshot(TestTable table) {
        LambdaTestKit kit = new LambdaTestKit(table).with("DYNAMODB_ENDPOINT", "http://127.0.0.1:9")
                .with("VERIFY_TIMEOUT_MILLIS", "300");
        try (VerifyAuthorizerHandler handler = new VerifyAuthorizerHandler(kit.context())) {
            assertDoesNotThrow(() -> handler.beforeCheckpoint(null));
        }
    }

    @Test
    void primingToken_isWellFormed_soItTakesTheFullVerifyPath() {
        TokenFormat format = TokenFormat.defaults();
        assertEquals(TokenFormat.Kind.GRACEKEYS, format.classify(format.primingToken()));
        assertNotEquals(SAMPLE_CURRENT, format.primingToken());
        assertEquals(TokenFormat.Kind.GRACEKEYS, new TokenFormat("fleet_").classify(new TokenFormat("fleet_").primingToken()));
    }
}
