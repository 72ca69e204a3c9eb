package dev.gracekeys.core.store.memory;

import dev.gracekeys.core.StoreUnavailableException;
import dev.gracekeys.core.model.ClientRecord;
import dev.gracekeys.core.model.TokenRecord;
import dev.gracekeys.core.store.ChangeRejectedException;
import dev.gracekeys.core.store.ChangeRejectedException.Reason;
import dev.gracekeys.core.store.BatchRejectedException;
import dev.gracekeys.core.store.ClientChange;
import dev.gracekeys.core.store.ClientStore;
import dev.gracekeys.core.store.Replay;
import dev.gracekeys.core.store.SweepStore;
import dev.gracekeys.core.store.TokenLookup;
import dev.gracekeys.core.token.TokenKey;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The store ports ({@link ClientStore}, {@link SweepStore}, {@link TokenLookup}) in memory, with the
 * semantics of {@code DynamoDbStore}, so the core's rules run as fast unit tests (as Powertools'
 * {@code InMemoryPersistenceStore} lets its core's). {@code StoreContract} runs the same store-level
 * tests against both, which is what keeps them alike. What it mirrors:
 * <ul>
 *   <li>a change (or several, {@link #applyAll}) is all-or-nothing, under the same conditions as the
 *       transaction: the client's version as read (or absent, to create), new token keys absent,
 *       updated tokens present and the client's, deleted tokens the client's or gone; a refusal names
 *       the same {@link Reason} per change; a transaction of more than {@link #MAX_ITEMS_PER_APPLY}
 *       items, or naming one item twice, is refused whole;</li>
 *   <li>a recorded {@link Replay} is written with its change, and refused while one of the same
 *       requestId is inside its window (a conflict, as DynamoDB's cancellation reports it);</li>
 *   <li>times are kept to the second, as the table keeps them;</li>
 *   <li>the expiry index holds previous-token items only, ordered by shard then expiry, read lazily
 *       page by page with the same exclusive/inclusive bounds;</li>
 *   <li>the expiring-soon claim, its release, the orphan delete and the last-use write are the same
 *       conditional writes.</li>
 * </ul>
 * Not mirrored: TTL deletion (housekeeping; the rules never rely on it), throttling and time budgets
 * (nothing here is slow or fails, except as {@link #failWith} asks). Thread-safe: every operation holds
 * the store's lock, so a change is atomic with respect to every other read and write.
 */
public final class InMemoryStore implements ClientStore, SweepStore, TokenLookup {

    /** Items per page of the expiry index, as the DynamoDB adapter reads it. */
    public static final int EXPIRY_PAGE = 100;

    private final int expiryPage;
    private final MemoryTables tables = new MemoryTables();
    private final TreeMap<String, ClientRecord> clients = tables.clients;
    private final Map<TokenKey, TokenItem> tokens = tables.tokens;
    private final Map<String, Replay> replays = tables.replays;
    private final AtomicLong expiryPagesRead = new AtomicLong();
    private StoreUnavailableException failure;

    public InMemoryStore() {
        this(EXPIRY_PAGE);
    }

    /** With the expiry index read {@code expiryPage} items at a time (tests page with a few). */
    public InMemoryStore(int expiryPage) {
        if (expiryPage < 1) {
            throw new IllegalArgumentException("expiryPage must be >= 1");
        }
        this.expiryPage = expiryPage;
    }

    /** Everything stored, as values: compare two to prove that nothing was written. */
    public record Snapshot(Map<String, ClientRecord> clients, Map<TokenKey, TokenItem> tokens,
                           Map<String, Replay> replays) {
    }

    // ---- test controls --------------------------------------------------------------------------

    /**
     * From now on every operation throws {@code failure} (as the DynamoDB adapter throws when the
     * table does not answer); {@code null} heals the store.
     */
    public synchronized void failWith(StoreUnavailableException failure) {
        this.failure = failure;
    }

    /** Everything stored, as values: compare two to prove that nothing was written. */
    public synchronized Snapshot snapshot() {
        return new Snapshot(Map.copyOf(clients), Map.copyOf(tokens), Map.copyOf(replays));
    }

    /** Every client as stored (for invariant checks). */
    public synchronized List<ClientRecord> clientRecords() {
        return List.copyOf(clients.values());
    }

    /** Every token item as stored, by key (for invariant checks). */
    public synchronized Map<TokenKey, TokenRecord> tokenRecords() {
        Map<TokenKey, TokenRecord> records = new HashMap<>();
        tokens.forEach((k, item) -> records.put(k, item.toRecord(k)));
        return records;
    }

    /** Pages of the expiry index read so far (what a DynamoDB Query is to the adapter). */
    public long expiryPagesRead() {
        return expiryPagesRead.get();
    }

    /** Removes a client item and nothing else: a fault the sweep must tidy up after (an orphan). */
    public synchronized void removeClientItem(String clientId) {
        clients.remove(clientId);
    }

    // ---- TokenLookup ----------------------------------------------------------------------------

    @Override
    public synchronized TokenRecord findToken(TokenKey key, Duration budget) {
        checkAvailable();
        TokenItem item = tokens.get(key);
        return item == null ? null : item.toRecord(key);
    }

    @Override
    public synchronized void recordLastUse(TokenKey key, Instant now, Instant notUsedSince, Duration budget) {
        checkAvailable();
        TokenItem item = tokens.get(key);
        if (item != null && (item.lastUsedAt() == null || !item.lastUsedAt().isAfter(sec(notUsedSince)))) {
            tokens.put(key, item.withLastUsedAt(sec(now)));
        }
    }

    // ---- ClientStore ----------------------------------------------------------------------------

    @Override
    public synchronized Optional<ClientRecord> findClient(String clientId) {
        checkAvailable();
        return Optional.ofNullable(clients.get(clientId));
    }

    @Override
    public void apply(ClientChange change) {
        apply(change, null);
    }

    @Override
    public synchronized void apply(ClientChange change, Replay replay) {
        try {
            transact(List.of(change), replay);
        } catch (BatchRejectedException e) {
            Reason reason = e.reason(0);
            throw new ChangeRejectedException(reason == null ? Reason.TRANSACTION_CONFLICT : reason);
        }
    }

    @Override
    public synchronized Optional<Replay> findReplay(String requestId) {
        checkAvailable();
        return Optional.ofNullable(replays.get(requestId));
    }

    @Override
    public synchronized void applyAll(List<ClientChange> changes) {
        if (!changes.isEmpty()) {
            transact(changes, null);
        }
    }

    /** One transaction: every condition checked first, then every write, under the store's lock. */
    private void transact(List<ClientChange> changes, Replay replay) {
        MemoryTransaction.checkSize(changes, replay);
        checkAvailable();
        MemoryTransaction.commit(tables, changes, replay);
    }

    @Override
    public synchronized Map<TokenKey, TokenRecord> findTokens(Collection<TokenKey> keys) {
        checkAvailable();
        return tables.records(keys);
    }

    @Override
    public synchronized ClientPage listClients(int limit, String afterClientId) {
        checkAvailable();
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be >= 1");
        }
        return tables.clientPage(limit, afterClientId);
    }


    // ---- SweepStore -----------------------------------------------------------------------------

    @Override
    public Iterable<ExpiringToken> previousTokensExpiring(Instant after, Instant until) {
        return () -> new MemoryExpiryIndex.Reader(this::readPage, expiryPage, after == null ? null : sec(after), sec(until));
    }

    private synchronized List<ExpiringToken> readPage(Instant after, Instant until, ExpiringToken from, int size) {
        checkAvailable();
        expiryPagesRead.incrementAndGet();
        return MemoryExpiryIndex.page(tables, after, until, from, size);
    }

    @Override
    public synchronized Set<TokenKey> expiringSoonNoticesSent(List<ExpiringToken> list) {
        if (list.size() > MAX_NOTICE_READ) {
            throw new IllegalArgumentException(list.size() + " tokens in one read; at most " + MAX_NOTICE_READ);
        }
        checkAvailable();
        return MemoryExpiryIndex.noticesSent(tables, list);
    }

    @Override
    public synchronized Optional<NoticeClaim> claimExpiringSoonNotice(ExpiringToken token) {
        checkAvailable();
        return MemoryExpiryIndex.claim(tables, token);
    }

    @Override
    public synchronized void releaseExpiringSoonNotice(NoticeClaim claim) {
        checkAvailable();
        MemoryExpiryIndex.release(tables, claim);
    }

    @Override
    public synchronized boolean deleteExpiredOrphan(ExpiringToken token, Instant now) {
        checkAvailable();
        return MemoryExpiryIndex.deleteExpiredOrphan(tables, token, now);
    }

    // ---- helpers --------------------------------------------------------------------------------

    private void checkAvailable() {
        if (failure != null) {
            throw failure;
        }
    }

    /**
     * The expiry index's shards, as the DynamoDB table's schema has them ({@code TableSchema.EXPIRY_SHARDS};
     * StoreContract checks both read in the same order).
     */
    public static final int EXPIRY_SHARDS = 16;

    private static Instant sec(Instant t) {
        return MemoryTables.sec(t);
    }
}
