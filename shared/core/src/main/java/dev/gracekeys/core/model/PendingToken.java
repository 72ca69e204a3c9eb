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
 * <p><b>Finishing.</b> Before {@code finishSecret} moves AWSCURRENT to the token's version it marks the
 * token finishing ({@code finishingAt}) in a change conditional on the client's version. From then on
 * consumers may read it, so it has no expiry any more ({@code ref.expiresAt()} is null): it verifies
 * until the promotion makes it current, however late that comes (an interrupted finish is completed by
 * the next rotation step). While the mark is fresh (within {@link #FINISH_HOLD}) nothing else may
 * replace or demote it: a manual rotate or another rotation's {@code setSecret} is refused, so no
 * stage move can land after another change decided the client's tokens.
 *
 * @param ref         the token, with {@code expiresAt} = its staging + {@link #LIFETIME} (a setSecret retried
 *                    after that stages the same token again: then its re-staging + {@link #LIFETIME});
 *                    null once it is finishing
 * @param rotationId  the rotation that staged it: Secrets Manager's ClientRequestToken, the id of the
 *                    secret's version that holds the token
 * @param finishingAt when its rotation's finishSecret last marked it, about to move AWSCURRENT to it; null
 *                    before that
 */
public record PendingToken(TokenRef ref, String rotationId, Instant finishingAt) {

    /** How long a pending token verifies without being promoted (PENDING_LIFETIME). */
    public static final Duration LIFETIME = Duration.ofHours(24);

    /**
     * How long a finishing mark keeps other changes off the token: Lambda's longest timeout (15 min),
     * so the finishSecret invocation that wrote the mark has ended, and cannot move AWSCURRENT any more,
     * by the time the hold is over.
     */
    public static final Duration FINISH_HOLD = Duration.ofMinutes(15);

    public PendingToken {
        Objects.requireNonNull(ref, "ref");
        Objects.requireNonNull(rotationId, "rotationId");
        if ((finishingAt == null) == (ref.expiresAt() == null)) {
            throw new IllegalArgumentException(finishingAt == null ? "a pending token needs its expiry"
                    : "a finishing pending token has no expiry");
        }
    }

    /** A pending token not (yet) finishing: it needs its expiry. */
    public PendingToken(TokenRef ref, String rotationId) {
        this(ref, rotationId, null);
    }

    /** The pending token {@code tokenId} under {@code key}, staged at {@code now} by rotation {@code rotationId}. */
    public static PendingToken staged(dev.gracekeys.core.token.TokenKey key, String tokenId, Instant now,
                                      String rotationId) {
        return new PendingToken(new TokenRef(key, tokenId, now, now.plus(LIFETIME)), rotationId);
    }

    /** This token marked finishing at {@code now} (again, if it was): no expiry from now on. */
    public PendingToken finishing(Instant now) {
        return new PendingToken(ref.expiringAt(null), rotationId, Objects.requireNonNull(now, "now"));
    }

    /** Whether finishSecret marked it: AWSCURRENT may be on its version. */
    public boolean isFinishing() {
        return finishingAt != null;
    }

    /** Whether a finishSecret marked it less than {@link #FINISH_HOLD} before {@code now}: it may be moving the stage. */
    public boolean isFinishingAt(Instant now) {
        return finishingAt != null && finishingAt.plus(FINISH_HOLD).isAfter(now);
    }

    /** Verifies only while {@code expiresAt > now}; a finishing token always. */
    public boolean isLiveAt(Instant now) {
        return ref.isLiveAt(now);
    }

    /** Whether it was staged by rotation {@code rotationId}. */
    public boolean of(String rotationId) {
        return this.rotationId.equals(rotationId);
    }
}
