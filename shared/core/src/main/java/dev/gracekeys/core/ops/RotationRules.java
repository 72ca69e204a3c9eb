package dev.gracekeys.core.ops;

import dev.gracekeys.core.model.ClientRecord;
import dev.gracekeys.core.model.PendingToken;
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
 *
 * <p>The pending slot (a scheduled rotation's token, {@link PendingToken}): every change keeps a live
 * pending token as it is (set-status moves its active flag with the others) and drops an expired one,
 * item and pointer together; a finishing one never expires. Only {@link #stagePending} replaces it,
 * {@link #promotePending} empties it, and {@link #rotate} drops one that is not finishing (it cancels
 * that scheduled rotation).
 * A pending token is neither revoked nor expired in the sense of the events (it was never delivered).
 */
public final class RotationRules {

    private RotationRules() {
    }

    /** A new client with its first token and an empty previous slot. */
    public static ClientChange create(String clientId, String name, TokenRef first) {
        ClientRecord after = new ClientRecord(clientId, name, true, first.createdAt(), 1, first, List.of(), null, null);
        return new ClientChange(null, after,
                List.of(new TokenWrite.Create(first, TokenSlot.CURRENT)), List.of(), List.of());
    }

    /**
     * Rotation: the current token moves into the previous slot with {@code expiresAt = now + grace},
     * {@code next} becomes current. At most {@code maxPrevious} live previous tokens stay, newest
     * first; live ones beyond that are revoked at once. Only live tokens count against the cap: a
     * previous token past its expiry (not swept yet) is removed, and with grace 0 the old current
     * token is revoked at once without taking a place, so neither pushes a live token out.
     *
     * <p>The pending slot: a scheduled rotation in progress is cancelled (its token deleted; it never
     * reached AWSCURRENT). One marked finishing within {@link PendingToken#FINISH_HOLD}: the caller
     * refuses; one marked earlier: the caller has read that AWSCURRENT is not on it (else it completes
     * that promotion first), so it is cancelled too.
     */
    public static ClientChange rotate(ClientRecord before, TokenRef next, Instant now, Duration grace, int maxPrevious) {
        List<TokenWrite> writes = new ArrayList<>();
        writes.add(new TokenWrite.Create(next, TokenSlot.CURRENT));
        PendingToken pending = before.pending();
        if (pending != null) {
            if (pending.isFinishingAt(now)) {
                // Its finishSecret may be moving AWSCURRENT right now: the caller refuses (retryable).
                throw new IllegalStateException("a rotate may not change a client whose pending token is finishing");
            }
            // A scheduled rotation in progress is cancelled: its token never reached AWSCURRENT (finishSecret
            // marks it finishing before it moves the stage; for a finish that stopped after its mark the
            // caller has read that AWSCURRENT is not on it, else it completed that promotion first).
            writes.add(new TokenWrite.Delete(pending.ref().key()));
        }
        return demoting(before, next, writes, now, grace, maxPrevious);
    }

    /**
     * A scheduled rotation's {@code finishSecret}, before it moves AWSCURRENT: the pending token is
     * marked finishing at {@code now} (again, if it was) and loses its expiry, so it verifies until its
     * promotion however late that comes. Nothing else changes.
     */
    public static ClientChange markFinishing(ClientRecord before, Instant now) {
        PendingToken marked = before.pending().finishing(now);
        return new ClientChange(before, before.withTokens(before.current(), before.previous(), marked),
                List.of(new TokenWrite.Update(marked.ref(), TokenSlot.PENDING)), List.of(), List.of());
    }

    /**
     * A scheduled rotation's {@code setSecret}: {@code next} becomes the client's pending token. Any
     * other pending token (an abandoned rotation's, live or not; a finishing one only once the caller
     * has read that AWSCURRENT is not on it and its hold is over) is replaced: its item is deleted in
     * the same change. Current and previous tokens are untouched.
     */
    public static ClientChange stagePending(ClientRecord before, PendingToken next) {
        List<TokenWrite> writes = new ArrayList<>();
        writes.add(new TokenWrite.Create(next.ref(), TokenSlot.PENDING));
        if (before.pending() != null) {
            writes.add(new TokenWrite.Delete(before.pending().ref().key()));
        }
        return new ClientChange(before, before.withTokens(before.current(), before.previous(), next), writes,
                List.of(), List.of());
    }

    /**
     * A scheduled rotation's {@code finishSecret}: the pending token becomes current, and the current
     * one moves into the previous slot exactly as {@link #rotate} moves it (expiry now + grace, at most
     * {@code maxPrevious} live previous tokens). The caller checks that there is a pending token.
     */
    public static ClientChange promotePending(ClientRecord before, Instant now, Duration grace, int maxPrevious) {
        TokenRef next = before.pending().ref().expiringAt(null);
        List<TokenWrite> writes = new ArrayList<>();
        writes.add(new TokenWrite.Update(next, TokenSlot.CURRENT));
        return demoting(before, next, writes, now, grace, maxPrevious);
    }

    /**
     * A staged pending token that expired before its rotation went on (a setSecret retried more than
     * {@link PendingToken#LIFETIME} later): the same token, same rotation, verifying again until
     * {@code now + LIFETIME}. Its item is updated in place (same key; its createdAt stays).
     */
    public static ClientChange restagePending(ClientRecord before, Instant now) {
        PendingToken p = before.pending();
        PendingToken again = new PendingToken(p.ref().expiringAt(now.plus(PendingToken.LIFETIME)), p.rotationId());
        return new ClientChange(before, before.withTokens(before.current(), before.previous(), again),
                List.of(new TokenWrite.Update(again.ref(), TokenSlot.PENDING)), List.of(), List.of());
    }

    /**
     * The live previous tokens that a rotation or a promotion at {@code now} would revoke before their
     * expiry: the cap {@code maxPrevious} counts the demoted current token (live with a grace above 0)
     * and the live previous tokens newest first, and pushes the rest out. Exactly the live previous
     * tokens {@link #promotePending} and {@link #rotate} put in {@link ClientChange#revoked()}.
     */
    public static List<TokenRef> cutShort(ClientRecord before, Instant now, Duration grace, int maxPrevious) {
        int room = maxPrevious - (before.current().expiringAt(now.plus(grace)).isLiveAt(now) ? 1 : 0);
        List<TokenRef> cut = new ArrayList<>();
        for (TokenRef ref : before.previous()) {
            if (!ref.isLiveAt(now)) {
                continue;
            }
            if (room > 0) {
                room--;
            } else {
                cut.add(ref);
            }
        }
        return cut;
    }

    /**
     * {@code next} becomes current, the current token previous; {@code writes} holds next's write already.
     * The pending slot is left empty.
     */
    private static ClientChange demoting(ClientRecord before, TokenRef next, List<TokenWrite> writes, Instant now,
                                         Duration grace, int maxPrevious) {
        TokenRef demoted = before.current().expiringAt(now.plus(grace));
        List<TokenRef> kept = new ArrayList<>();
        List<TokenRef> revoked = new ArrayList<>();
        List<TokenRef> expired = new ArrayList<>();
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
        return new ClientChange(before, before.withTokens(next, kept, null), writes, revoked, expired);
    }

    /**
     * The pending token a change other than staging or promotion leaves: a live one as it is, an
     * expired one dropped (its item deleted by {@code writes}, its pointer gone).
     */
    private static PendingToken keepPending(ClientRecord before, Instant now, List<TokenWrite> writes) {
        PendingToken pending = before.pending();
        if (pending == null || pending.isLiveAt(now)) {
            return pending;
        }
        writes.add(new TokenWrite.Delete(pending.ref().key()));
        return null;
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
        PendingToken pending = keepPending(before, now, writes);
        return new ClientChange(before, before.withTokens(before.current(), List.of(), pending), writes, revoked,
                expired);
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
        PendingToken pending = keepPending(before, now, writes);
        return new ClientChange(before, before.withTokens(before.current(), kept, pending), writes, List.of(), expired);
    }

    /**
     * Activates or deactivates the client and all its live tokens, the pending one included. Expiries
     * are untouched, so a reactivation restores exactly the tokens that were valid before, within
     * their original expiry.
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
        PendingToken pending = keepPending(before, now, writes);
        if (pending != null) {
            writes.add(new TokenWrite.Update(pending.ref(), TokenSlot.PENDING));
        }
        after = new ClientRecord(after.clientId(), after.name(), after.active(), after.createdAt(),
                after.version(), after.current(), kept, after.deliverTo(), pending);
        return new ClientChange(before, after, writes, List.of(), expired);
    }

    /** Removes the previous tokens past their expiry (the sweep), and an expired pending token. */
    public static ClientChange removeExpired(ClientRecord before, Instant now) {
        List<TokenWrite> writes = new ArrayList<>();
        List<TokenRef> expired = new ArrayList<>();
        for (TokenRef ref : before.previous()) {
            if (!ref.isLiveAt(now)) {
                expired.add(ref);
                writes.add(new TokenWrite.Delete(ref.key()));
            }
        }
        PendingToken pending = keepPending(before, now, writes);
        return new ClientChange(before, before.withTokens(before.current(), before.livePrevious(now), pending),
                writes, List.of(), expired);
    }
}
