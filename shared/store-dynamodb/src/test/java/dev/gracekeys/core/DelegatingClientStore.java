package dev.gracekeys.core;

import dev.gracekeys.core.model.ClientRecord;
import dev.gracekeys.core.model.TokenRecord;
import dev.gracekeys.core.store.ClientChange;
import dev.gracekeys.core.store.ClientStore;
import dev.gracekeys.core.store.Replay;
import dev.gracekeys.core.token.TokenKey;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A {@link ClientStore} that hands every call to the real one: the concurrency tests override
 * {@link #findClient} to hold a request right after it read a client, so requests race from the
 * same version.
 */
class DelegatingClientStore implements ClientStore {

    private final ClientStore delegate;

    DelegatingClientStore(ClientStore delegate) {
        this.delegate = delegate;
    }

    @Override
    public Optional<ClientRecord> findClient(String clientId) {
        return delegate.findClient(clientId);
    }

    @Override
    public void apply(ClientChange change, Replay replay) {
        delegate.apply(change, replay);
    }

    @Override
    public Optional<Replay> findReplay(String requestId) {
        return delegate.findReplay(requestId);
    }

    @Override
    public void apply(ClientChange change) {
        delegate.apply(change);
    }

    @Override
    public void applyAll(List<ClientChange> changes) {
        delegate.applyAll(changes);
    }

    @Override
    public Map<TokenKey, TokenRecord> findTokens(Collection<TokenKey> keys) {
        return delegate.findTokens(keys);
    }

    @Override
    public ClientPage listClients(int limit, String afterClientId) {
        return delegate.listClients(limit, afterClientId);
    }

    @Override
    public List<ExpiringToken> findPreviousTokensExpiring(Instant after, Instant until) {
        return delegate.findPreviousTokensExpiring(after, until);
    }

    @Override
    public boolean deleteExpiredOrphan(ExpiringToken token, Instant now) {
        return delegate.deleteExpiredOrphan(token, now);
    }
}
