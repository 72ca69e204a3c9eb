package dev.gracekeys.core.ops;

import dev.gracekeys.core.GraceKeysException;
import dev.gracekeys.core.model.ClientRecord;
import dev.gracekeys.core.model.TokenRecord;
import dev.gracekeys.core.store.ChangeRejectedException;
import dev.gracekeys.core.store.ClientChange;
import dev.gracekeys.core.store.ClientStore;
import dev.gracekeys.core.token.TokenKey;
import dev.gracekeys.core.verify.Rekeyer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Optional;

/**
 * Re-keys a token found under the previous pepper to the current one, in one transaction with its
 * client (so a concurrent rotation either sees the old key or the new one, never a mix). Best
 * effort, on the verify path: if anything gets in the way, the token stays under the old key and is
 * re-keyed at its next use; the verdict does not change.
 */
public final class PepperRekeyer implements Rekeyer {

    private static final Logger LOG = LoggerFactory.getLogger(PepperRekeyer.class);

    private final ClientStore store;

    public PepperRekeyer(ClientStore store) {
        this.store = store;
    }

    @Override
    public boolean rekey(TokenRecord found, TokenKey currentKey) {
        try {
            Optional<ClientRecord> client = store.findClient(found.clientId());
            ClientChange change = client.map(c -> ClientChanges.rekey(c, found.key(), currentKey)).orElse(null);
            if (change == null) {
                return false;
            }
            store.apply(change);
            LOG.info("re-keyed token {} of client {} to the current pepper", found.tokenId(), found.clientId());
            return true;
        } catch (ChangeRejectedException | GraceKeysException e) {
            LOG.info("token {} of client {} stays under the previous pepper for now ({})",
                    found.tokenId(), found.clientId(), e.getClass().getSimpleName());
            return false;
        }
    }
}
