package dev.gracekeys.functions.rotate;

import dev.gracekeys.core.ClientAlreadyExistsException;
import dev.gracekeys.core.ClientNotFoundException;
import dev.gracekeys.core.GraceKeysException;
import dev.gracekeys.core.ValidationException;
import dev.gracekeys.core.events.DomainEvent;
import dev.gracekeys.store.dynamodb.testing.DynamoDbLocalExtension;
import dev.gracekeys.store.dynamodb.testing.TestTable;
import dev.gracekeys.lambda.LambdaTestKit;
import dev.gracekeys.testkit.LoopbackAws;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.Map;

import static dev.gracekeys.lambda.LambdaTestKit.event;
import static dev.gracekeys.lambda.LambdaTestKit.lambdaContext;
import static org.junit.jupiter.api.Assertions.*;

@ExtendWith(DynamoDbLocalExtension.class)
class RotateHandlerIT {

    @Test
    void createSample_issuesFirstToken_inTheDesignShape(TestTable table) {
        LambdaTestKit kit = new LambdaTestKit(table);
        try (RotateHandler handler = new RotateHandler(kit.context())) {
            Map<String, Object> out = handler.handleRequest(event("rotate/create.json"), lambdaContext());

            // DESIGN.md's fields, then deliveredTo (the secret the token went to; null without delivery)
            assertEquals(java.util.List.of("clientId", "token", "tokenId", "createdAt", "previous", "message", "deliveredTo"),
                    java.util.List.copyOf(out.keySet()));
            assertNull(out.get("deliveredTo"));
            assertEquals("SAMPLE01", out.get("clientId"));
            String token = (String) out.get("token");
            assertTrue(token.startsWith((String) out.get("tokenId")));
            assertEquals(kit.clock.instant().toString(), out.get("createdAt"));
            assertNull(out.get("previous"));
            assertTrue(kit.core().verifier().verify(token).allowed());
            assertEquals(1, kit.events.ofType(DomainEvent.CLIENT_CREATED).size());
        }
    }

    @Test
    void rotateSamples_keepThePreviousForTheGrace_orRevokeItAtOnce(TestTable table) {
        LambdaTestKit kit = new LambdaTestKit(table);
        try (RotateHandler handler = new RotateHandler(kit.context())) {
            String first = (String) handler.handleRequest(event("rotate/create.json"), lambdaContext()).get("token");

            Map<String, Object> rotated = handler.handleRequest(event("rotate/rotate.json"), lambdaContext());
            @SuppressWarnings("unchecked")
            Map<String, Object> previous = (Map<String, Object>) rotated.get("previous");
            assertEquals(java.util.List.of("tokenId", "expiresAt"), java.util.List.copyOf(previous.keySet()));
            assertEquals(kit.clock.instant().plusSeconds(86_400).toString(), previous.get("expiresAt"));
            assertTrue(kit.core().verifier().verify(first).allowed());

            String second = (String) rotated.get("token");
            Map<String, Object> atOnce = handler.handleRequest(event("rotate/rotate-revoke-at-once.json"), lambdaContext());
            assertNull(atOnce.get("previous"));
            assertFalse(kit.core().verifier().verify(second).allowed());
            assertTrue(kit.core().verifier().verify((String) atOnce.get("token")).allowed());
        }
    }

    @Test
    void invalidSamples_failWithNamedErrors_andWriteNothing(TestTable table) {
        LambdaTestKit kit = new LambdaTestKit(table);
        try (RotateHandler handler = new RotateHandler(kit.context())) {
            handler.handleRequest(event("rotate/create.json"), lambdaContext());
            var before = table.snapshot();

            assertFails(handler, "rotate/invalid-grace.json", ValidationException.class, "graceSeconds");
            assertFails(handler, "rotate/invalid-client-id.json", ValidationException.class, "clientId");
            assertFails(handler, "rotate/unknown-field.json", ValidationException.class, "gracSeconds");
            assertFails(handler, "rotate/unknown-client.json", ClientNotFoundException.class, "create");
            assertFails(handler, "rotate/create.json", ClientAlreadyExistsException.class, "without");
            assertEquals(before, table.snapshot());
        }
    }

    @Test
    void aPayloadThatIsNotAnObject_isAValidationError_thatDoesNotEchoIt(TestTable table) {
        LambdaTestKit kit = new LambdaTestKit(table);
        try (RotateHandler handler = new RotateHandler(kit.context())) {
            @SuppressWarnings({"unchecked", "rawtypes"})
            com.amazonaws.services.lambda.runtime.RequestHandler<Object, Object> raw =
                    (com.amazonaws.services.lambda.runtime.RequestHandler) handler;
            ValidationException e = assertThrows(ValidationException.class,
                    () -> raw.handleRequest("gk_secretLookingString", lambdaContext()));
            assertFalse(e.getMessage().contains("secretLooking"));
        }
    }

    /** The delivery sample through the real Secrets Manager client, against a loopback Secrets Manager. */
    @Test
    void createWithDeliverySample_writesTheTokenToTheSecret_andRemembersIt(TestTable table) {
        java.util.List<String> bodies = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (LoopbackAws secrets = new LoopbackAws((op, body) -> {
            bodies.add(op + " " + body);
            return switch (op) {
                case "PutSecretValue" -> LoopbackAws.Reply.ok("{\"Name\":\"gracekeys/sample03\",\"VersionId\":\"v1\"}");
                case "DescribeSecret" -> LoopbackAws.Reply.ok("{\"Name\":\"gracekeys/sample03\",\"VersionIdsToStages\":{\"v1\":[\"AWSPENDING\"]}}");
                default -> LoopbackAws.Reply.ok("{\"Name\":\"gracekeys/sample03\"}");
            };
        })) {
            LambdaTestKit kit = new LambdaTestKit(table).with("SECRETSMANAGER_ENDPOINT", secrets.endpoint().toString());
            try (RotateHandler handler = new RotateHandler(kit.context())) {
                Map<String, Object> out = handler.handleRequest(event("rotate/create-with-delivery.json"), lambdaContext());
                assertEquals("gracekeys/sample03", out.get("deliveredTo"));
                assertEquals(java.util.List.of("PutSecretValue", "DescribeSecret", "UpdateSecretVersionStage",
                        "UpdateSecretVersionStage"), secrets.operations());
                assertTrue(bodies.get(0).contains((String) out.get("token")), "the issued token is what was delivered");

                Map<String, Object> rotated = handler.handleRequest(
                        new java.util.HashMap<>(Map.of("clientId", "SAMPLE03", "graceSeconds", 60)), lambdaContext());
                assertEquals("gracekeys/sample03", rotated.get("deliveredTo"), "remembered for the next rotation");
            }
        }
    }

    static void assertFails(RotateHandler handler, String sample, Class<? extends GraceKeysException> type, String mention) {
        GraceKeysException e = assertThrows(type, () -> handler.handleRequest(event(sample), lambdaContext()), sample);
        assertTrue(e.getMessage().contains(mention), sample + ": " + e.getMessage());
    }
}
