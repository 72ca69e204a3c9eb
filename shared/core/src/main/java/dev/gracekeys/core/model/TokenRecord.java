package dev.gracekeys.core.model;

import dev.gracekeys.core.token.TokenKey;

import java.time.Instant;

/**
 * A token item as the verifier reads it: everything needed to decide, in one read.
 * {@code active} is the owning client's status, kept on each token item so that a verify is one
 * GetItem.
 */
public record TokenRecord(
        TokenKey key,
        String clientId,
        String tokenId,
        TokenSlot slot,
        boolean active,
        Instant createdAt,
        Instant expiresAt,
        Instant lastUsedAt) {
}
