package dev.gracekeys.core.store.memory;

import dev.gracekeys.core.model.TokenSlot;
import dev.gracekeys.core.store.ClientStore.ExpiringToken;
import dev.gracekeys.core.store.SweepStore.NoticeClaim;
import dev.gracekeys.core.token.TokenKey;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Set;

import static dev.gracekeys.core.store.memory.MemoryTables.sec;

/**
 * The sweep's side of the in-memory store: the sparse expiry index (previous-token items only,
 * ordered by shard then expiry, read page by page), and the conditional writes on its items (the
 * expiring-soon claim and its release, the orphan delete). The caller holds the store's lock.
 */
final class MemoryExpiryIndex {

    /** The index's order: shard, then expiry; the key breaks ties so that paging is exact. */
    private static final Comparator<ExpiringToken> INDEX_ORDER = Comparator
            .comparingInt((ExpiringToken t) -> t.key().shard(InMemoryStore.EXPIRY_SHARDS))
            .thenComparing(ExpiringToken::expiresAt)
            .thenComparing(t -> t.key().value());

    private MemoryExpiryIndex() {
    }

    /** Reads one page of the index. */
    interface PageSource {
        /**
         * Up to {@code size} tokens expiring in (after, until], after {@code from} in index order.
         *
         * @param after null for no lower bound
         * @param from  null to start from the beginning
         */
        List<ExpiringToken> page(Instant after, Instant until, ExpiringToken from, int size);
    }

    /** One page, as the adapter's Query with its exclusive/inclusive bounds gives it. */
    static List<ExpiringToken> page(MemoryTables t, Instant after, Instant until, ExpiringToken from, int size) {
        List<ExpiringToken> inRange = new ArrayList<>();
        t.tokens.forEach((key, item) -> {
            // Sparse: only previous-token items are in the index.
            if (item.slot() == TokenSlot.PREVIOUS && item.expiresAt() != null
                    && (after == null || item.expiresAt().isAfter(after)) && !item.expiresAt().isAfter(until)) {
                ExpiringToken token = new ExpiringToken(key, item.clientId(), item.tokenId(), item.expiresAt());
                if (from == null || INDEX_ORDER.compare(token, from) > 0) {
                    inRange.add(token);
                }
            }
        });
        inRange.sort(INDEX_ORDER);
        return List.copyOf(inRange.subList(0, Math.min(size, inRange.size())));
    }

    /** Reads the index one page at a time, from where the last page ended, as the adapter's Query does. */
    static final class Reader implements Iterator<ExpiringToken> {
        private final PageSource source;
        private final int pageSize;
        private final Instant after;
        private final Instant until;
        private ExpiringToken last;
        private boolean exhausted;
        private Iterator<ExpiringToken> page = List.<ExpiringToken>of().iterator();

        Reader(PageSource source, int pageSize, Instant after, Instant until) {
            this.source = source;
            this.pageSize = pageSize;
            this.after = after;
            this.until = until;
        }

        @Override
        public boolean hasNext() {
            while (!page.hasNext()) {
                if (exhausted) {
                    return false;
                }
                List<ExpiringToken> read = source.page(after, until, last, pageSize);
                exhausted = read.size() < pageSize;
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

    static Set<TokenKey> noticesSent(MemoryTables t, List<ExpiringToken> list) {
        Set<TokenKey> sent = new HashSet<>();
        for (ExpiringToken token : list) {
            TokenItem item = t.tokens.get(token.key());
            if (item != null && item.soonSentFor() != null && item.soonSentFor().equals(sec(token.expiresAt()))) {
                sent.add(token.key());
            }
        }
        return sent;
    }

    static Optional<NoticeClaim> claim(MemoryTables t, ExpiringToken token) {
        Instant expiresAt = sec(token.expiresAt());
        TokenItem item = t.tokens.get(token.key());
        // Still this client's previous token with this expiry, and its notice for that expiry not
        // claimed yet: the one check that makes the notice once per token.
        if (item == null || !token.clientId().equals(item.clientId()) || item.slot() != TokenSlot.PREVIOUS
                || !expiresAt.equals(item.expiresAt()) || expiresAt.equals(item.soonSentFor())) {
            return Optional.empty();
        }
        t.tokens.put(token.key(), item.withSoonSentFor(expiresAt));
        return Optional.of(new NoticeClaim(token, item.lastUsedAt()));
    }

    static void release(MemoryTables t, NoticeClaim claim) {
        ExpiringToken token = claim.token();
        TokenItem item = t.tokens.get(token.key());
        if (item != null && sec(token.expiresAt()).equals(item.soonSentFor())) {
            t.tokens.put(token.key(), item.withSoonSentFor(null));
        }
    }

    static boolean deleteExpiredOrphan(MemoryTables t, ExpiringToken token, Instant now) {
        TokenItem item = t.tokens.get(token.key());
        if (item == null || !token.clientId().equals(item.clientId()) || item.slot() != TokenSlot.PREVIOUS
                || item.expiresAt() == null || item.expiresAt().isAfter(sec(now))) {
            return false;
        }
        t.tokens.remove(token.key());
        return true;
    }
}
