package dev.gracekeys.core.ops;

import dev.gracekeys.core.ClientAlreadyExistsException;
import dev.gracekeys.core.ConcurrentModificationException;
import dev.gracekeys.core.events.DomainEvent;
import dev.gracekeys.core.events.EventPublisher;
import dev.gracekeys.core.metrics.Metric;
import dev.gracekeys.core.metrics.Metrics;
import dev.gracekeys.core.model.TokenRef;
import dev.gracekeys.core.store.ChangeRejectedException;
import dev.gracekeys.core.store.ClientChange;
import dev.gracekeys.core.store.ClientStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Applies a change and publishes its events: the one path every ops service writes through, so
 * rejected conditions become the same named errors and removed tokens the same events everywhere.
 */
final class ChangeApplier {

    private static final Logger LOG = LoggerFactory.getLogger(ChangeApplier.class);

    private final ClientStore store;
    private final EventPublisher events;
    private final Metrics metrics;

    ChangeApplier(ClientStore store, EventPublisher events, Metrics metrics) {
        this.store = store;
        this.events = events;
        this.metrics = metrics;
    }

    /**
     * @param operation what the caller was doing, for the retry message ("rotate", "set-status")
     * @param extra     the operation's own events, published after those of removed tokens
     */
    void apply(ClientChange change, String operation, Instant now, List<DomainEvent> extra) {
        apply(change, operation, now, extra, null);
    }

    /** As above, recording the call's answer for resends of its requestId in the same transaction. */
    void apply(ClientChange change, String operation, Instant now, List<DomainEvent> extra,
               dev.gracekeys.core.store.Replay replay) {
        String clientId = change.after().clientId();
        try {
            if (replay == null) {
                store.apply(change);
            } else {
                store.apply(change, replay);
            }
        } catch (ChangeRejectedException e) {
            throw switch (e.reason()) {
                case CLIENT_EXISTS -> new ClientAlreadyExistsException("client '" + clientId
                        + "' exists already: to issue it a new token, call rotate without \"create\":true;"
                        + " to create another client, pick another clientId");
                case TOKEN_EXISTS, VERSION_CHANGED, TRANSACTION_CONFLICT -> new ConcurrentModificationException(
                        "client '" + clientId + "' was changed by another request during " + operation
                                + "; nothing was written: read it again (describe) and retry");
            };
        }
        List<DomainEvent> all = new ArrayList<>();
        for (TokenRef ref : change.revoked()) {
            LOG.atInfo().setMessage("previous token revoked").addKeyValue("clientId", clientId)
                    .addKeyValue("tokenId", ref.tokenId()).addKeyValue("reason", operation).log();
            metrics.record(Metric.REVOCATIONS, null, 1, java.util.Map.of("clientId", clientId, "tokenId", ref.tokenId()));
            all.add(DomainEvent.of(DomainEvent.PREVIOUS_TOKEN_REVOKED, now)
                    .with("clientId", clientId).with("tokenId", ref.tokenId()).with("revokedAt", now)
                    .with("reason", operation).build());
        }
        for (TokenRef ref : change.expired()) {
            expired(clientId, ref.tokenId(), ref.expiresAt());
            all.add(DomainEvent.of(DomainEvent.PREVIOUS_TOKEN_EXPIRED, now)
                    .with("clientId", clientId).with("tokenId", ref.tokenId()).with("expiresAt", ref.expiresAt())
                    .build());
        }
        all.addAll(extra);
        publish(all);
    }

    /** Logs and counts a previous token removed after its expiry. */
    void expired(String clientId, String tokenId, Instant expiresAt) {
        LOG.atInfo().setMessage("previous token expired").addKeyValue("clientId", clientId)
                .addKeyValue("tokenId", tokenId).addKeyValue("expiresAt", String.valueOf(expiresAt)).log();
        metrics.record(Metric.EXPIRIES, null, 1, java.util.Map.of("clientId", clientId, "tokenId", tokenId));
    }

    void publish(List<DomainEvent> list) {
        if (list.isEmpty()) {
            return;
        }
        try {
            events.publish(list);
        } catch (RuntimeException e) {
            // The change is stored; losing its notification must not turn success into an error.
            LOG.error("could not publish {} event(s) ({}); the change itself is stored",
                    list.size(), e.getClass().getSimpleName());
        }
    }
}
