package dev.gracekeys.aws.secretsmanager;

import dev.gracekeys.testkit.LoopbackAws;

import dev.gracekeys.core.ops.TokenDeliveryException;
import dev.gracekeys.core.token.IssuedToken;
import dev.gracekeys.core.token.Pepper;
import dev.gracekeys.core.token.PepperSource;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The Secrets Manager adapters, checked at the wire with the real SDK against a loopback server. */
class SecretsManagerWireTest {

    private static final String PEPPER_A = base64("pepper-A-0123456789abcdef0123456789abcdef");
    private static final String PEPPER_B = base64("pepper-B-0123456789abcdef0123456789abcdef");

    @Test
    void pepperSource_readsAwsCurrentAndAwsPrevious_ofTheNamedSecret() {
        try (LoopbackAws sm = new LoopbackAws((op, body) -> LoopbackAws.Reply.ok(
                "{\"Name\":\"gk-pepper\",\"VersionId\":\"v\",\"SecretString\":\""
                        + (body.contains("AWSPREVIOUS") ? PEPPER_A : PEPPER_B) + "\"}"));
             SecretsManagerClient client = client(sm)) {
            PepperSource.Peppers peppers = new SecretsManagerPepperSource(client, "gk-pepper").load();

            assertEquals(Pepper.fromBase64(PEPPER_B), peppers.current());
            assertEquals(Pepper.fromBase64(PEPPER_A), peppers.previous());
            assertEquals(List.of("GetSecretValue", "GetSecretValue"), sm.operations());
            assertTrue(sm.calls().get(0).body().contains("\"SecretId\":\"gk-pepper\""));
            assertTrue(sm.calls().get(0).body().contains("\"VersionStage\":\"AWSCURRENT\""));
            assertTrue(sm.calls().get(1).body().contains("\"VersionStage\":\"AWSPREVIOUS\""));
        }
    }

    @Test
    void pepperSource_withoutAwsPrevious_hasNoPreviousPepper() {
        try (LoopbackAws sm = new LoopbackAws((op, body) -> body.contains("AWSPREVIOUS")
                ? LoopbackAws.Reply.error(400, "ResourceNotFoundException")
                : LoopbackAws.Reply.ok("{\"Name\":\"gk-pepper\",\"SecretString\":\"" + PEPPER_A + "\"}"));
             SecretsManagerClient client = client(sm)) {
            PepperSource.Peppers peppers = new SecretsManagerPepperSource(client, "gk-pepper").load();
            assertEquals(Pepper.fromBase64(PEPPER_A), peppers.current());
            assertNull(peppers.previous());
        }
    }

    @Test
    void pepperSource_failure_namesTheSecretAndThePermission_neverThePepper() {
        try (LoopbackAws sm = new LoopbackAws((op, body) -> LoopbackAws.Reply.error(400, "AccessDeniedException"));
             SecretsManagerClient client = client(sm)) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> new SecretsManagerPepperSource(client, "gk-pepper").load());
            assertTrue(e.getMessage().contains("gk-pepper") && e.getMessage().contains("GetSecretValue"), e.getMessage());
        }
    }

    @Test
    void delivery_stagesAsPending_thenMovesAwsCurrent_thenClearsPending() {
        try (LoopbackAws sm = new LoopbackAws((op, body) -> switch (op) {
            case "PutSecretValue" -> LoopbackAws.Reply.ok("{\"Name\":\"gracekeys/grace01\",\"VersionId\":\"v2\"}");
            case "DescribeSecret" -> LoopbackAws.Reply.ok("{\"Name\":\"gracekeys/grace01\",\"VersionIdsToStages\":"
                    + "{\"v1\":[\"AWSCURRENT\"],\"v2\":[\"AWSPENDING\"]}}");
            default -> LoopbackAws.Reply.ok("{\"Name\":\"gracekeys/grace01\"}");
        });
             SecretsManagerClient client = client(sm)) {
            SecretsManagerTokenDelivery delivery = new SecretsManagerTokenDelivery(() -> client);
            IssuedToken token = new IssuedToken("gk_TOKENVALUE0123456789", "gk_TOKENV");

            String version = delivery.stage("gracekeys/grace01", "GRACE01", token);
            delivery.promote("gracekeys/grace01", version);

            assertEquals("v2", version);
            assertEquals(List.of("PutSecretValue", "DescribeSecret", "UpdateSecretVersionStage", "UpdateSecretVersionStage"),
                    sm.operations());
            String put = sm.calls().get(0).body();
            assertTrue(put.contains("\"SecretId\":\"gracekeys/grace01\""), put);
            assertTrue(put.contains("\"VersionStages\":[\"AWSPENDING\"]"), put);
            assertTrue(put.contains("\"ClientRequestToken\":\""), "idempotent retries: " + put);
            assertTrue(put.contains("{\\\"clientId\\\":\\\"GRACE01\\\",\\\"tokenId\\\":\\\"gk_TOKENV\\\",\\\"token\\\":\\\"gk_TOKENVALUE0123456789\\\"}"), put);
            String move = sm.calls().get(2).body();
            assertTrue(move.contains("\"VersionStage\":\"AWSCURRENT\"") && move.contains("\"MoveToVersionId\":\"v2\"")
                    && move.contains("\"RemoveFromVersionId\":\"v1\""), move);
            String clear = sm.calls().get(3).body();
            assertTrue(clear.contains("\"VersionStage\":\"AWSPENDING\"") && clear.contains("\"RemoveFromVersionId\":\"v2\""), clear);
        }
    }

    @Test
    void deliveryFailure_saysWhatToCheck_withoutTheToken() {
        try (LoopbackAws sm = new LoopbackAws((op, body) -> LoopbackAws.Reply.error(400, "ResourceNotFoundException"));
             SecretsManagerClient client = client(sm)) {
            TokenDeliveryException e = assertThrows(TokenDeliveryException.class, () -> new SecretsManagerTokenDelivery(() -> client)
                    .stage("gracekeys/nope", "GRACE01", new IssuedToken("gk_SECRETVALUE0123", "gk_SECRET")));
            assertTrue(e.getMessage().contains("gracekeys/nope") && e.getMessage().contains("ResourceNotFoundException")
                    && e.getMessage().contains("nothing was rotated"), e.getMessage());
            assertFalse(e.getMessage().contains("gk_SECRETVALUE0123"));
        }
    }

    private static SecretsManagerClient client(LoopbackAws sm) {
        return sm.configure(SecretsManagerClient.builder()).build();
    }

    private static String base64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }
}
