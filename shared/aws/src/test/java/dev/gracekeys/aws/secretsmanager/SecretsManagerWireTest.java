package dev.gracekeys.aws.secretsmanager;

import dev.gracekeys.testkit.LoopbackAws;

import dev.gracekeys.core.ops.TokenDeliveryException;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Injected faults: the Secrets Manager adapters against a loopback server that answers what no
 * emulator can be made to answer on demand (AccessDenied, a refused request on a version that does
 * carry its stage), through the real SDK. What an emulator can show (the pepper's AWSCURRENT and
 * AWSPREVIOUS, delivery's stage and promote, a missing secret, rotation's stub, putPending and
 * moveCurrent) is tested against moto and LocalStack in {@code dev.gracekeys.aws.emulators}.
 */
class SecretsManagerWireTest {

    /** Injected fault: AccessDenied on the pepper secret; the message names the secret and the permission. */
    @Test
    void pepperSource_failure_namesTheSecretAndThePermission_neverThePepper() {
        try (LoopbackAws sm = new LoopbackAws((op, body) -> LoopbackAws.Reply.error(400, "AccessDeniedException"));
             SecretsManagerClient client = client(sm)) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> new SecretsManagerPepperSource(client, "gk-pepper").load());
            assertTrue(e.getMessage().contains("gk-pepper") && e.getMessage().contains("GetSecretValue"), e.getMessage());
        }
    }

    /**
     * Injected fault: AccessDenied on every call of a rotation step. Each failure names the secret,
     * the AWS error code and the permission, never the value; a read names the version and its
     * stage on the wire (so a step never reads a version under a stage it does not carry).
     */
    @Test
    void rotationSecret_accessDenied_namesTheCodeAndThePermission_neverTheValue() {
        try (LoopbackAws sm = new LoopbackAws((op, body) -> LoopbackAws.Reply.error(400, "AccessDeniedException"));
             SecretsManagerClient client = client(sm)) {
            SecretsManagerRotationSecret secret = new SecretsManagerRotationSecret(client);

            TokenDeliveryException read = assertThrows(TokenDeliveryException.class,
                    () -> secret.value("gracekeys/grace01", "v-T", "AWSPENDING"));
            assertTrue(read.getMessage().contains("gracekeys/grace01") && read.getMessage().contains("AccessDeniedException")
                    && read.getMessage().contains("secretsmanager:GetSecretValue"), read.getMessage());
            String get = sm.calls().get(0).body();
            assertTrue(get.contains("\"VersionId\":\"v-T\"") && get.contains("\"VersionStage\":\"AWSPENDING\""), get);

            TokenDeliveryException put = assertThrows(TokenDeliveryException.class,
                    () -> secret.putPending("gracekeys/grace01", "v-T", "{\"token\":\"gk_SECRETVALUE0123\"}"));
            assertTrue(put.getMessage().contains("secretsmanager:PutSecretValue") && put.getMessage().contains("AccessDeniedException"),
                    put.getMessage());
            assertFalse(put.getMessage().contains("gk_SECRETVALUE0123"), put.getMessage());

            TokenDeliveryException move = assertThrows(TokenDeliveryException.class,
                    () -> secret.moveCurrent("gracekeys/grace01", "v-T", "v-1"));
            assertTrue(move.getMessage().contains("secretsmanager:UpdateSecretVersionStage"), move.getMessage());
            TokenDeliveryException describe = assertThrows(TokenDeliveryException.class,
                    () -> secret.describe("gracekeys/grace01"));
            assertTrue(describe.getMessage().contains("secretsmanager:DescribeSecret"), describe.getMessage());
        }
    }

    /**
     * Injected fault: GetSecretValue refused as an invalid request although the version does carry
     * the stage (as for a secret scheduled for deletion): a failure, not "no value".
     */
    @Test
    void rotationSecret_invalidRequestOnAVersionCarryingTheStage_isAFailure_notNoValue() {
        try (LoopbackAws sm = new LoopbackAws((op, body) -> switch (op) {
            case "GetSecretValue" -> LoopbackAws.Reply.error(400, "InvalidRequestException");
            default -> LoopbackAws.Reply.ok("{\"ARN\":\"arn:aws:secretsmanager:us-east-1:123456789012:secret:gracekeys/g-AbCdEf\","
                    + "\"Name\":\"gracekeys/g\",\"VersionIdsToStages\":{\"v-T\":[\"AWSPENDING\"]}}");
        });
             SecretsManagerClient client = client(sm)) {
            TokenDeliveryException e = assertThrows(TokenDeliveryException.class,
                    () -> new SecretsManagerRotationSecret(client).value("gracekeys/g", "v-T", "AWSPENDING"));
            assertTrue(e.getMessage().contains("InvalidRequestException"), e.getMessage());
            assertEquals(List.of("GetSecretValue", "DescribeSecret"), sm.operations());
        }
    }

    /**
     * Injected race: the stage move is refused because another call (a resend of the same rotate) moved
     * AWSCURRENT to this very version after this one read the secret. Delivered: no failure. Refused
     * while AWSCURRENT is still elsewhere: a failure.
     */
    @Test
    void delivery_promote_whoseMoveLosesToAnotherCallPromotingTheSameVersion_isDelivered() {
        for (boolean movedByTheOther : List.of(true, false)) {
            int[] describes = {0};
            try (LoopbackAws sm = new LoopbackAws((op, body) -> switch (op) {
                case "DescribeSecret" -> LoopbackAws.Reply.ok("{\"Name\":\"gracekeys/g\",\"VersionIdsToStages\":"
                        + (++describes[0] == 1 || !movedByTheOther
                        ? "{\"v-old\":[\"AWSCURRENT\"],\"v-new\":[\"AWSPENDING\"]}}"
                        : "{\"v-old\":[\"AWSPREVIOUS\"],\"v-new\":[\"AWSCURRENT\"]}}"));
                case "UpdateSecretVersionStage" -> body.contains("AWSCURRENT")
                        ? LoopbackAws.Reply.error(400, "InvalidParameterException")
                        : LoopbackAws.Reply.ok("{\"Name\":\"gracekeys/g\"}");
                default -> LoopbackAws.Reply.error(400, "InvalidRequestException");
            });
                 SecretsManagerClient client = client(sm)) {
                SecretsManagerTokenDelivery delivery = new SecretsManagerTokenDelivery(() -> client);
                if (movedByTheOther) {
                    delivery.promote("gracekeys/g", "v-new");
                    assertEquals(List.of("DescribeSecret", "UpdateSecretVersionStage", "DescribeSecret",
                            "UpdateSecretVersionStage"), sm.operations());
                } else {
                    TokenDeliveryException e = assertThrows(TokenDeliveryException.class,
                            () -> delivery.promote("gracekeys/g", "v-new"));
                    assertTrue(e.getMessage().contains("InvalidParameterException"), e.getMessage());
                }
            }
        }
    }

    private static SecretsManagerClient client(LoopbackAws sm) {
        return sm.configure(SecretsManagerClient.builder()).build();
    }
}
