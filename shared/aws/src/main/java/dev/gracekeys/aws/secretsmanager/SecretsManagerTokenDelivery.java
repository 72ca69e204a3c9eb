package dev.gracekeys.aws.secretsmanager;

import dev.gracekeys.core.ops.TokenDelivery;
import dev.gracekeys.core.ops.TokenDeliveryException;
import dev.gracekeys.core.token.IssuedToken;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.DescribeSecretResponse;
import software.amazon.awssdk.services.secretsmanager.model.ResourceNotFoundException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Delivers tokens through Secrets Manager, as a new version of the client's secret. The value is
 * JSON, {@code {"clientId","tokenId","token"}}, so consumers can tell which token they hold. Staged
 * as {@code AWSPENDING} first, then promoted to {@code AWSCURRENT} (Secrets Manager then labels the
 * version before it {@code AWSPREVIOUS}). No message here contains the token.
 */
public final class SecretsManagerTokenDelivery implements TokenDelivery {

    private static final Logger LOG = LoggerFactory.getLogger(SecretsManagerTokenDelivery.class);
    static final String PENDING = "AWSPENDING";
    static final String CURRENT = "AWSCURRENT";

    private final Supplier<SecretsManagerClient> clients;

    /** @param clients built at the first delivery: functions that never deliver never build it */
    public SecretsManagerTokenDelivery(Supplier<SecretsManagerClient> clients) {
        this.clients = clients;
    }

    @Override
    public String stage(String secretId, String clientId, IssuedToken token) {
        String value = "{\"clientId\":\"" + clientId + "\",\"tokenId\":\"" + token.tokenId()
                + "\",\"token\":\"" + token.value() + "\"}"; // ids and token are [A-Za-z0-9._-]: no escaping
        try {
            return clients.get().putSecretValue(r -> r.secretId(secretId).secretString(value)
                    .clientRequestToken(UUID.randomUUID().toString())
                    .versionStages(PENDING)).versionId();
        } catch (SdkException e) {
            throw new TokenDeliveryException("could not write the new token to secret " + secretId + " ("
                    + code(e) + "); nothing was rotated. Check that the secret exists and that the rotate function may"
                    + " secretsmanager:PutSecretValue on it, then rotate again", null);
        }
    }

    @Override
    public void promote(String secretId, String versionId) {
        try {
            String from = holder(secretId, CURRENT);
            if (!versionId.equals(from)) {
                try {
                    clients.get().updateSecretVersionStage(r -> r.secretId(secretId).versionStage(CURRENT)
                            .moveToVersionId(versionId).removeFromVersionId(from));
                } catch (SdkException moveFailed) {
                    // Another call (a resend of the same rotate) may have made it current meanwhile: then the
                    // version this one read as current no longer carries the stage, and all is well.
                    if (!versionId.equals(holder(secretId, CURRENT))) {
                        throw moveFailed;
                    }
                }
            }
        } catch (SdkException e) {
            throw new TokenDeliveryException(code(e), null);
        }
        // Delivered: consumers read the new token. The label's removal is housekeeping: it fails if another
        // request took the label already, and one left on the AWSCURRENT version blocks nothing, so a
        // failure here neither turns the delivery into a failed one nor needs a word.
        try {
            clients.get().updateSecretVersionStage(r -> r.secretId(secretId).versionStage(PENDING)
                    .removeFromVersionId(versionId));
        } catch (SdkException e) {
            // see above
        }
    }

    @Override
    public String versionWith(String secretId, String stage) {
        try {
            return holder(secretId, stage);
        } catch (ResourceNotFoundException e) {
            return null; // no secret: nobody reads any of its stages
        } catch (SdkException e) {
            throw new TokenDeliveryException("could not read secret " + secretId + " (" + code(e) + "); nothing was"
                    + " rotated. Check that the rotate function may secretsmanager:DescribeSecret on it, then rotate"
                    + " again", null);
        }
    }

    /** The version carrying {@code stage} (DescribeSecret), or null. */
    private String holder(String secretId, String stage) {
        DescribeSecretResponse d = clients.get().describeSecret(r -> r.secretId(secretId));
        for (Map.Entry<String, List<String>> v : d.versionIdsToStages().entrySet()) {
            if (v.getValue().contains(stage)) {
                return v.getKey();
            }
        }
        return null;
    }

    @Override
    public void discard(String secretId, String versionId, String pendingBefore) {
        try {
            if (pendingBefore != null && !pendingBefore.equals(versionId)) {
                clients.get().updateSecretVersionStage(r -> r.secretId(secretId).versionStage(PENDING)
                        .moveToVersionId(pendingBefore).removeFromVersionId(versionId));
            } else {
                clients.get().updateSecretVersionStage(r -> r.secretId(secretId).versionStage(PENDING)
                        .removeFromVersionId(versionId));
            }
        } catch (RuntimeException e) {
            // Best effort: the rotation was not stored and its caller hears why. Say what is left behind.
            LOG.warn("could not take AWSPENDING off version {} of secret {} ({}): a scheduled rotation of it cannot"
                    + " start until it is removed: aws secretsmanager update-secret-version-stage --secret-id {}"
                    + " --version-stage AWSPENDING --remove-from-version-id {}", versionId, secretId,
                    e instanceof SdkException se ? code(se) : e.getClass().getSimpleName(), secretId, versionId);
        }
    }

    private static String code(SdkException e) {
        return e instanceof AwsServiceException ase && ase.awsErrorDetails() != null
                ? ase.awsErrorDetails().errorCode()
                : e.getClass().getSimpleName();
    }
}
