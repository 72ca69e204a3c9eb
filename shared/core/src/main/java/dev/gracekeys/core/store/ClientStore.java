package dev.gracekeys.core.store;

import dev.gracekeys.core.model.ClientRecord;
import dev.gracekeys.core.model.TokenRecord;
import dev.gracekeys.core.token.TokenKey;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The store as the ops services see it. Reads are strongly consistent; {@link #apply} is atomic.
 * Errors of the store itself surface as {@link dev.gracekeys.core.StoreUnavailableException}.
 */
public interface ClientStore {

    /**
     * The most items one {@link #applyAll} may write (DynamoDB's limit for one transaction). A change
     * writes its client item and one item per token write: a new client is two.
     */
    int MAX_ITEMS_PER_APPLY = 100;

    /**
     * The client item, strongly consistent; empty if there is none.
     *
     * @throws dev.gracekeys.core.StoreUnavailableException when the store does not answer
     */
    Optional<ClientRecord> findClient(String clientId);

    /**
     * Applies the whole change or nothing.
     *
     * @throws ChangeRejectedException when a condition fails (nothing written)
     * @throws dev.gracekeys.core.StoreUnavailableException when the store does not answer (the change may or may
     *                                                       not be written: read it again)
     */
    void apply(ClientChange change);

    /**
     * As {@link #apply(ClientChange)}, and in the same transaction records the call's answer for
     * resends of its requestId; fails (nothing written) if a live replay of that requestId exists.
     *
     * @throws ChangeRejectedException when a condition fails (nothing written)
     * @throws dev.gracekeys.core.StoreUnavailableException when the store does not answer
     */
    void apply(ClientChange change, Replay replay);

    /**
     * The replay recorded for a requestId, if any (possibly past its window: check {@link Replay#liveAt}).
     *
     * @throws dev.gracekeys.core.StoreUnavailableException when the store does not answer
     */
    Optional<Replay> findReplay(String requestId);

    /**
     * Applies several changes, of distinct clients and tokens, as one atomic write: all of them or
     * none. For bulk work (backfill), where one request for many changes costs far less than one
     * each. At most {@link #MAX_ITEMS_PER_APPLY} items in all.
     *
     * @throws BatchRejectedException when a condition of any change fails (nothing written); it
     *                                  names the changes refused and why
     * @throws IllegalArgumentException when the changes name an item twice or exceed {@link #MAX_ITEMS_PER_APPLY}
     * @throws dev.gracekeys.core.StoreUnavailableException when the store does not answer
     */
    void applyAll(List<ClientChange> changes);

    /**
     * The token items for these keys (missing ones are absent from the map).
     *
     * @throws dev.gracekeys.core.StoreUnavailableException when the store does not answer
     */
    Map<TokenKey, TokenRecord> findTokens(Collection<TokenKey> keys);

    /**
     * Clients in clientId order, after {@code afterClientId} (exclusive; null for the start).
     *
     * @throws IllegalArgumentException when {@code limit} is below 1
     * @throws dev.gracekeys.core.StoreUnavailableException when the store does not answer
     */
    ClientPage listClients(int limit, String afterClientId);

    /**
     * Previous-token items with {@code after < expiresAt <= until} ({@code after} may be null for
     * no lower bound), read from the sparse expiry index: the cost follows the number of such
     * items, not the table size. Reads every page before it answers; the sweep, which may stop at
     * its deadline, reads page by page instead ({@link SweepStore#previousTokensExpiring}).
     *
     * @throws dev.gracekeys.core.StoreUnavailableException when the store does not answer
     */
    List<ExpiringToken> findPreviousTokensExpiring(Instant after, Instant until);

    /**
     * Deletes a previous-token item that no client points at, if it is still that client's and
     * expired at {@code now}. Returns whether it deleted it.
     *
     * @throws dev.gracekeys.core.StoreUnavailableException when the store does not answer
     */
    boolean deleteExpiredOrphan(ExpiringToken token, Instant now);

    record ClientPage(List<ClientRecord> clients, String lastClientId) {
    }

    record ExpiringToken(TokenKey key, String clientId, String tokenId, Instant expiresAt) {
    }
}
