package dev.gracekeys.jmh;

import dev.gracekeys.core.model.TokenRecord;
import dev.gracekeys.core.store.TokenLookup;
import dev.gracekeys.core.token.TokenKey;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The verifier's store port over a map, so a benchmark measures the verifier's own CPU work and
 * none of DynamoDB's (network, SDK marshalling, retries).
 *
 * <p>It answers as {@code DynamoDbStore} does wherever the verifier can tell the difference: a
 * lookup returns the stored item or {@code null}, and {@link #recordLastUse} is the same
 * conditional write ({@code attribute_exists(pk) AND (attribute_not_exists(lastUsedAt) OR
 * lastUsedAt <= notUsedSince)}). That matters for the figures: once an item carries a recent
 * {@code lastUsedAt}, the verifier skips its last-use throttle on every later call, as it does in
 * production, instead of going through it on each call as it would over a store that never records
 * the use. The budgets are ignored: a map answers at once.
 */
public final class InMemoryTokenLookup implements TokenLookup {

    private final ConcurrentHashMap<TokenKey, TokenRecord> items = new ConcurrentHashMap<>();
    private final AtomicLong lastUseWrites = new AtomicLong();

    /** Stores a token item under its key, replacing any item there. */
    public void put(TokenRecord token) {
        items.put(token.key(), token);
    }

    @Override
    public TokenRecord findToken(TokenKey key, Duration budget) {
        return items.get(key);
    }

    @Override
    public void recordLastUse(TokenKey key, Instant now, Instant notUsedSince, Duration budget) {
        items.computeIfPresent(key, (k, t) -> {
            if (t.lastUsedAt() != null && t.lastUsedAt().isAfter(notUsedSince)) {
                return t; // the condition fails: used within the interval
            }
            lastUseWrites.incrementAndGet();
            return new TokenRecord(t.key(), t.clientId(), t.tokenId(), t.slot(), t.active(), t.createdAt(),
                    t.expiresAt(), now);
        });
    }

    /** How many last-use writes succeeded: shows the throttle keeps them off the measured path. */
    public long lastUseWrites() {
        return lastUseWrites.get();
    }
}
