package dev.gracekeys.lambda;

import dev.gracekeys.core.token.Pepper;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.GetSecretValueResponse;

import java.util.Base64;
import java.util.function.Supplier;

/**
 * Where the pepper comes from. On AWS: the secret named by {@code PEPPER_SECRET_ID} in Secrets
 * Manager (its string holds the base64 pepper). Locally: {@code PEPPER} (base64) directly. Read once
 * per container, at start-up; nothing here ever prints it.
 */
public final class PepperSource {

    public static final String PEPPER_SECRET_ID = "PEPPER_SECRET_ID";
    public static final String PEPPER = "PEPPER";

    private PepperSource() {
    }

    public static Pepper load(Settings settings, Supplier<SecretsManagerClient> secrets) {
        String secretId = settings.get(PEPPER_SECRET_ID);
        String inline = settings.get(PEPPER);
        if (secretId != null) {
            return fromSecret(secrets.get(), secretId);
        }
        if (inline != null) {
            try {
                return Pepper.fromBase64(inline);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(PEPPER + ": " + e.getMessage());
            }
        }
        throw new IllegalArgumentException("no pepper: set " + PEPPER_SECRET_ID + " to a Secrets Manager secret"
                + " holding a base64 pepper, or (local use only) " + PEPPER + " to the base64 pepper itself");
    }

    static Pepper fromSecret(SecretsManagerClient client, String secretId) {
        GetSecretValueResponse value;
        try {
            value = client.getSecretValue(r -> r.secretId(secretId));
        } catch (SdkException e) {
            throw new IllegalStateException("cannot read the pepper secret " + secretId + " ("
                    + e.getClass().getSimpleName() + "): check that it exists and that the function may"
                    + " secretsmanager:GetSecretValue on it", null);
        }
        try {
            if (value.secretString() != null) {
                return Pepper.fromBase64(value.secretString());
            }
            return Pepper.of(Base64.getDecoder().decode(value.secretBinary().asByteArray()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the pepper secret " + secretId + " is unusable: " + e.getMessage());
        }
    }
}
