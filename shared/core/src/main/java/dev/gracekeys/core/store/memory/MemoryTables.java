package dev.gracekeys.core.store.memory;

import dev.gracekeys.core.model.ClientRecord;
import dev.gracekeys.core.model.PendingToken;
import dev.gracekeys.core.model.Times;
import dev.gracekeys.core.model.TokenRecord;
import dev.gracekeys.core.model.TokenRef;
import dev.gracekeys.core.store.ClientStore;
import dev.gracekeys.core.store.Replay;
import dev.gracekeys.core.token.TokenKey;

import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What an {@link InMemoryStore} holds: the client items (in clientId order, as the list reads
 * them), the token items and the recorded replays. Not thread-safe: the store's lock guards it.
 */
final class MemoryTables {

    final TreeMap<String, ClientRecord> clients = new TreeMap<>();
    final Map<TokenKey, TokenItem> tokens = new HashMap<>();
    final Map<String, Replay> replays = new HashMap<>();

    /** The token items of these keys that exist, as records. */
    Map<TokenKey, TokenRecord> records(Collection<TokenKey> keys) {
        Map<TokenKey, TokenRecord> found = new HashMap<>();
        for (TokenKey key : keys) {
            TokenItem item = tokens.get(key);
            if (item != null) {
                found.put(key, item.toRecord(key));
            }
        }
        return found;
    }

    /** Up to {@code limit} clients after {@code afterClientId} (null: from the first), in clientId order. */
    ClientStore.ClientPage clientPage(int limit, String afterClientId) {
        Collection<ClientRecord> from = afterClientId == null
                ? clients.values()
                : clients.tailMap(afterClientId, false).values();
        List<ClientRecord> page = from.stream().limit(limit).toList();
        // As a Query with a Limit: a page that reached the limit carries a cursor, even when nothing
        // follows (the next page is then empty).
        return new ClientStore.ClientPage(page, page.size() == limit ? page.get(page.size() - 1).clientId() : null);
    }

    /** A time as the table keeps it: to the second. */
    static Instant sec(Instant t) {
        return t == null ? null : Times.second(t);
    }

    /** The client as the table gives it back: every time to the second. */
    static ClientRecord normalized(ClientRecord c) {
        return new ClientRecord(c.clientId(), c.name(), c.active(), sec(c.createdAt()), c.version(),
                normalized(c.current()), c.previous().stream().map(MemoryTables::normalized).toList(), c.deliverTo(),
                c.pending() == null ? null : new PendingToken(normalized(c.pending().ref()), c.pending().rotationId(),
                        sec(c.pending().finishingAt())));
    }

    private static TokenRef normalized(TokenRef r) {
        return new TokenRef(r.key(), r.tokenId(), sec(r.createdAt()), sec(r.expiresAt()));
    }
}
