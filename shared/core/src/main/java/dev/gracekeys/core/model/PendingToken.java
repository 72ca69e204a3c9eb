package dev.gracekeys.core.model;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * A client's pending token: issued by a scheduled rotation through Secrets Manager (rotate-secret's
 * {@code setSecret}), verifying beside the current token until that rotation's {@code finishSecret}
 * makes it current, or until {@code ref.expiresAt()} ({@link #LIFETIME} after it was staged), so the
 * token of an abandoned rotation stops by itself.
 *
 * @param ref        the token, with {@code expiresAt} = its staging + {@link #LIFETIME} (a setSecret retried
 *                   after that stages the same token again: then its re-staging + {@link #LIFETIME})
 * @param rotationId the rotation that staged it: Secrets Manager's ClientRequestToken, the id of the
 *                   secret's version that holds the token
 */
public record PendingToken(TokenRef ref, String rotationId) {

    /** How long a pending token verifies without being promoted (PENDING_LIFETIME). */
    public static final Duration LIFETIME = Duration.ofHours(24);

    public PendingToken {
        Objects.requireNonNull(ref, "ref");
        Objects.requireNonNull(rotationId, "rotationId");
        Objects.requireNonNull(ref.expiresAt(), "a pending token needs its expiry");
    }

    /** The pending token {@code tokenId} under {@code key}, staged at {@code now} by rotation {@code rotationId}. */
    public static PendingToken staged(dev.gracekeys.core.token.TokenKey key, String tokenId, Instant now,
                                      String rotationId) {
        return new PendingToken(new TokenRef(key, tokenId, now, now.plus(LIFETIME)), rotationId);
    }

    /** Verifies only while {@code expiresAt > now}. */
    public boolean isLiveAt(Instant now) {
        return ref.isLiveAt(now);
    }

    /** Whether it was staged by rotation {@code rotationId}. */
    public boolean of(String rotationId) {
        return this.rotationId.equals(rotationId);
    }
}
