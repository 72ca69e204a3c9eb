package dev.gracekeys.core.ops.backfill;

import dev.gracekeys.core.model.ClientRecord;
import dev.gracekeys.core.model.TokenRecord;
import dev.gracekeys.core.store.BatchRejectedException;
import dev.gracekeys.core.store.ChangeRejectedException;
import dev.gracekeys.core.store.ChangeRejectedException.Reason;
import dev.gracekeys.core.store.ClientChange;
import dev.gracekeys.core.store.ClientStore;
import dev.gracekeys.core.store.Replay;
import dev.gracekeys.core.store.TokenWrite;
import dev.gracekeys.core.store.memory.InMemoryStore;
import dev.gracekeys.core.token.TokenKey;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The store a dry run writes to: reads see the real store with this run's own writes on top, and
 * writes go to an {@link InMemoryStore} overlay only, each refused (as the real store would refuse
 * it) where the client or a new token item exists in either. So the importer runs the very code of
 * a real run and reports what the real run then does, and the real store is never written.
 *
 * <p>Only what an import uses is supported: creates (of new clients), the client and token reads.
 * Records in flight never share a client or key, so a check and the overlay write that follows it
 * need no lock across the two stores.
 */
final class DryRunStore implements ClientStore {

    private final ClientStore real;
    private final InMemoryStore overlay = new InMemoryStore();

    DryRunStore(ClientStore real) {
        this.real = real;
    }

    @Override
    public Optional<ClientRecord> findClient(String clientId) {
        Optional<ClientRecord> planned = overlay.findClient(clientId);
        return planned.isPresent() ? planned : real.findClient(clientId);
    }

    @Override
    public Map<TokenKey, TokenRecord> findTokens(Collection<TokenKey> keys) {
        Map<TokenKey, TokenRecord> found = new HashMap<>(real.findTokens(keys));
        found.putAll(overlay.findTokens(keys));
        return found;
    }

    @Override
    public void apply(ClientChange change) {
        try {
            applyAll(List.of(change));
        } catch (BatchRejectedException e) {
            Reason reason = e.reason(0);
            throw new ChangeRejectedException(reason == null ? Reason.TRANSACTION_CONFLICT : reason);
        }
    }

    /**
     * Refuses the changes whose client or new token exists in the real store or the overlay (as
     * the real store's conditions would, the client first), else writes them to the overlay.
     *
     * @throws BatchRejectedException           when a condition fails (nothing written)
     * @throws UnsupportedOperationException    for a change that is not a create
     * @throws dev.gracekeys.core.StoreUnavailableException if the real store cannot be read
     */
    @Override
    public void applyAll(List<ClientChange> changes) {
        List<TokenKey> newKeys = new ArrayList<>();
        for (ClientChange change : changes) {
            if (!change.isCreate()) {
                throw new UnsupportedOperationException("a dry run of backfill only creates clients");
            }
            for (TokenWrite write : change.tokenWrites()) {
                newKeys.add(write.key());
            }
        }
        Set<TokenKey> stored = newKeys.isEmpty() ? Set.of() : findTokens(newKeys).keySet();
        Map<Integer, Reason> refused = new HashMap<>();
        for (int c = 0; c < changes.size(); c++) {
            ClientChange change = changes.get(c);
            if (findClient(change.after().clientId()).isPresent()) {
                refused.put(c, Reason.CLIENT_EXISTS); // the client item's condition first, as in the transaction
            } else if (change.tokenWrites().stream().anyMatch(w -> stored.contains(w.key()))) {
                refused.put(c, Reason.TOKEN_EXISTS);
            }
        }
        if (!refused.isEmpty()) {
            throw new BatchRejectedException(refused);
        }
        overlay.applyAll(changes);
    }

    @Override
    public void apply(ClientChange change, Replay replay) {
        throw new UnsupportedOperationException("not used by backfill");
    }

    @Override
    public Optional<Replay> findReplay(String requestId) {
        throw new UnsupportedOperationException("not used by backfill");
    }

    @Override
    public ClientPage listClients(int limit, String afterClientId) {
        throw new UnsupportedOperationException("not used by backfill");
    }

    @Override
    public List<ExpiringToken> findPreviousTokensExpiring(Instant after, Instant until) {
        throw new UnsupportedOperationException("not used by backfill");
    }

    @Override
    public boolean deleteExpiredOrphan(ExpiringToken token, Instant now) {
        throw new UnsupportedOperationException("not used by backfill");
    }
}
