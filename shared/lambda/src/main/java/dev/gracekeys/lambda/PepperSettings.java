package dev.gracekeys.lambda;

import dev.gracekeys.aws.secretsmanager.SecretsManagerPepperSource;

import dev.gracekeys.core.token.Pepper;
import dev.gracekeys.core.token.PepperSource;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

import java.util.function.Supplier;

/**
 * Which pepper source the settings select. On AWS: the secret {@code PEPPER_SECRET_ID} names in
 * Secrets Manager ({@code AWSCURRENT}, and {@code AWSPREVIOUS} during a pepper rotation). Locally:
 * {@code PEPPER} (base64) and, to try a pepper rotation, {@code PEPPER_PREVIOUS}. Nothing here ever
 * prints a pepper.
 */
public final class PepperSettings {

    public static final String PEPPER_SECRET_ID = "PEPPER_SECRET_ID";
    public static final String PEPPER = "PEPPER";
    public static final String PEPPER_PREVIOUS = "PEPPER_PREVIOUS";
    /** How often a container reads the pepper secret again (default 300 s). */
    public static final String PEPPER_REFRESH_SECONDS = "PEPPER_REFRESH_SECONDS";
    public static final int DEFAULT_REFRESH_SECONDS = 300;
    public static final int MIN_REFRESH_SECONDS = 1;
    public static final int MAX_REFRESH_SECONDS = 86_400;

    private PepperSettings() {
    }

    /** Whether this function is given a pepper at all (the secret on AWS, or one inline locally). */
    public static boolean configured(Settings settings) {
        return settings.get(PEPPER_SECRET_ID) != null || settings.get(PEPPER) != null;
    }

    /** The source of a function deployed without a pepper: it refuses, saying what to set. */
    public static PepperSource none() {
        return () -> {
            throw new IllegalStateException("this function has no pepper (" + PEPPER_SECRET_ID + " is not set), so it"
                    + " cannot hash tokens; only verify-authorizer, rotate and backfill are deployed with one");
        };
    }

    public static PepperSource source(Settings settings, Supplier<SecretsManagerClient> secrets) {
        String secretId = settings.get(PEPPER_SECRET_ID);
        if (secretId != null) {
            return new SecretsManagerPepperSource(secrets.get(), secretId);
        }
        String inline = settings.get(PEPPER);
        if (inline != null) {
            PepperSource.Peppers peppers = new PepperSource.Peppers(decode(inline, PEPPER),
                    settings.get(PEPPER_PREVIOUS) == null ? null : decode(settings.get(PEPPER_PREVIOUS), PEPPER_PREVIOUS));
            return () -> peppers;
        }
        throw new IllegalArgumentException("no pepper: set " + PEPPER_SECRET_ID + " to a Secrets Manager secret"
                + " holding a base64 pepper, or (local use only) " + PEPPER + " to the base64 pepper itself");
    }

    private static Pepper decode(String value, String name) {
        try {
            return Pepper.fromBase64(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(name + ": " + e.getMessage());
        }
    }
}
