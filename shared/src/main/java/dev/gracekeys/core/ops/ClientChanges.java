package dev.gracekeys.core.ops;

import dev.gracekeys.core.model.ClientRecord;
import dev.gracekeys.core.model.TokenRef;
import dev.gracekeys.core.model.TokenSlot;
import dev.gracekeys.core.store.ClientChange;
import dev.gracekeys.core.store.TokenWrite;
import dev.gracekeys.core.token.TokenKey;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The rotation rules as pure functions from a client to a {@link ClientChange}. No I/O: the same
 * rules hold whatever store applies them.
 */
public final class ClientChanges {

    private ClientChanges() {
    }

    /** A new client with its first token and an empty previous slot. */
    public static ClientChange create(String clientId, String name, TokenRef first) {
        ClientRecord after = new ClientRecord(clientId, name, true, first.createdAt(), 1, first, List.of(), null);
        return new ClientChange(null, after,
                List.of(new TokenWrite.Create(first, TokenSlot.CURRENT)), List.of(), List.of());
    }

    /**
     * Rotation: the current token moves into the previous slot with {@code expiresAt = now + grace},
     * {@code next} becomes current. At most {@code maxPrevious} previous tokens stay, newest first;
     * the oldest ones beyond that are revoked at once. With grace 0 the old current token is dead on
     * arrival: it still takes its place in the slot (so with one slot the older previous token is
     * dropped, as with any second rotation), and is deleted at once.
     */
    public static ClientChange rotate(ClientRecord before, TokenRef next, Instant now, Duration grace, int maxPrevious) {
        TokenRef demoted = before.current().expiringAt(now.plus(grace));
        List<TokenRef> candidates = new ArrayList<>();
        candidates.add(demoted);
        candidates.addAll(before.previous());

        List<TokenRef> kept = new ArrayList<>();
        List<TokenRef> revoked = new ArrayList<>();
        List<TokenRef> expired = new ArrayList<>();
        List<TokenWrite> writes = new ArrayList<>();
        writes.add(new TokenWrite.Create(next, TokenSlot.CURRENT));
        for (int i = 0; i < candidates.size(); i++) {
            TokenRef ref = candidates.get(i);
            boolean isDemoted = i == 0;
            boolean inSlot = i < maxPrevious; // newest first: the demoted token always takes a place
            if (inSlot && ref.isLiveAt(now)) {
                kept.add(ref);
                if (isDemoted) {
                    writes.add(new TokenWrite.Update(ref, TokenSlot.PREVIOUS));
                }
                continue;
            }
            writes.add(new TokenWrite.Delete(ref.key()));
            if (isDemoted || ref.isLiveAt(now)) {
                revoked.add(ref); // grace 0, or pushed out of the slot while still live
            } else {
                expired.add(ref);
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

    /**
     * Moves one token to a new item key (the same token hashed with the current pepper): the client
     * points at the new key, the new item is created in the same slot with the same expiry, the old
     * item is deleted. {@code null} when the client does not point at {@code oldKey}.
     */
    public static ClientChange rekey(ClientRecord before, TokenKey oldKey, TokenKey newKey) {
        TokenRef current = before.current();
        List<TokenRef> previous = new ArrayList<>(before.previous());
        TokenWrite create = null;
        if (current.key().equals(oldKey)) {
            current = new TokenRef(newKey, current.tokenId(), current.createdAt(), null);
            create = new TokenWrite.Create(current, TokenSlot.CURRENT);
        } else {
            for (int i = 0; i < previous.size(); i++) {
                TokenRef p = previous.get(i);
                if (p.key().equals(oldKey)) {
                    TokenRef moved = new TokenRef(newKey, p.tokenId(), p.createdAt(), p.expiresAt());
                    previous.set(i, moved);
                    create = new TokenWrite.Create(moved, TokenSlot.PREVIOUS);
                }
            }
        }
        if (create == null) {
            return null;
        }
        return new ClientChange(before, before.withTokens(current, previous),
                List.of(create, new TokenWrite.Delete(oldKey)), List.of(), List.of());
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
