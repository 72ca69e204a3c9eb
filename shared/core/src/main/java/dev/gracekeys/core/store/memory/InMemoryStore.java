package dev.gracekeys.core.store.memory;

import dev.gracekeys.core.StoreUnavailableException;
import dev.gracekeys.core.model.ClientRecord;
import dev.gracekeys.core.model.Times;
import dev.gracekeys.core.model.TokenRecord;
import dev.gracekeys.core.model.TokenRef;
import dev.gracekeys.core.model.TokenSlot;
import dev.gracekeys.core.store.ChangeRejectedException;
import dev.gracekeys.core.store.ChangeRejectedException.Reason;
import dev.gracekeys.core.store.BatchRejectedException;
import dev.gracekeys.core.store.ClientChange;
import dev.gracekeys.core.store.ClientStore;
import dev.gracekeys.core.store.Replay;
import dev.gracekeys.core.store.SweepStore;
import dev.gracekeys.core.store.TokenLookup;
import dev.gracekeys.core.store.TokenWrite;
import dev.gracekeys.core.token.TokenKey;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
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
    private final TreeMap<String, ClientRecord> clients = new TreeMap<>();
    private final Map<TokenKey, TokenItem> tokens = new HashMap<>();
    private final Map<String, Replay> replays = new HashMap<>();
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

    /**
     * A token item as the table holds it: the token record's fields plus the sweep's claim.
     *
     * @param soonSentFor the expiry the expiring-soon notice was claimed for, or null
     */
    public record TokenItem(String clientId, String tokenId, TokenSlot slot, boolean active, Instant createdAt,
                            Instant expiresAt, Instant lastUsedAt, Instant soonSentFor) {

        TokenRecord toRecord(TokenKey key) {
            return new TokenRecord(key, clientId, tokenId, slot, active, createdAt, expiresAt, lastUsedAt);
        }
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
            tokens.put(key, new TokenItem(item.clientId(), item.tokenId(), item.slot(), item.active(), item.createdAt(),
                    item.expiresAt(), sec(now), item.soonSentFor()));
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
        int items = (replay == null ? 0 : 1);
        for (ClientChange change : changes) {
            items += 1 + change.tokenWrites().size();
        }
        if (items > MAX_ITEMS_PER_APPLY) {
            throw new IllegalArgumentException(items + " items in one transaction; at most " + MAX_ITEMS_PER_APPLY);
        }
        checkAvailable();
        requireDistinctItems(changes);

        Map<Integer, Reason> refused = new HashMap<>();
        for (int c = 0; c < changes.size(); c++) {
            Reason reason = firstFailedCondition(changes.get(c));
            if (reason != null) {
                refused.put(c, reason);
            }
        }
        boolean replayRefused = replay != null && !replayWritable(replay);
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
            ClientRecord after = normalized(change.after());
            clients.put(after.clientId(), after);
            for (TokenWrite write : change.tokenWrites()) {
                write(write, after);
            }
        }
        if (replay != null) {
            replays.put(replay.requestId(), new Replay(replay.requestId(), replay.fingerprint(),
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
    private Reason firstFailedCondition(ClientChange change) {
        ClientRecord stored = clients.get(change.after().clientId());
        if (change.isCreate()) {
            if (stored != null) {
                return Reason.CLIENT_EXISTS;
            }
        } else if (stored == null || stored.version() != change.before().version()) {
            return Reason.VERSION_CHANGED;
        }
        String clientId = change.after().clientId();
        for (TokenWrite write : change.tokenWrites()) {
            TokenItem item = tokens.get(write.key());
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

    private boolean replayWritable(Replay replay) {
        Replay stored = replays.get(replay.requestId());
        return stored == null || !stored.recordedAt().isAfter(sec(replay.recordedAt().minus(Replay.WINDOW)));
    }

    private void write(TokenWrite write, ClientRecord client) {
        if (write instanceof TokenWrite.Create create) {
            TokenRef ref = create.ref();
            tokens.put(create.key(), new TokenItem(client.clientId(), ref.tokenId(), create.slot(), client.active(),
                    sec(ref.createdAt()), create.slot() == TokenSlot.PREVIOUS ? expiry(ref) : null, null, null));
        } else if (write instanceof TokenWrite.Update update) {
            // As the UpdateItem: slot, status and expiry change; tokenId, createdAt, last use and the
            // sweep's claim stay.
            TokenItem item = tokens.get(update.key());
            tokens.put(update.key(), new TokenItem(item.clientId(), item.tokenId(), update.slot(), client.active(),
                    item.createdAt(), update.slot() == TokenSlot.PREVIOUS ? expiry(update.ref()) : null,
                    item.lastUsedAt(), item.soonSentFor()));
        } else {
            tokens.remove(write.key());
        }
    }

    private static Instant expiry(TokenRef ref) {
        if (ref.expiresAt() == null) {
            // The adapter cannot write a previous token without its expiry either.
            throw new IllegalArgumentException("a previous token needs its expiry");
        }
        return sec(ref.expiresAt());
    }

    @Override
    public synchronized Map<TokenKey, TokenRecord> findTokens(Collection<TokenKey> keys) {
        checkAvailable();
        Map<TokenKey, TokenRecord> found = new HashMap<>();
        for (TokenKey key : keys) {
            TokenItem item = tokens.get(key);
            if (item != null) {
                found.put(key, item.toRecord(key));
            }
        }
        return found;
    }

    @Override
    public synchronized ClientPage listClients(int limit, String afterClientId) {
        checkAvailable();
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be >= 1");
        }
        Collection<ClientRecord> from = afterClientId == null
                ? clients.values()
                : clients.tailMap(afterClientId, false).values();
        List<ClientRecord> page = from.stream().limit(limit).toList();
        // As a Query with a Limit: a page that reached the limit carries a cursor, even when nothing
        // follows (the next page is then empty).
        return new ClientPage(page, page.size() == limit ? page.get(page.size() - 1).clientId() : null);
    }

    @Override
    public List<ExpiringToken> findPreviousTokensExpiring(Instant after, Instant until) {
        List<ExpiringToken> found = new ArrayList<>();
        previousTokensExpiring(after, until).forEach(found::add);
        return found;
    }

    // ---- SweepStore -----------------------------------------------------------------------------

    /** The index's order: shard, then expiry; the key breaks ties so that paging is exact. */
    private static final Comparator<ExpiringToken> INDEX_ORDER = Comparator
            .comparingInt((ExpiringToken t) -> shard(t.key()))
            .thenComparing(ExpiringToken::expiresAt)
            .thenComparing(t -> t.key().value());

    @Override
    public Iterable<ExpiringToken> previousTokensExpiring(Instant after, Instant until) {
        return () -> new ExpiryIndexReader(after == null ? null : sec(after), sec(until));
    }

    /** Reads the index one page at a time, from where the last page ended, as the adapter's Query does. */
    private final class ExpiryIndexReader implements Iterator<ExpiringToken> {
        private final Instant after;
        private final Instant until;
        private ExpiringToken last;
        private boolean exhausted;
        private Iterator<ExpiringToken> page = List.<ExpiringToken>of().iterator();

        ExpiryIndexReader(Instant after, Instant until) {
            this.after = after;
            this.until = until;
        }

        @Override
        public boolean hasNext() {
            while (!page.hasNext()) {
                if (exhausted) {
                    return false;
                }
                List<ExpiringToken> read = readPage(after, until, last, expiryPage);
                exhausted = read.size() < expiryPage;
                if (!read.isEmpty()) {
                    last = read.get(read.size() - 1);
                }
                page = read.iterator();
            }
            return true;
        }

        @Override
        public ExpiringToken next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            return page.next();
        }
    }

    private synchronized List<ExpiringToken> readPage(Instant after, Instant until, ExpiringToken from, int size) {
        checkAvailable();
        expiryPagesRead.incrementAndGet();
        List<ExpiringToken> inRange = new ArrayList<>();
        tokens.forEach((key, item) -> {
            // Sparse: only previous-token items are in the index.
            if (item.slot() == TokenSlot.PREVIOUS && item.expiresAt() != null
                    && (after == null || item.expiresAt().isAfter(after)) && !item.expiresAt().isAfter(until)) {
                ExpiringToken t = new ExpiringToken(key, item.clientId(), item.tokenId(), item.expiresAt());
                if (from == null || INDEX_ORDER.compare(t, from) > 0) {
                    inRange.add(t);
                }
            }
        });
        inRange.sort(INDEX_ORDER);
        return List.copyOf(inRange.subList(0, Math.min(size, inRange.size())));
    }

    @Override
    public synchronized Set<TokenKey> expiringSoonNoticesSent(List<ExpiringToken> list) {
        if (list.size() > MAX_NOTICE_READ) {
            throw new IllegalArgumentException(list.size() + " tokens in one read; at most " + MAX_NOTICE_READ);
        }
        checkAvailable();
        Set<TokenKey> sent = new HashSet<>();
        for (ExpiringToken t : list) {
            TokenItem item = tokens.get(t.key());
            if (item != null && item.soonSentFor() != null && item.soonSentFor().equals(sec(t.expiresAt()))) {
                sent.add(t.key());
            }
        }
        return sent;
    }

    @Override
    public synchronized Optional<NoticeClaim> claimExpiringSoonNotice(ExpiringToken token) {
        checkAvailable();
        Instant expiresAt = sec(token.expiresAt());
        TokenItem item = tokens.get(token.key());
        // Still this client's previous token with this expiry, and its notice for that expiry not
        // claimed yet: the one check that makes the notice once per token.
        if (item == null || !token.clientId().equals(item.clientId()) || item.slot() != TokenSlot.PREVIOUS
                || !expiresAt.equals(item.expiresAt()) || expiresAt.equals(item.soonSentFor())) {
            return Optional.empty();
        }
        tokens.put(token.key(), new TokenItem(item.clientId(), item.tokenId(), item.slot(), item.active(),
                item.createdAt(), item.expiresAt(), item.lastUsedAt(), expiresAt));
        return Optional.of(new NoticeClaim(token, item.lastUsedAt()));
    }

    @Override
    public synchronized void releaseExpiringSoonNotice(NoticeClaim claim) {
        checkAvailable();
        ExpiringToken token = claim.token();
        TokenItem item = tokens.get(token.key());
        if (item != null && sec(token.expiresAt()).equals(item.soonSentFor())) {
            tokens.put(token.key(), new TokenItem(item.clientId(), item.tokenId(), item.slot(), item.active(),
                    item.createdAt(), item.expiresAt(), item.lastUsedAt(), null));
        }
    }

    @Override
    public synchronized boolean deleteExpiredOrphan(ExpiringToken token, Instant now) {
        checkAvailable();
        TokenItem item = tokens.get(token.key());
        if (item == null || !token.clientId().equals(item.clientId()) || item.slot() != TokenSlot.PREVIOUS
                || item.expiresAt() == null || item.expiresAt().isAfter(sec(now))) {
            return false;
        }
        tokens.remove(token.key());
        return true;
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

    /** The expiry index's shard of a key, as the table's schema computes it: the same order of reading. */
    private static int shard(TokenKey key) {
        return key.shard(EXPIRY_SHARDS);
    }

    private static Instant sec(Instant t) {
        return t == null ? null : Times.second(t);
    }

    /** The client as the table gives it back: every time to the second. */
    private static ClientRecord normalized(ClientRecord c) {
        return new ClientRecord(c.clientId(), c.name(), c.active(), sec(c.createdAt()), c.version(),
                normalized(c.current()), c.previous().stream().map(InMemoryStore::normalized).toList(), c.deliverTo());
    }

    private static TokenRef normalized(TokenRef r) {
        return new TokenRef(r.key(), r.tokenId(), sec(r.createdAt()), sec(r.expiresAt()));
    }
}
