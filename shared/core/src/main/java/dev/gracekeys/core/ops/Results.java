package dev.gracekeys.core.ops;

import java.time.Instant;
import java.util.List;

/** The responses of the ops functions, field for field as DESIGN.md fixes them. */
public final class Results {

    private Results() {
    }

    /** {@code previous} of rotate and revoke-old. */
    public record PreviousToken(String tokenId, Instant expiresAt) {
    }

    /** {@code deliveredTo}: the secret the token was delivered to, or null. */
    public record RotateResult(String clientId, String token, String tokenId, Instant createdAt,
                               PreviousToken previous, String message, String deliveredTo) {
        @Override
        public String toString() { // the token is shown to the caller once, never in a log
            return "RotateResult[clientId=" + clientId + ", tokenId=" + tokenId + ", token=<redacted>]";
        }
    }

    public record RevokeResult(String clientId, boolean revoked, PreviousToken previous, String message) {
    }

    public record StatusResult(String clientId, boolean active) {
    }

    public record CurrentTokenView(String tokenId, Instant createdAt, Instant lastUsedAt) {
    }

    public record PreviousTokenView(String tokenId, Instant createdAt, Instant expiresAt, Instant lastUsedAt) {
    }

    /**
     * A scheduled rotation's token, verifying beside the current one until promoted or expired.
     *
     * @param expiresAt      when it stops unless promoted; null once it is finishing
     * @param finishingSince when its rotation's finishSecret marked it, about to move AWSCURRENT to it (it no
     *                       longer expires; the promotion follows within seconds, or the next rotation step
     *                       completes it); null before
     */
    public record PendingTokenView(String tokenId, Instant createdAt, Instant expiresAt, Instant lastUsedAt,
                                   Instant finishingSince) {
    }

    /**
     * @param previous       the newest of {@code previousTokens}, or null
     * @param previousTokens every live previous token, newest first
     * @param pending        the live pending token of a scheduled rotation (rotate-secret), or null
     */
    public record ClientView(String clientId, String name, boolean active, Instant createdAt,
                             CurrentTokenView current, PreviousTokenView previous,
                             List<PreviousTokenView> previousTokens, PendingTokenView pending) {
        public ClientView {
            previousTokens = List.copyOf(previousTokens);
        }
    }

    public record ClientList(List<ClientView> clients, String nextCursor) {
    }

    /**
     * expire-sweep's answer.
     *
     * @param expired      previous tokens this run removed (and announced as expired)
     * @param expiringSoon previous tokens this run found expiring within the lead time, whether it
     *                     announced them or an earlier run did (each is announced once)
     * @param checkedAt    the time the run compared expiries with
     * @param complete     false when the run left work for the next one: it stopped at its deadline,
     *                     publishing failed, or a client kept changing. Running it again continues:
     *                     what is left is in the table
     */
    public record SweepResult(int expired, int expiringSoon, Instant checkedAt, boolean complete) {
    }
}
