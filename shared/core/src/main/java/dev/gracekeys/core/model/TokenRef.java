package dev.gracekeys.core.model;

import dev.gracekeys.core.token.TokenKey;

import java.time.Instant;
import java.util.Objects;

/**
 * A client's pointer to one of its tokens.
 *
 * @param expiresAt {@code null} for the current token; for a previous one, the instant from which
 *                  it is rejected
 */
public record TokenRef(TokenKey key, String tokenId, Instant createdAt, Instant expiresAt) {

    public TokenRef {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(tokenId, "tokenId");
        Objects.requireNonNull(createdAt, "createdAt");
    }

    /** A previous token is live only while {@code expiresAt > now}. */
    public boolean isLiveAt(Instant now) {
        return expiresAt == null || expiresAt.isAfter(now);
    }

    /** This token with another expiry. */
    public TokenRef expiringAt(Instant when) {
        return new TokenRef(key, tokenId, createdAt, when);
    }
}
