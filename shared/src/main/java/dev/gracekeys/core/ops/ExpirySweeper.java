package dev.gracekeys.core.ops;

import dev.gracekeys.core.ConcurrentModificationException;
import dev.gracekeys.core.events.DomainEvent;
import dev.gracekeys.core.events.EventPublisher;
import dev.gracekeys.core.model.ClientRecord;
import dev.gracekeys.core.model.Times;
import dev.gracekeys.core.ops.Results.SweepResult;
import dev.gracekeys.core.store.ClientStore;
import dev.gracekeys.core.store.ClientStore.ExpiringToken;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The daily sweep: removes previous tokens past their expiry (client pointer and token item in one
 * transaction, {@code PreviousTokenExpired}), and announces those expiring within 24 h
 * ({@code PreviousTokenExpiringSoon}). It reads only the sparse expiry index, so its cost follows
 * the number of such tokens, not the size of the table.
 *
 * <p>The sweep is housekeeping and reporting: a previous token is already rejected from the instant
 * it expires, whether or not the sweep has run.
 */
public final class ExpirySweeper {

    public static final Duration SOON = Duration.ofHours(24);
    private static final Logger LOG = LoggerFactory.getLogger(ExpirySweeper.class);
    private static final int ATTEMPTS = 3;

    private final ClientStore store;
    private final Clock clock;
    private final Changes changes;

    public ExpirySweeper(ClientStore store, EventPublisher events, Clock clock) {
        this.store = store;
        this.clock = clock;
        this.changes = new Changes(store, events);
    }

    public SweepResult sweep() {
        Instant now = Times.second(clock.instant());
        int expired = 0;
        Set<String> sweptClients = new HashSet<>();
        for (ExpiringToken token : store.findPreviousTokensExpiring(null, now)) {
            if (sweptClients.contains(token.clientId())) {
                continue; // its client's change removed all its expired tokens at once
            }
            expired += expireClient(token, now, sweptClients);
        }
        List<DomainEvent> soon = new ArrayList<>();
        for (ExpiringToken token : store.findPreviousTokensExpiring(now, now.plus(SOON))) {
            soon.add(DomainEvent.of(DomainEvent.PREVIOUS_TOKEN_EXPIRING_SOON, now)
                    .with("clientId", token.clientId()).with("tokenId", token.tokenId())
                    .with("expiresAt", token.expiresAt()).build());
        }
        changes.publish(soon);
        LOG.info("expiry sweep: {} expired previous token(s) removed, {} expiring within 24 h", expired, soon.size());
        return new SweepResult(expired, soon.size(), now);
    }

    private int expireClient(ExpiringToken token, Instant now, Set<String> sweptClients) {
        for (int attempt = 1; ; attempt++) {
            Optional<ClientRecord> client = store.findClient(token.clientId());
            boolean pointed = client.isPresent() && client.get().previous().stream()
                    .anyMatch(p -> p.key().equals(token.key()) && !p.isLiveAt(now));
            if (!pointed) {
                // No client points at it (only after a fault); remove it if it is still expired.
                if (store.deleteExpiredOrphan(token, now)) {
                    changes.publish(List.of(DomainEvent.of(DomainEvent.PREVIOUS_TOKEN_EXPIRED, now)
                            .with("clientId", token.clientId()).with("tokenId", token.tokenId())
                            .with("expiresAt", token.expiresAt()).build()));
                    return 1;
                }
                return 0;
            }
            var change = ClientChanges.removeExpired(client.get(), now);
            try {
                changes.apply(change, "expire-sweep", now, List.of());
                sweptClients.add(token.clientId());
                return change.expired().size();
            } catch (ConcurrentModificationException e) {
                if (attempt == ATTEMPTS) {
                    LOG.warn("expiry sweep: client {} kept changing; its expired token is left for the next run",
                            token.clientId());
                    return 0;
                }
            }
        }
    }
}
