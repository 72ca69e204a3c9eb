package dev.gracekeys.aws.secretsmanager;

import dev.gracekeys.core.token.Pepper;
import dev.gracekeys.core.token.PepperSource;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.GetSecretValueResponse;
import software.amazon.awssdk.services.secretsmanager.model.ResourceNotFoundException;

import java.util.Base64;

/**
 * The pepper secret's {@code AWSCURRENT} version, and its {@code AWSPREVIOUS} version while one
 * exists: during a pepper rotation both are honoured, so tokens hashed with the previous pepper keep
 * verifying under it. The secret string holds the base64 pepper.
 */
public final class SecretsManagerPepperSource implements PepperSource {

    static final String CURRENT = "AWSCURRENT";
    static final String PREVIOUS = "AWSPREVIOUS";

    private final SecretsManagerClient client;
    private final String secretId;

    public SecretsManagerPepperSource(SecretsManagerClient client, String secretId) {
        this.client = client;
        this.secretId = secretId;
    }

    @Override
    public Peppers load() {
        GetSecretValueResponse current = read(CURRENT);
        Pepper previous;
        try {
            previous = pepper(read(PREVIOUS), PREVIOUS);
        } catch (ResourceNotFoundException e) {
            previous = null; // never rotated: there is no AWSPREVIOUS
        }
        // The version's creation date: from when the new pepper may hash new tokens (PepperRing).
        return new Peppers(pepper(current, CURRENT), previous, current.createdDate());
    }

    private GetSecretValueResponse read(String stage) {
        GetSecretValueResponse value;
        try {
            value = client.getSecretValue(r -> r.secretId(secretId).versionStage(stage));
        } catch (ResourceNotFoundException e) {
            if (PREVIOUS.equals(stage)) {
                throw e;
            }
            throw new IllegalStateException("the pepper secret " + secretId + " has no " + stage + " version: check"
                    + " PEPPER_SECRET_ID", null);
        } catch (SdkException e) {
            throw new IllegalStateException("cannot read the pepper secret " + secretId + " (" + e.getClass().getSimpleName()
                    + "): check that it exists and that the function may secretsmanager:GetSecretValue on it", null);
        }
        return value;
    }

    private Pepper pepper(GetSecretValueResponse value, String stage) {
        try {
            return value.secretString() != null
                    ? Pepper.fromBase64(value.secretString())
                    : Pepper.of(Base64.getDecoder().decode(value.secretBinary().asByteArray()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the pepper secret " + secretId + " (" + stage + ") is unusable: " + e.getMessage());
        }
    }
}
