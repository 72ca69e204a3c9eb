package dev.gracekeys.core.ops;

import dev.gracekeys.core.model.ClientRecord;
import dev.gracekeys.core.model.TokenRef;
import dev.gracekeys.core.model.TokenSlot;
import dev.gracekeys.core.store.ClientChange;
import dev.gracekeys.core.store.TokenWrite;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The rotation rules as pure functions from a client to a {@link ClientChange}. No I/O: the same
 * rules hold whatever store applies them.
 */
public final class RotationRules {

    private RotationRules() {
    }

    /** A new client with its first token and an empty previous slot. */
    public static ClientChange create(String clientId, String name, TokenRef first) {
        ClientRecord after = new ClientRecord(clientId, name, true, first.createdAt(), 1, first, List.of(), null);
        return new ClientChange(null, after,
                List.of(new TokenWrite.Create(first, TokenSlot.CURRENT)), List.of(), List.of());
    }

    /**
     * Rotation: the current token moves into the previous slot with {@code expiresAt = now + grace},
     * {@code next} becomes current. At most {@code maxPrevious} live previous tokens stay, newest
     * first; live ones beyond that are revoked at once. Only live tokens count against the cap: a
     * previous token past its expiry (not swept yet) is removed, and with grace 0 the old current
     * token is revoked at once without taking a place, so neither pushes a live token out.
     */
    public static ClientChange rotate(ClientRecord before, TokenRef next, Instant now, Duration grace, int maxPrevious) {
        TokenRef demoted = before.current().expiringAt(now.plus(grace));
        List<TokenRef> kept = new ArrayList<>();
        List<TokenRef> revoked = new ArrayList<>();
        List<TokenRef> expired = new ArrayList<>();
        List<TokenWrite> writes = new ArrayList<>();
        writes.add(new TokenWrite.Create(next, TokenSlot.CURRENT));
        if (demoted.isLiveAt(now)) {
            kept.add(demoted);
            writes.add(new TokenWrite.Update(demoted, TokenSlot.PREVIOUS));
        } else {
            revoked.add(demoted); // grace 0
            writes.add(new TokenWrite.Delete(demoted.key()));
        }
        for (TokenRef ref : before.previous()) {
            if (!ref.isLiveAt(now)) {
                expired.add(ref);
                writes.add(new TokenWrite.Delete(ref.key()));
            } else if (kept.size() < maxPrevious) {
                kept.add(ref);
            } else {
                revoked.add(ref); // pushed out of the slot while still live
                writes.add(new TokenWrite.Delete(ref.key()));
            }
        }
        return new ClientChange(before, before.withTokens(next, kept), writes, revoked, expired);
    }

    /** Revokes every previous token now. */
    public static ClientChange revokePrevious(ClientRecord before, Instant now) {
        List<TokenWrite> writes = new ArrayList<>();
        List<TokenRef> revoked = new ArrayList<>();
        List<TokenRef> expired = new ArrayList<>();
        for (TokenRef ref : before.previous()) {
            writes.add(new TokenWrite.Delete(ref.key()));
            (ref.isLiveAt(now) ? revoked : expired).add(ref);
        }
        return new ClientChange(before, before.withTokens(before.current(), List.of()), writes, revoked, expired);
    }

    /** Moves the expiry of every live previous token to {@code newExpiry}; removes expired ones. */
    public static ClientChange reschedulePrevious(ClientRecord before, Instant now, Instant newExpiry) {
        List<TokenWrite> writes = new ArrayList<>();
        List<TokenRef> kept = new ArrayList<>();
        List<TokenRef> expired = new ArrayList<>();
        for (TokenRef ref : before.previous()) {
            if (ref.isLiveAt(now)) {
                TokenRef moved = ref.expiringAt(newExpiry);
                kept.add(moved);
                writes.add(new TokenWrite.Update(moved, TokenSlot.PREVIOUS));
            } else {
                expired.add(ref);
                writes.add(new TokenWrite.Delete(ref.key()));
            }
        }
        return new ClientChange(before, before.withTokens(before.current(), kept), writes, List.of(), expired);
    }

    /**
     * Activates or deactivates the client and all its live tokens. Expiries are untouched, so a
     * reactivation restores exactly the tokens that were valid before, within their original expiry.
     */
    public static ClientChange setActive(ClientRecord before, boolean active, Instant now) {
        ClientRecord after = before.withActive(active);
        List<TokenWrite> writes = new ArrayList<>();
        List<TokenRef> kept = new ArrayList<>();
        List<TokenRef> expired = new ArrayList<>();
        writes.add(new TokenWrite.Update(before.current(), TokenSlot.CURRENT));
        for (TokenRef ref : before.previous()) {
            if (ref.isLiveAt(now)) {
                kept.add(ref);
                writes.add(new TokenWrite.Update(ref, TokenSlot.PREVIOUS));
            } else {
                expired.add(ref);
                writes.add(new TokenWrite.Delete(ref.key()));
            }
        }
        after = new ClientRecord(after.clientId(), after.name(), after.active(), after.createdAt(),
                after.version(), after.current(), kept, after.deliverTo());
        return new ClientChange(before, after, writes, List.of(), expired);
    }

    /** Removes the previous tokens past their expiry (the sweep). */
    public static ClientChange removeExpired(ClientRecord before, Instant now) {
        List<TokenWrite> writes = new ArrayList<>();
        List<TokenRef> expired = new ArrayList<>();
        for (TokenRef ref : before.previous()) {
            if (!ref.isLiveAt(now)) {
                expired.add(ref);
                writes.add(new TokenWrite.Delete(ref.key()));
            }
        }
        return new ClientChange(before, before.withTokens(before.current(), before.livePrevious(now)),
                writes, List.of(), expired);
    }
}
