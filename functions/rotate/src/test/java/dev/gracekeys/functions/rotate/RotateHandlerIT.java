package dev.gracekeys.functions.rotate;

import dev.gracekeys.core.ClientAlreadyExistsException;
import dev.gracekeys.core.ClientNotFoundException;
import dev.gracekeys.core.GraceKeysException;
import dev.gracekeys.core.ValidationException;
import dev.gracekeys.core.events.DomainEvent;
import dev.gracekeys.store.dynamodb.testing.DynamoDbLocalExtension;
import dev.gracekeys.store.dynamodb.testing.TestTable;
import dev.gracekeys.lambda.LambdaTestKit;
import dev.gracekeys.testkit.MotoServer;
import dev.gracekeys.testkit.MotoServerExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.protocols.jsoncore.JsonNode;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.GetSecretValueResponse;
import software.amazon.awssdk.services.secretsmanager.model.ResourceNotFoundException;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.gracekeys.lambda.LambdaTestKit.event;
import static dev.gracekeys.lambda.LambdaTestKit.lambdaContext;
import static org.junit.jupiter.api.Assertions.*;

@ExtendWith(DynamoDbLocalExtension.class)
class RotateHandlerIT {

    /** The secret events/rotate/create-with-delivery.json delivers to. */
    static final String SAMPLE_SECRET = "gracekeys/sample03";

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

    /**
     * The delivery sample through the real handler and SDK against moto's Secrets Manager (skipped,
     * not failed, without moto). The secret is made as ops make it (no value, deployment.md); the
     * pusher's view is GetSecretValue at AWSCURRENT (always with the stage: moto may otherwise return
     * a stage-less version).
     */
    @Test
    void createWithDeliverySample_writesTheTokenToTheSecret_andRemembersIt(TestTable table) {
        MotoServer moto = MotoServerExtension.server();
        try (SecretsManagerClient secrets = moto.configure(SecretsManagerClient.builder()).build()) {
            try {
                secrets.deleteSecret(r -> r.secretId(SAMPLE_SECRET).forceDeleteWithoutRecovery(true)); // one moto per JVM
            } catch (ResourceNotFoundException e) {
                // first use
            }
            secrets.createSecret(r -> r.name(SAMPLE_SECRET).description("GraceKeys token of client SAMPLE03"));

            LambdaTestKit kit = new LambdaTestKit(table).with("SECRETSMANAGER_ENDPOINT", moto.endpoint().toString());
            try (RotateHandler handler = new RotateHandler(kit.context())) {
                Map<String, Object> out = handler.handleRequest(event("rotate/create-with-delivery.json"), lambdaContext());
                assertEquals(SAMPLE_SECRET, out.get("deliveredTo"));
                String first = assertDelivered(secrets, out);
                Map<String, List<String>> stages = secrets.describeSecret(r -> r.secretId(SAMPLE_SECRET)).versionIdsToStages();
                assertEquals(Map.of(first, List.of("AWSCURRENT")), stages, "the one version is current, no AWSPENDING left");

                Map<String, Object> rotated = handler.handleRequest(
                        new HashMap<>(Map.of("clientId", "SAMPLE03", "graceSeconds", 60)), lambdaContext());
                assertEquals(SAMPLE_SECRET, rotated.get("deliveredTo"), "remembered for the next rotation");
                String second = assertDelivered(secrets, rotated);
                assertNotEquals(first, second, "a new version");
                stages = secrets.describeSecret(r -> r.secretId(SAMPLE_SECRET)).versionIdsToStages();
                assertEquals(Map.of(second, List.of("AWSCURRENT"), first, List.of("AWSPREVIOUS")), stages);
                assertTrue(kit.core().verifier().verify((String) out.get("token")).allowed(), "the first token is in its grace");
                assertTrue(kit.core().verifier().verify((String) rotated.get("token")).allowed());
            }
        }
    }

    /**
     * What a pusher reads at AWSCURRENT is {@code {"clientId","tokenId","token"}} of the rotation's
     * answer (compared without echoing the token); returns that version's id.
     */
    private static String assertDelivered(SecretsManagerClient secrets, Map<String, Object> answer) {
        GetSecretValueResponse current = secrets.getSecretValue(r -> r.secretId(SAMPLE_SECRET).versionStage("AWSCURRENT"));
        Map<String, JsonNode> value = JsonNode.parser().parse(current.secretString()).asObject();
        assertEquals(List.of("clientId", "tokenId", "token"), List.copyOf(value.keySet()));
        assertEquals("SAMPLE03", value.get("clientId").text());
        assertEquals(answer.get("tokenId"), value.get("tokenId").text());
        assertTrue(value.get("token").text().equals(answer.get("token")), "the secret holds the token the rotation issued");
        assertTrue(current.versionStages().contains("AWSCURRENT"), current.versionStages().toString());
        return current.versionId();
    }

    static void assertFails(RotateHandler handler, String sample, Class<? extends GraceKeysException> type, String mention) {
        GraceKeysException e = assertThrows(type, () -> handler.handleRequest(event(sample), lambdaContext()), sample);
        assertTrue(e.getMessage().contains(mention), sample + ": " + e.getMessage());
    }
}
