package dev.gracekeys.functions.rotatesecret;

import dev.gracekeys.aws.secretsmanager.SecretsManagerTokenDelivery;
import dev.gracekeys.core.GraceKeys;
import dev.gracekeys.core.GraceKeysConfig;
import dev.gracekeys.core.ValidationException;
import dev.gracekeys.core.events.DomainEvent;
import dev.gracekeys.core.model.TokenSlot;
import dev.gracekeys.core.ops.Requests.RotateRequest;
import dev.gracekeys.core.ops.Results.ClientView;
import dev.gracekeys.core.ops.RotationSecret;
import dev.gracekeys.core.ops.TokenDeliveryException;
import dev.gracekeys.core.testing.Fixture;
import dev.gracekeys.core.verify.Verdict;
import dev.gracekeys.lambda.LambdaTestKit;
import dev.gracekeys.store.dynamodb.DynamoDbGraceKeys;
import dev.gracekeys.store.dynamodb.testing.DynamoDbLocalExtension;
import dev.gracekeys.store.dynamodb.testing.TestTable;
import dev.gracekeys.testkit.MotoServer;
import dev.gracekeys.testkit.MotoServerExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.protocols.jsoncore.JsonNode;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.ResourceNotFoundException;
import software.amazon.awssdk.services.secretsmanager.model.SecretsManagerException;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static dev.gracekeys.lambda.LambdaTestKit.event;
import static dev.gracekeys.lambda.LambdaTestKit.lambdaContext;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The handler in its own Micronaut context, as on AWS, over DynamoDB Local and moto's Secrets
 * Manager (skipped without moto): the four samples of events/rotate-secret/ in Secrets Manager's
 * order, each retried, after moto's {@code rotate-secret} made the AWSPENDING stub (and answered
 * with an error, as it cannot invoke a Lambda).
 */
@ExtendWith({DynamoDbLocalExtension.class, MotoServerExtension.class})
class RotateSecretHandlerIT {

    /** What the samples name. */
    static final String SECRET = "gracekeys/sample04";
    static final String T = "5f0c7d1e-3b8a-4c2f-9e61-0a7b4d2c8f35";
    static final String CLIENT = "SAMPLE04";

    private final MotoServer moto;
    private SecretsManagerClient secrets;

    RotateSecretHandlerIT(MotoServer moto) {
        this.moto = moto;
    }

    @BeforeEach
    void client() {
        secrets = moto.configure(SecretsManagerClient.builder()).build();
        try {
            secrets.deleteSecret(r -> r.secretId(SECRET).forceDeleteWithoutRecovery(true)); // one moto per JVM
        } catch (ResourceNotFoundException e) {
            // first use
        }
    }

    @AfterEach
    void close() {
        secrets.close();
    }

    @Test
    void theFourSamples_inOrder_andEachRetried_rotateTheClient_withoutAGap(TestTable table) {
        LambdaTestKit kit = new LambdaTestKit(table).with("SECRETSMANAGER_ENDPOINT", moto.endpoint().toString());
        GraceKeys core = core(kit);
        secrets.createSecret(r -> r.name(SECRET).secretString("{}"));
        String old = core.tokens().rotate(new RotateRequest(CLIENT, null, true, "Sample 04", SECRET)).token();
        String oldVersion = versionWith("AWSCURRENT");
        startRotation(SECRET, T);
        kit.events.clear();

        try (RotateSecretHandler handler = new RotateSecretHandler(kit.context())) {
            for (String step : List.of("rotate-secret/create-secret.json", "rotate-secret/set-secret.json",
                    "rotate-secret/test-secret.json", "rotate-secret/finish-secret.json")) {
                for (int attempt = 0; attempt < 2; attempt++) { // Secrets Manager retries steps
                    assertNull(handler.handleRequest(event(step), lambdaContext()), step);
                    assertTrue(core.verifier().verify(old).allowed(), "the old token verifies after " + step);
                }
                kit.clock.advance(Duration.ofMinutes(1));
            }
        }

        String fresh = field(secrets.getSecretValue(r -> r.secretId(SECRET).versionStage("AWSCURRENT")).secretString(), "token");
        assertNotEquals(old, fresh);
        Map<String, List<String>> stages = secrets.describeSecret(r -> r.secretId(SECRET)).versionIdsToStages();
        assertTrue(stages.get(T).contains("AWSCURRENT"), stages.toString());
        assertEquals(List.of("AWSPREVIOUS"), stages.get(oldVersion));
        Verdict current = core.verifier().verify(fresh);
        assertTrue(current.allowed() && current.slot() == TokenSlot.CURRENT && CLIENT.equals(current.clientId()), current.toString());
        Verdict previous = core.verifier().verify(old);
        assertTrue(previous.allowed() && previous.slot() == TokenSlot.PREVIOUS, previous.toString());
        assertEquals(kit.clock.instant().minus(Duration.ofMinutes(1)).plus(Duration.ofDays(1)), previous.previousExpiresAt(),
                "the grace window starts at finishSecret");
        ClientView view = core.tokens().describe(CLIENT);
        assertEquals(current.tokenId(), view.current().tokenId());
        assertEquals(1, kit.events.ofType(DomainEvent.TOKEN_ROTATED).size(), "one rotation, retries included");

        kit.clock.advance(Duration.ofDays(1));
        assertFalse(core.verifier().verify(old).allowed(), "the old token stops at the end of its grace");
        assertTrue(core.verifier().verify(fresh).allowed());
    }

    @Test
    void aSecretThatIsNotAGraceKeysDeliverySecret_isRefused_andLeftAlone(TestTable table) {
        LambdaTestKit kit = new LambdaTestKit(table).with("SECRETSMANAGER_ENDPOINT", moto.endpoint().toString());
        String name = "gracekeys/other-" + UUID.randomUUID();
        secrets.createSecret(r -> r.name(name).secretString("{\"username\":\"db\",\"password\":\"hunter2-not-a-token\"}"));
        String t = UUID.randomUUID().toString();
        startRotation(name, t);
        var before = table.snapshot();

        try (RotateSecretHandler handler = new RotateSecretHandler(kit.context())) {
            ValidationException e = assertThrows(ValidationException.class,
                    () -> handler.handleRequest(RotateSecretHandlerTest.payload("createSecret", name, t), lambdaContext()));
            assertTrue(e.getMessage().contains("deliverToSecretId"), e.getMessage());
            assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
        }
        assertEquals(before, table.snapshot());
        assertThrows(SecretsManagerException.class,
                () -> secrets.getSecretValue(r -> r.secretId(name).versionId(t).versionStage("AWSPENDING")), "no value written");
    }

    @Test
    void withoutSecretsManager_aStepFails_sayingHowToConfigureOne(TestTable table) {
        LambdaTestKit kit = new LambdaTestKit(table);
        try (RotateSecretHandler handler = new RotateSecretHandler(kit.context(RotationSecret.NONE))) {
            TokenDeliveryException e = assertThrows(TokenDeliveryException.class,
                    () -> handler.handleRequest(event("rotate-secret/create-secret.json"), lambdaContext()));
            assertTrue(e.getMessage().contains("--aws-endpoint"), e.getMessage());
        }
    }

    /** The core over the kit's table, pepper and clock, delivering into moto. */
    private GraceKeys core(LambdaTestKit kit) {
        return DynamoDbGraceKeys.builder(GraceKeysConfig.fromEnv(kit.settings()), kit.table.client())
                .pepper(Fixture.PEPPER).events(kit.events).clock(kit.clock)
                .delivery(new SecretsManagerTokenDelivery(() -> secrets))
                .build();
    }

    /** moto's rotate-secret: makes version {@code t}, AWSPENDING and value-less, then fails to invoke the Lambda. */
    private void startRotation(String secretId, String t) {
        assertThrows(SecretsManagerException.class, () -> secrets.rotateSecret(r -> r.secretId(secretId).clientRequestToken(t)
                .rotationLambdaARN("arn:aws:lambda:us-east-1:" + MotoServer.ACCOUNT + ":function:gracekeys-rotate-secret:live")
                .rotationRules(rr -> rr.scheduleExpression("rate(30 days)"))));
    }

    private String versionWith(String stage) {
        return secrets.describeSecret(r -> r.secretId(SECRET)).versionIdsToStages().entrySet().stream()
                .filter(e -> e.getValue().contains(stage)).map(Map.Entry::getKey).findFirst().orElseThrow();
    }

    private static String field(String json, String name) {
        return JsonNode.parser().parse(json).asObject().get(name).text();
    }
}
