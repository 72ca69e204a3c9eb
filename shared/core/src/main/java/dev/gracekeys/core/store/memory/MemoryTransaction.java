package dev.gracekeys.core.store.memory;

import dev.gracekeys.core.model.ClientRecord;
import dev.gracekeys.core.model.TokenRef;
import dev.gracekeys.core.model.TokenSlot;
import dev.gracekeys.core.store.BatchRejectedException;
import dev.gracekeys.core.store.ChangeRejectedException.Reason;
import dev.gracekeys.core.store.ClientChange;
import dev.gracekeys.core.store.ClientStore;
import dev.gracekeys.core.store.Replay;
import dev.gracekeys.core.store.TokenWrite;
import dev.gracekeys.core.token.TokenKey;

import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.gracekeys.core.store.memory.MemoryTables.sec;

/**
 * The in-memory transaction, as DynamoDB's TransactWriteItems: every condition checked first, then
 * every write; all or nothing. The caller holds the store's lock.
 */
final class MemoryTransaction {

    private MemoryTransaction() {
    }

    /** Refuses a transaction of more items than the port allows, before anything is read. */
    static void checkSize(List<ClientChange> changes, Replay replay) {
        int items = (replay == null ? 0 : 1);
        for (ClientChange change : changes) {
            items += 1 + change.tokenWrites().size();
        }
        if (items > ClientStore.MAX_ITEMS_PER_APPLY) {
            throw new IllegalArgumentException(items + " items in one transaction; at most "
                    + ClientStore.MAX_ITEMS_PER_APPLY);
        }
    }

    /**
     * Checks every condition, then writes everything.
     *
     * @throws BatchRejectedException naming the reason of each refused change
     */
    static void commit(MemoryTables t, List<ClientChange> changes, Replay replay) {
        requireDistinctItems(changes);

        Map<Integer, Reason> refused = new HashMap<>();
        for (int c = 0; c < changes.size(); c++) {
            Reason reason = firstFailedCondition(t, changes.get(c));
            if (reason != null) {
                refused.put(c, reason);
            }
        }
        boolean replayRefused = replay != null && !replayWritable(t, replay);
        if (!refused.isEmpty() || replayRefused) {
            if (refused.isEmpty()) {
                // Only the replay's condition failed: DynamoDB's reasons name no change, and the
                // adapter reports every change as conflicted (retry, then find the replay).
                for (int c = 0; c < changes.size(); c++) {
                    refused.put(c, Reason.TRANSACTION_CONFLICT);
                }
            }
            throw new BatchRejectedException(refused);
        }

        for (ClientChange change : changes) {
            ClientRecord after = MemoryTables.normalized(change.after());
            t.clients.put(after.clientId(), after);
            for (TokenWrite write : change.tokenWrites()) {
                write(t, write, after);
            }
        }
        if (replay != null) {
            t.replays.put(replay.requestId(), new Replay(replay.requestId(), replay.fingerprint(),
                    sec(replay.recordedAt()), replay.fields()));
        }
    }

    /**
     * The port takes changes of distinct clients and tokens, and the rules never send one item twice;
     * DynamoDB refuses such a transaction whole (AWS with a ValidationException, DynamoDB Local by
     * cancelling it). Here it is the caller's bug, said plainly.
     */
    private static void requireDistinctItems(List<ClientChange> changes) {
        Set<String> clientIds = new HashSet<>();
        Set<TokenKey> keys = new HashSet<>();
        for (ClientChange change : changes) {
            boolean distinct = clientIds.add(change.after().clientId());
            for (TokenWrite write : change.tokenWrites()) {
                distinct &= keys.add(write.key());
            }
            if (!distinct) {
                throw new IllegalArgumentException("one transaction names an item twice (client "
                        + change.after().clientId() + "): changes applied together must be of distinct clients and tokens");
            }
        }
    }

    /** The change's first condition that does not hold, in the order the transaction lists its items. */
    private static Reason firstFailedCondition(MemoryTables t, ClientChange change) {
        ClientRecord stored = t.clients.get(change.after().clientId());
        if (change.isCreate()) {
            if (stored != null) {
                return Reason.CLIENT_EXISTS;
            }
        } else if (stored == null || stored.version() != change.before().version()) {
            return Reason.VERSION_CHANGED;
        }
        String clientId = change.after().clientId();
        for (TokenWrite write : change.tokenWrites()) {
            TokenItem item = t.tokens.get(write.key());
            if (write instanceof TokenWrite.Create) {
                if (item != null) {
                    return Reason.TOKEN_EXISTS;
                }
            } else if (write instanceof TokenWrite.Update) {
                if (item == null || !clientId.equals(item.clientId())) {
                    return Reason.VERSION_CHANGED;
                }
            } else if (item != null && !clientId.equals(item.clientId())) {
                // A delete: gone already (TTL) is fine; someone else's is not.
                return Reason.VERSION_CHANGED;
            }
        }
        return null;
    }

    private static boolean replayWritable(MemoryTables t, Replay replay) {
        Replay stored = t.replays.get(replay.requestId());
        return stored == null || !stored.recordedAt().isAfter(sec(replay.recordedAt().minus(Replay.WINDOW)));
    }

    private static void write(MemoryTables t, TokenWrite write, ClientRecord client) {
        if (write instanceof TokenWrite.Create create) {
            TokenRef ref = create.ref();
            t.tokens.put(create.key(), new TokenItem(client.clientId(), ref.tokenId(), create.slot(), client.active(),
                    sec(ref.createdAt()), expiring(create.slot()) ? expiry(create.slot(), ref) : null, null, null));
        } else if (write instanceof TokenWrite.Update update) {
            // As the UpdateItem: slot, status and expiry change; tokenId, createdAt, last use and the
            // sweep's claim stay.
            TokenItem item = t.tokens.get(update.key());
            t.tokens.put(update.key(), new TokenItem(item.clientId(), item.tokenId(), update.slot(), client.active(),
                    item.createdAt(), expiring(update.slot()) ? expiry(update.slot(), update.ref()) : null,
                    item.lastUsedAt(), item.soonSentFor()));
        } else {
            t.tokens.remove(write.key());
        }
    }

    /** Previous and pending tokens carry their expiry (a finishing pending token none); a current one none. */
    private static boolean expiring(TokenSlot slot) {
        return slot != TokenSlot.CURRENT;
    }

    private static Instant expiry(TokenSlot slot, TokenRef ref) {
        if (ref.expiresAt() == null && slot == TokenSlot.PREVIOUS) {
            // The adapter cannot write a previous token without its expiry either.
            throw new IllegalArgumentException("a previous token needs its expiry");
        }
        return sec(ref.expiresAt());
    }
}
