package dev.gracekeys.store.dynamodb;

import dev.gracekeys.core.model.ClientRecord;
import dev.gracekeys.core.model.TokenRecord;
import dev.gracekeys.core.store.BatchRejectedException;
import dev.gracekeys.core.store.ChangeRejectedException;
import dev.gracekeys.core.store.ClientChange;
import dev.gracekeys.core.store.ClientStore;
import dev.gracekeys.core.store.Replay;
import dev.gracekeys.core.store.SweepStore;
import dev.gracekeys.core.store.TokenLookup;
import dev.gracekeys.core.token.TokenKey;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The DynamoDB adapter of the store ports ({@link ClientStore}, {@link SweepStore},
 * {@link TokenLookup}), one table. The work is split by job: {@link TokenItems} (the verify's
 * lookups), {@link ClientReads}, {@link ClientWrites} (every change one TransactWriteItems, its
 * items from {@link ChangeItems}, conditioned so that nothing is overwritten that must not be),
 * {@link SweepItems} (the expiry index and notices); {@link StoreErrors} maps DynamoDB's refusals
 * and failures to the ports' exceptions for all of them.
 *
 * <p>Reads are strongly consistent. Errors of DynamoDB surface as
 * {@link dev.gracekeys.core.StoreUnavailableException}, whose message never quotes a request value.
 */
public final class DynamoDbStore implements ClientStore, SweepStore, TokenLookup {

    /**
     * Items per page of the expiry index: a page is one quick Query, so the sweep checks its
     * deadline often and holds little in memory.
     */
    static final int EXPIRY_PAGE = 100;

    private final TokenItems tokens;
    private final ClientReads reads;
    private final ClientWrites writes;
    private final SweepItems sweep;

    /**
     * @param ttlDelay how long after its expiry a previous-token item carries its TTL: TTL is
     *                 housekeeping behind the sweep, never the check
     */
    public DynamoDbStore(DynamoDbClient dynamo, String table, Duration ttlDelay) {
        this(dynamo, table, ttlDelay, EXPIRY_PAGE);
    }

    /** As above, with the expiry index read {@code expiryPage} items at a time (tests page with a few). */
    DynamoDbStore(DynamoDbClient dynamo, String table, Duration ttlDelay, int expiryPage) {
        this.tokens = new TokenItems(dynamo, table);
        this.reads = new ClientReads(dynamo, table);
        this.writes = new ClientWrites(dynamo, new ChangeItems(table, ttlDelay));
        this.sweep = new SweepItems(dynamo, table, expiryPage);
    }

    // ---- TokenLookup: the verify's hot path -------------------------------------------------

    /** {@inheritDoc} One strongly consistent GetItem; an SDK error (the budget ran out, say) propagates as is. */
    @Override
    public TokenRecord findToken(TokenKey key, Duration budget) {
        return tokens.findToken(key, budget);
    }

    /** {@inheritDoc} Conditional: a no-op if recorded within the interval or the token is gone. */
    @Override
    public void recordLastUse(TokenKey key, Instant now, Instant notUsedSince, Duration budget) {
        tokens.recordLastUse(key, now, notUsedSince, budget);
    }

    // ---- ClientStore ----------------------------------------------------------------------------

    /**
     * {@inheritDoc}
     *
     * @throws dev.gracekeys.core.StoreUnavailableException if DynamoDB does not answer
     */
    @Override
    public Optional<ClientRecord> findClient(String clientId) {
        return reads.findClient(clientId);
    }

    /**
     * {@inheritDoc}
     *
     * @throws ChangeRejectedException                    when a condition fails (nothing written)
     * @throws dev.gracekeys.core.StoreUnavailableException if DynamoDB does not answer
     */
    @Override
    public void apply(ClientChange change) {
        writes.apply(change, null);
    }

    /**
     * {@inheritDoc}
     *
     * @throws ChangeRejectedException                    when a condition fails (nothing written)
     * @throws dev.gracekeys.core.StoreUnavailableException if DynamoDB does not answer
     */
    @Override
    public void apply(ClientChange change, Replay replay) {
        writes.apply(change, replay);
    }

    /**
     * {@inheritDoc}
     *
     * @throws dev.gracekeys.core.StoreUnavailableException if DynamoDB does not answer
     */
    @Override
    public Optional<Replay> findReplay(String requestId) {
        return reads.findReplay(requestId);
    }

    /**
     * {@inheritDoc}
     *
     * @throws BatchRejectedException                     when a condition of any change fails (nothing written)
     * @throws IllegalArgumentException                   over {@link #MAX_ITEMS_PER_APPLY} items
     * @throws dev.gracekeys.core.StoreUnavailableException if DynamoDB does not answer
     */
    @Override
    public void applyAll(List<ClientChange> changes) {
        writes.applyAll(changes);
    }

    /**
     * {@inheritDoc}
     *
     * @throws dev.gracekeys.core.StoreUnavailableException if DynamoDB does not answer or keeps throttling
     */
    @Override
    public Map<TokenKey, TokenRecord> findTokens(Collection<TokenKey> keys) {
        return reads.findTokens(keys);
    }

    /**
     * {@inheritDoc}
     *
     * @throws dev.gracekeys.core.StoreUnavailableException if DynamoDB does not answer
     */
    @Override
    public ClientPage listClients(int limit, String afterClientId) {
        return reads.listClients(limit, afterClientId);
    }


    /**
     * {@inheritDoc}
     *
     * @throws dev.gracekeys.core.StoreUnavailableException if DynamoDB does not answer
     */
    @Override
    public boolean deleteExpiredOrphan(ExpiringToken token, Instant now) {
        return sweep.deleteExpiredOrphan(token, now);
    }

    // ---- SweepStore -----------------------------------------------------------------------------

    /**
     * {@inheritDoc} Walks the expiry index shard by shard, one page (of {@link #EXPIRY_PAGE} items by
     * default) at a time; its iterator throws {@link dev.gracekeys.core.StoreUnavailableException} if
     * DynamoDB does not answer.
     */
    @Override
    public Iterable<ExpiringToken> previousTokensExpiring(Instant after, Instant until) {
        return sweep.previousTokensExpiring(after, until);
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException                   over {@link #MAX_NOTICE_READ} tokens
     * @throws dev.gracekeys.core.StoreUnavailableException if DynamoDB does not answer or keeps throttling
     */
    @Override
    public Set<TokenKey> expiringSoonNoticesSent(List<ExpiringToken> list) {
        return sweep.expiringSoonNoticesSent(list);
    }

    /**
     * {@inheritDoc}
     *
     * @throws dev.gracekeys.core.StoreUnavailableException if DynamoDB does not answer
     */
    @Override
    public Optional<NoticeClaim> claimExpiringSoonNotice(ExpiringToken token) {
        return sweep.claimExpiringSoonNotice(token);
    }

    /**
     * {@inheritDoc}
     *
     * @throws dev.gracekeys.core.StoreUnavailableException if DynamoDB does not answer
     */
    @Override
    public void releaseExpiringSoonNotice(NoticeClaim claim) {
        sweep.releaseExpiringSoonNotice(claim);
    }
}
