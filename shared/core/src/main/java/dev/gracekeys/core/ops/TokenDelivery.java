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

    /**
     * The id of the secret's version that carries {@code stage} ({@code AWSCURRENT}, {@code AWSPENDING}),
     * or null if none does, the secret does not exist, or this delivery has no secrets to read (it
     * refuses to stage; scheduled rotation, the one writer of the stages, needs Secrets Manager).
     *
     * @throws TokenDeliveryException when the secret cannot be read
     */
    default String versionWith(String secretId, String stage) {
        return null;
    }

    /**
     * Best effort, never throws: undoes {@link #stage} for a rotation that was certainly not stored,
     * so no stray {@code AWSPENDING} is left behind (Secrets Manager refuses to start a scheduled
     * rotation while one is on a version that is not current): the label goes back to
     * {@code pendingBefore}, the version that carried it before the staging took it, or is removed.
     */
    default void discard(String secretId, String versionId, String pendingBefore) {
    }

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
