package dev.gracekeys.core.model;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A client as stored: its current token, its previous slot and its pending slot.
 *
 * @param version  optimistic-lock version, incremented by every change
 * @param previous  newest first; may hold entries that have expired but were not swept yet
 * @param deliverTo the secret each new token is delivered to, or {@code null}
 * @param pending   the token a scheduled rotation (rotate-secret) staged and has not promoted yet, or
 *                  {@code null}; may have expired (the next change of the client drops it)
 */
public record ClientRecord(
        String clientId,
        String name,
        boolean active,
        Instant createdAt,
        long version,
        TokenRef current,
        List<TokenRef> previous,
        String deliverTo,
        PendingToken pending) {

    public ClientRecord {
        Objects.requireNonNull(clientId, "clientId");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(current, "current");
        previous = List.copyOf(previous);
    }

    /** The previous tokens still accepted at {@code now}, newest first. */
    public List<TokenRef> livePrevious(Instant now) {
        return previous.stream().filter(p -> p.isLiveAt(now)).toList();
    }

    /** The pending token if it still verifies at {@code now}, else {@code null}. */
    public PendingToken livePending(Instant now) {
        return pending != null && pending.isLiveAt(now) ? pending : null;
    }

    /** This client with another status. */
    public ClientRecord withActive(boolean value) {
        return new ClientRecord(clientId, name, value, createdAt, version + 1, current, previous, deliverTo, pending);
    }

    /** This client with another current token and previous tokens (the pending slot as it was). */
    public ClientRecord withTokens(TokenRef newCurrent, List<TokenRef> newPrevious) {
        return withTokens(newCurrent, newPrevious, pending);
    }

    /** This client with another current token, previous tokens and pending token. */
    public ClientRecord withTokens(TokenRef newCurrent, List<TokenRef> newPrevious, PendingToken newPending) {
        return new ClientRecord(clientId, name, active, createdAt, version + 1, newCurrent, newPrevious, deliverTo,
                newPending);
    }

    /** The same client delivering to another secret (no version change: part of a larger change). */
    public ClientRecord deliveringTo(String secretId) {
        return new ClientRecord(clientId, name, active, createdAt, version, current, previous, secretId, pending);
    }
}
