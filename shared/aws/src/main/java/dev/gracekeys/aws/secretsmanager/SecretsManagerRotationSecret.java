package dev.gracekeys.aws.secretsmanager;

import dev.gracekeys.core.ValidationException;
import dev.gracekeys.core.ops.RotationSecret;
import dev.gracekeys.core.ops.TokenDeliveryException;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.DescribeSecretResponse;
import software.amazon.awssdk.services.secretsmanager.model.GetSecretValueResponse;
import software.amazon.awssdk.services.secretsmanager.model.InvalidRequestException;
import software.amazon.awssdk.services.secretsmanager.model.ResourceNotFoundException;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * A client's delivery secret as rotate-secret's steps read and change it, over Secrets Manager:
 * DescribeSecret, GetSecretValue (always by version id <em>and</em> stage, so a step never reads a
 * version other than the one it names), PutSecretValue (the rotation token as the version id, so a
 * retried createSecret writes the same version) and UpdateSecretVersionStage.
 *
 * <p>Every failure is a {@link TokenDeliveryException} naming the secret, the AWS error code and
 * what to check; no message here contains a secret value.
 */
public final class SecretsManagerRotationSecret implements RotationSecret {

    private final Supplier<SecretsManagerClient> clients;

    /** @param clients built at the first call: a container that never rotates a secret never builds it */
    public SecretsManagerRotationSecret(Supplier<SecretsManagerClient> clients) {
        this.clients = Objects.requireNonNull(clients, "clients");
    }

    /** Over a ready client. */
    public SecretsManagerRotationSecret(SecretsManagerClient client) {
        this(() -> client);
        Objects.requireNonNull(client, "client");
    }

    @Override
    public Description describe(String secretId) {
        DescribeSecretResponse d;
        try {
            d = clients.get().describeSecret(r -> r.secretId(secretId));
        } catch (ResourceNotFoundException e) {
            throw new ValidationException("SecretId: there is no secret " + secretId + " (ResourceNotFoundException):"
                    + " rotate-secret rotates a client's delivery secret, which must exist");
        } catch (SdkException e) {
            throw failure("could not describe secret " + secretId, e, "secretsmanager:DescribeSecret");
        }
        Map<String, List<String>> stages = d.hasVersionIdsToStages() ? d.versionIdsToStages() : Map.of();
        return new Description(d.arn(), d.name(), stages);
    }

    @Override
    public String value(String secretId, String versionId, String stage) {
        GetSecretValueResponse v;
        try {
            v = clients.get().getSecretValue(r -> r.secretId(secretId).versionId(versionId).versionStage(stage));
        } catch (ResourceNotFoundException e) {
            return null; // no such version, or the value-less stub Secrets Manager makes when a rotation starts
        } catch (InvalidRequestException e) {
            // Secrets Manager's answer when the version exists but does not carry the stage; any
            // other invalid request (e.g. a secret scheduled for deletion) is a failure.
            if (!describe(secretId).has(versionId, stage)) {
                return null;
            }
            throw failure("could not read version " + versionId + " (" + stage + ") of secret " + secretId, e,
                    "secretsmanager:GetSecretValue");
        } catch (SdkException e) {
            throw failure("could not read version " + versionId + " (" + stage + ") of secret " + secretId, e,
                    "secretsmanager:GetSecretValue");
        }
        return v.secretString(); // null for a binary secret: not a GraceKeys value
    }

    @Override
    public void putPending(String secretId, String versionId, String value) {
        try {
            clients.get().putSecretValue(r -> r.secretId(secretId).clientRequestToken(versionId).secretString(value)
                    .versionStages(PENDING));
        } catch (SdkException e) {
            throw failure("could not write the pending token to version " + versionId + " of secret " + secretId
                    + "; nothing was rotated", e, "secretsmanager:PutSecretValue");
        }
    }

    @Override
    public void moveCurrent(String secretId, String versionId, String fromVersionId) {
        try {
            clients.get().updateSecretVersionStage(r -> r.secretId(secretId).versionStage(CURRENT)
                    .moveToVersionId(versionId).removeFromVersionId(fromVersionId));
        } catch (SdkException e) {
            throw failure("could not move " + CURRENT + " of secret " + secretId + " to version " + versionId
                    + "; consumers still read the old token, which still verifies", e,
                    "secretsmanager:UpdateSecretVersionStage");
        }
    }

    private static TokenDeliveryException failure(String what, SdkException e, String action) {
        return new TokenDeliveryException(what + " (" + code(e) + "). Check that the secret exists and that"
                + " the rotate-secret function may " + action + " on it; Secrets Manager retries the step", null);
    }

    static String code(SdkException e) {
        return e instanceof AwsServiceException ase && ase.awsErrorDetails() != null
                ? ase.awsErrorDetails().errorCode()
                : e.getClass().getSimpleName();
    }
}
