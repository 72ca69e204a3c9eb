package dev.gracekeys.aws.emulators;

import dev.gracekeys.aws.secretsmanager.SecretsManagerRotationSecret;
import dev.gracekeys.core.ValidationException;
import dev.gracekeys.core.ops.RotationSecret;
import dev.gracekeys.core.ops.TokenDeliveryException;
import dev.gracekeys.testkit.MotoServer;
import dev.gracekeys.testkit.MotoServerExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.SecretsManagerException;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Emulator: {@link SecretsManagerRotationSecret} against moto's Secrets Manager (skipped, not
 * failed, without moto), through the real SDK client, on the version a real rotation works on: the
 * value-less AWSPENDING stub that {@code rotate-secret --client-request-token T} makes before it
 * would invoke the rotation Lambda. moto 5.2 then answers the caller with an error, since it cannot
 * invoke a Lambda; the stub is made first, and the tests catch the error and carry on, as the four
 * steps would when Secrets Manager calls them.
 */
@ExtendWith(MotoServerExtension.class)
class SecretsManagerRotationMotoIT {

    private static final String OLD = "{\"clientId\":\"GRACE01\",\"tokenId\":\"gk_old000\",\"token\":\"the-old-token\"}";
    private static final String NEW = "{\"clientId\":\"GRACE01\",\"tokenId\":\"gk_new000\",\"token\":\"the-new-token\"}";

    private final MotoServer moto;
    private SecretsManagerClient secrets;
    private SecretsManagerRotationSecret adapter;

    SecretsManagerRotationMotoIT(MotoServer moto) {
        this.moto = moto;
    }

    @BeforeEach
    void client() {
        secrets = moto.configure(SecretsManagerClient.builder()).build();
        adapter = new SecretsManagerRotationSecret(secrets);
    }

    @AfterEach
    void close() {
        secrets.close();
    }

    @Test
    void describe_givesNameArnAndTheStagesOfEveryVersion_includingTheRotationStub() {
        String name = "gracekeys/" + UUID.randomUUID();
        String first = secrets.createSecret(r -> r.name(name).secretString(OLD)).versionId();
        String t = startRotation(name);

        RotationSecret.Description d = adapter.describe(name);

        assertEquals(name, d.name());
        assertTrue(d.arn().startsWith("arn:aws:secretsmanager:us-east-1:" + MotoServer.ACCOUNT + ":secret:" + name), d.arn());
        assertEquals(Map.of(first, List.of("AWSCURRENT"), t, List.of("AWSPENDING")), d.stagesByVersion());
        assertEquals(first, d.versionWith(RotationSecret.CURRENT));
        assertEquals(t, d.versionWith(RotationSecret.PENDING));
        assertTrue(d.has(t, RotationSecret.PENDING));
        assertEquals(d, adapter.describe(d.arn()), "by ARN as by name");
    }

    @Test
    void value_ofTheStub_isNull_andAVersionIsReadOnlyUnderAStageItCarries() {
        String name = "gracekeys/" + UUID.randomUUID();
        String first = secrets.createSecret(r -> r.name(name).secretString(OLD)).versionId();
        String t = startRotation(name);

        assertNull(adapter.value(name, t, RotationSecret.PENDING), "the stub has no value");
        assertNull(adapter.value(name, t, RotationSecret.CURRENT), "T is not AWSCURRENT");
        assertNull(adapter.value(name, first, RotationSecret.PENDING), "the current version is not AWSPENDING");
        assertNull(adapter.value(name, UUID.randomUUID().toString(), RotationSecret.PENDING), "no such version");
        assertEquals(OLD, adapter.value(name, first, RotationSecret.CURRENT));
    }

    @Test
    void putPending_fillsTheStub_asAwsPending_leavingAwsCurrentAlone_andARetryChangesNothing() {
        String name = "gracekeys/" + UUID.randomUUID();
        String first = secrets.createSecret(r -> r.name(name).secretString(OLD)).versionId();
        String t = startRotation(name);

        adapter.putPending(name, t, NEW);
        adapter.putPending(name, t, NEW); // Secrets Manager retried createSecret

        assertEquals(NEW, adapter.value(name, t, RotationSecret.PENDING));
        assertEquals(OLD, secrets.getSecretValue(r -> r.secretId(name)).secretString(), "consumers still read the old token");
        assertEquals(Map.of(first, List.of("AWSCURRENT"), t, List.of("AWSPENDING")), adapter.describe(name).stagesByVersion());
    }

    @Test
    void moveCurrent_makesTheRotationVersionCurrent_andLabelsTheOldOneAwsPrevious() {
        String name = "gracekeys/" + UUID.randomUUID();
        String first = secrets.createSecret(r -> r.name(name).secretString(OLD)).versionId();
        String t = startRotation(name);
        adapter.putPending(name, t, NEW);

        adapter.moveCurrent(name, t, first);

        Map<String, List<String>> stages = adapter.describe(name).stagesByVersion();
        assertEquals(List.of("AWSPREVIOUS"), stages.get(first));
        assertTrue(stages.get(t).containsAll(List.of("AWSCURRENT", "AWSPENDING")), "AWSPENDING stays on T: " + stages);
        // Named: moto 5.2 answers a GetSecretValue without a stage from the version the secret was
        // created or last put with, not from AWSCURRENT once UpdateSecretVersionStage has moved it.
        assertEquals(NEW, secrets.getSecretValue(r -> r.secretId(name).versionStage("AWSCURRENT")).secretString());
        assertEquals(OLD, secrets.getSecretValue(r -> r.secretId(name).versionStage("AWSPREVIOUS")).secretString());
        assertEquals(NEW, adapter.value(name, t, RotationSecret.CURRENT));
    }

    @Test
    void aMissingSecret_isAValidationErrorToDescribe_noValue_andAFailureToChange_neverQuotingTheValue() {
        String name = "gracekeys/missing-" + UUID.randomUUID();
        String t = UUID.randomUUID().toString();

        ValidationException described = assertThrows(ValidationException.class, () -> adapter.describe(name));
        assertTrue(described.getMessage().contains(name) && described.getMessage().contains("ResourceNotFoundException"),
                described.getMessage());
        assertNull(adapter.value(name, t, RotationSecret.PENDING));
        TokenDeliveryException put = assertThrows(TokenDeliveryException.class, () -> adapter.putPending(name, t, NEW));
        assertTrue(put.getMessage().contains(name) && put.getMessage().contains("ResourceNotFoundException")
                && put.getMessage().contains("secretsmanager:PutSecretValue"), put.getMessage());
        assertFalse(put.getMessage().contains("the-new-token"), put.getMessage());
        TokenDeliveryException move = assertThrows(TokenDeliveryException.class,
                () -> adapter.moveCurrent(name, t, UUID.randomUUID().toString()));
        assertTrue(move.getMessage().contains("ResourceNotFoundException"), move.getMessage());
    }

    @Test
    void moveCurrent_toAVersionThatDoesNotExist_failsWithTheAwsErrorCode() {
        String name = "gracekeys/" + UUID.randomUUID();
        String first = secrets.createSecret(r -> r.name(name).secretString(OLD)).versionId();

        TokenDeliveryException e = assertThrows(TokenDeliveryException.class,
                () -> adapter.moveCurrent(name, UUID.randomUUID().toString(), first));
        assertTrue(e.getMessage().contains("InvalidParameterException") && e.getMessage().contains("UpdateSecretVersionStage"),
                e.getMessage());
        // Not checked: what is left labelled. moto 5.2 has taken AWSCURRENT off the old version before
        // it finds the new one missing (AWS validates first); the steps never move to a version they
        // have not just described.
    }

    /**
     * {@code rotate-secret --client-request-token T}: moto makes version T, AWSPENDING, without a
     * value, then fails to invoke the (absent) rotation Lambda and says so to the caller.
     */
    private String startRotation(String name) {
        String t = UUID.randomUUID().toString();
        SecretsManagerException e = assertThrows(SecretsManagerException.class, () -> secrets.rotateSecret(r -> r.secretId(name)
                .clientRequestToken(t).rotationLambdaARN("arn:aws:lambda:us-east-1:" + MotoServer.ACCOUNT
                        + ":function:gracekeys-rotate-secret")
                .rotationRules(rr -> rr.scheduleExpression("rate(30 days)"))));
        assertEquals("ResourceNotFoundException", e.awsErrorDetails().errorCode(), "moto cannot invoke the Lambda");
        return t;
    }
}
