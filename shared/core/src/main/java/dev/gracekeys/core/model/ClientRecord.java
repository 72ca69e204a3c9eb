package dev.gracekeys.core.model;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A client as stored: its current token and its previous slot.
 *
 * @param version  optimistic-lock version, incremented by every change
 * @param previous  newest first; may hold entries that have expired but were not swept yet
 * @param deliverTo the secret each new token is delivered to, or {@code null}
 */
public record ClientRecord(
        String clientId,
        String name,
        boolean active,
        Instant createdAt,
        long version,
        TokenRef current,
        List<TokenRef> previous,
        String deliverTo) {

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

    /** This client with another status. */
    public ClientRecord withActive(boolean value) {
        return new ClientRecord(clientId, name, value, createdAt, version + 1, current, previous, deliverTo);
    }

    /** This client with another current token and previous tokens. */
    public ClientRecord withTokens(TokenRef newCurrent, List<TokenRef> newPrevious) {
        return new ClientRecord(clientId, name, active, createdAt, version + 1, newCurrent, newPrevious, deliverTo);
    }

    /** The same client delivering to another secret (no version change: part of a larger change). */
    public ClientRecord deliveringTo(String secretId) {
        return new ClientRecord(clientId, name, active, createdAt, version, current, previous, secretId);
    }
}
