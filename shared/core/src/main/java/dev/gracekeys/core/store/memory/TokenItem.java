package dev.gracekeys.core.store.memory;

import dev.gracekeys.core.model.TokenRecord;
import dev.gracekeys.core.model.TokenSlot;
import dev.gracekeys.core.token.TokenKey;

import java.time.Instant;

/**
 * A token item as the table holds it: the token record's fields plus the sweep's claim.
 *
 * @param soonSentFor the expiry the expiring-soon notice was claimed for, or null
 */
public record TokenItem(String clientId, String tokenId, TokenSlot slot, boolean active, Instant createdAt,
                        Instant expiresAt, Instant lastUsedAt, Instant soonSentFor) {

    TokenRecord toRecord(TokenKey key) {
        return new TokenRecord(key, clientId, tokenId, slot, active, createdAt, expiresAt, lastUsedAt);
    }

    TokenItem withLastUsedAt(Instant at) {
        return new TokenItem(clientId, tokenId, slot, active, createdAt, expiresAt, at, soonSentFor);
    }

    TokenItem withSoonSentFor(Instant expiry) {
        return new TokenItem(clientId, tokenId, slot, active, createdAt, expiresAt, lastUsedAt, expiry);
    }
}
