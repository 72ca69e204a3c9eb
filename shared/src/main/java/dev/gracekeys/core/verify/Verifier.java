package dev.gracekeys.core.verify;

import dev.gracekeys.core.model.TokenRecord;
import dev.gracekeys.core.model.TokenSlot;
import dev.gracekeys.core.store.TokenLookup;
import dev.gracekeys.core.token.PepperRing;
import dev.gracekeys.core.token.TokenFormat;
import dev.gracekeys.core.token.TokenHasher;
import dev.gracekeys.core.token.TokenKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;

import static dev.gracekeys.core.verify.Verdict.DenyReason.*;

/**
 * The verify decision. Malformed: deny with no database call. Otherwise one read of the token item,
 * then: unknown, inactive client, or previous token past {@code expiresAt} (checked here on every
 * call: TTL deletes up to two days late) deny; anything else allows. Any store error or a read past
 * the time budget denies (fail closed). Never throws.
 */
public final class Verifier {

    private static final Logger LOG = LoggerFactory.getLogger(Verifier.class);
    private static final int THROTTLE_MAX_ENTRIES = 100_000;

    private final TokenLookup lookup;
    private final TokenFormat format;
    private final PepperRing peppers;
    private final Rekeyer rekeyer;
    private final Clock clock;
    private final Duration budget;
    private final Duration lastUseInterval;
    /** Per-container memory of the next instant each token's last use may be written again. */
    private final ConcurrentHashMap<TokenKey, Instant> lastUseWrites = new ConcurrentHashMap<>();

    public Verifier(TokenLookup lookup, TokenFormat format, PepperRing peppers, Rekeyer rekeyer, Clock clock,
                    Duration budget, Duration lastUseInterval) {
        this.lookup = lookup;
        this.format = format;
        this.peppers = peppers;
        this.rekeyer = rekeyer;
        this.clock = clock;
        this.budget = budget;
        this.lastUseInterval = lastUseInterval;
    }

    /** {@link TokenFormat#primingToken()} in this verifier's format. */
    public String primingToken() {
        return format.primingToken();
    }

    public Verdict verify(String presented) {
        try {
            return decide(presented);
        } catch (RuntimeException | Error e) { // last line of defence: a verify never throws
            LOG.warn("verify failed closed: {}", e.getClass().getSimpleName());
            return Verdict.deny(STORE_UNAVAILABLE);
        }
    }

    private Verdict decide(String presented) {
        TokenFormat.Kind kind = format.classify(presented);
        if (kind == TokenFormat.Kind.MALFORMED) {
            return Verdict.deny(MALFORMED);
        }
        TokenKey key = peppers.current().keyOf(presented, kind);
        long started = System.nanoTime();
        TokenRecord token;
        try {
            token = lookup.findToken(key, budget);
            TokenHasher previous = token == null ? peppers.previous() : null;
            if (previous != null) {
                // A pepper rotation is under way: one more read, under the previous pepper.
                Duration left = budget.minusNanos(System.nanoTime() - started);
                if (left.toMillis() < 1) {
                    return Verdict.deny(STORE_UNAVAILABLE);
                }
                TokenRecord old = lookup.findToken(previous.keyOf(presented, kind), left);
                if (old != null) {
                    token = rekeyer.rekey(old, key) ? withKey(old, key) : old;
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("verify denied: the token store did not answer within {} ms ({})",
                    budget.toMillis(), e.getClass().getSimpleName());
            return Verdict.deny(STORE_UNAVAILABLE);
        }
        if (token == null) {
            return Verdict.deny(UNKNOWN);
        }
        if (!token.active()) {
            return Verdict.deny(INACTIVE);
        }
        Instant now = clock.instant();
        if (token.slot() == TokenSlot.PREVIOUS && (token.expiresAt() == null || !token.expiresAt().isAfter(now))) {
            return Verdict.deny(EXPIRED);
        }
        recordLastUse(token, now);
        return Verdict.allow(token.clientId(), token.slot(), token.tokenId(),
                token.slot() == TokenSlot.PREVIOUS ? token.expiresAt() : null);
    }

    private static TokenRecord withKey(TokenRecord t, TokenKey key) {
        return new TokenRecord(key, t.clientId(), t.tokenId(), t.slot(), t.active(), t.createdAt(), t.expiresAt(),
                null); // the re-keyed item has no last use yet
    }

    /**
     * At most one conditional write per token per interval: skipped when the item says it was used
     * within the interval, or when this container already wrote it; the write's condition stops
     * other containers. Best effort: a failure never changes the verdict.
     */
    private void recordLastUse(TokenRecord token, Instant now) {
        Instant since = now.minus(lastUseInterval);
        if (token.lastUsedAt() != null && token.lastUsedAt().isAfter(since)) {
            return;
        }
        Instant next = now.plus(lastUseInterval);
        boolean[] mine = {false};
        lastUseWrites.compute(token.key(), (k, due) -> {
            if (due == null || !now.isBefore(due)) {
                mine[0] = true;
                return next;
            }
            return due;
        });
        if (!mine[0]) {
            return;
        }
        if (lastUseWrites.size() > THROTTLE_MAX_ENTRIES) {
            lastUseWrites.clear(); // bounded memory; the write condition still holds the line
        }
        try {
            lookup.recordLastUse(token.key(), now, since, budget);
        } catch (RuntimeException e) {
            LOG.warn("could not record last use of token {} ({})", token.tokenId(), e.getClass().getSimpleName());
        }
    }
}
