package dev.gracekeys.core.ops;

import java.util.List;
import java.util.Map;

/**
 * Secrets Manager's side of a scheduled rotation, as {@link SecretRotation}'s steps see a client's
 * delivery secret (shared/aws implements it over the SDK). Every failure to reach or change the
 * secret is a {@link TokenDeliveryException} whose message names the AWS error code and never a
 * secret value.
 */
public interface RotationSecret {

    /** The stage consumers read. */
    String CURRENT = "AWSCURRENT";
    /** The stage of the version a rotation is making. */
    String PENDING = "AWSPENDING";
    /** The stage Secrets Manager gives the version that was current before. */
    String PREVIOUS = "AWSPREVIOUS";

    /**
     * The secret's name, ARN and the stages of each of its versions.
     *
     * @throws dev.gracekeys.core.ValidationException when there is no such secret
     */
    Description describe(String secretId);

    /**
     * The value of version {@code versionId} if that version carries {@code stage} and has a value;
     * otherwise {@code null} (Secrets Manager's stub version of a starting rotation has none).
     */
    String value(String secretId, String versionId, String stage);

    /** Stores {@code value} as version {@code versionId}, labelled {@value #PENDING}. */
    void putPending(String secretId, String versionId, String value);

    /**
     * Moves {@value #CURRENT} to {@code versionId}, taking it from {@code fromVersionId} (Secrets
     * Manager then labels that one {@value #PREVIOUS}).
     */
    void moveCurrent(String secretId, String versionId, String fromVersionId);

    /**
     * What Secrets Manager says of a secret.
     *
     * @param stagesByVersion each version id with its stages (versions without a stage may be left out)
     */
    record Description(String arn, String name, Map<String, List<String>> stagesByVersion) {

        public Description {
            stagesByVersion = Map.copyOf(stagesByVersion);
        }

        /** The id of the version carrying {@code stage}, or {@code null}. */
        public String versionWith(String stage) {
            for (Map.Entry<String, List<String>> v : stagesByVersion.entrySet()) {
                if (v.getValue().contains(stage)) {
                    return v.getKey();
                }
            }
            return null;
        }

        /** Whether version {@code versionId} carries {@code stage}. */
        public boolean has(String versionId, String stage) {
            List<String> stages = stagesByVersion.get(versionId);
            return stages != null && stages.contains(stage);
        }
    }

    /** No Secrets Manager here: every call fails with a message saying how to configure one. */
    RotationSecret NONE = refusing("Secrets Manager is not configured for this function: rotate-secret"
            + " runs on AWS, or in the local stack started with --aws-endpoint (an emulator such as moto)");

    /** A Secrets Manager that refuses every call with a {@link TokenDeliveryException} saying {@code message}. */
    static RotationSecret refusing(String message) {
        return new RotationSecret() {
            private TokenDeliveryException refused() {
                return new TokenDeliveryException(message, null);
            }

            @Override
            public Description describe(String secretId) {
                throw refused();
            }

            @Override
            public String value(String secretId, String versionId, String stage) {
                throw refused();
            }

            @Override
            public void putPending(String secretId, String versionId, String value) {
                throw refused();
            }

            @Override
            public void moveCurrent(String secretId, String versionId, String fromVersionId) {
                throw refused();
            }
        };
    }
}
