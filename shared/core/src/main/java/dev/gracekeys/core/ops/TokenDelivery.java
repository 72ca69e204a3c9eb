package dev.gracekeys.core.ops;

import dev.gracekeys.core.token.IssuedToken;

/**
 * Puts a newly issued token where its consumers read it (Secrets Manager on AWS). Two steps, so a
 * rotation is never left half-done: the token is first staged as a pending version (consumers still
 * read the old one), the rotation is stored, then the staged version is promoted to current.
 */
public interface TokenDelivery {

    /**
     * Stores {@code token} as a new, pending version of the secret.
     *
     * @return the version's id, for {@link #promote}
     * @throws TokenDeliveryException when the secret cannot be written (nothing was changed)
     */
    String stage(String secretId, String clientId, IssuedToken token);

    /**
     * Makes the staged version the current one (consumers now read the new token).
     *
     * @throws TokenDeliveryException when the stage cannot be moved
     */
    void promote(String secretId, String versionId);

    TokenDelivery NONE = new TokenDelivery() {
        @Override
        public String stage(String secretId, String clientId, IssuedToken token) {
            throw new TokenDeliveryException("token delivery is not configured here: leave deliverToSecretId out", null);
        }

        @Override
        public void promote(String secretId, String versionId) {
            throw new TokenDeliveryException("token delivery is not configured here", null);
        }
    };
}
