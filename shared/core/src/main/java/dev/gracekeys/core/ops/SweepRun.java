package dev.gracekeys.core.ops;

import dev.gracekeys.core.ConcurrentModificationException;
import dev.gracekeys.core.events.DomainEvent;
import dev.gracekeys.core.events.EventPublisher;
import dev.gracekeys.core.metrics.Metric;
import dev.gracekeys.core.metrics.Metrics;
import dev.gracekeys.core.model.ClientRecord;
import dev.gracekeys.core.model.Times;
import dev.gracekeys.core.ops.Results.SweepResult;
import dev.gracekeys.core.store.ClientStore.ExpiringToken;
import dev.gracekeys.core.store.SweepStore;
import dev.gracekeys.core.store.SweepStore.NoticeClaim;
import dev.gracekeys.core.token.TokenKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * One run of the {@link ExpirySweeper}: announces what expires within the lead time, then removes what has
 * expired, each step paced by a {@link SweepPace}; counts what it did.
 */
final class SweepRun {

    private static final Logger LOG = LoggerFactory.getLogger(ExpirySweeper.class);
    private static final int ATTEMPTS = 3;

    /** How a phase of a run ended. */
    private enum End {
        /** Everything it found is done. */
        DONE,
        /** It went through everything, but left some for the next run (see the log). */
        LEFT_WORK,
        /** It stopped at the deadline. */
        DEADLINE
    }

    private final SweepStore store;
    private final EventPublisher events;
    private final ChangeApplier changes;
    private final Instant now;
    private final SweepPace steps;
    /** The one lead time of this run: what it reads from the index is what it claims and announces. */
    private final Duration lead;
    private final Metrics metrics;
    private int expired;
    private int expiringSoon;
    private int announced;

    /** @param deadline null for none */
    SweepRun(SweepStore store, EventPublisher events, Clock clock, ChangeApplier changes, Duration lead,
             Instant deadline, Metrics metrics) {
        this.metrics = metrics;
        this.store = store;
        this.lead = lead;
        this.events = events;
        this.changes = changes;
        this.now = Times.second(clock.instant());
        this.steps = new SweepPace(clock, deadline);
    }

    SweepResult sweep() {
        End soon = announceExpiringSoon();
        End removal = soon == End.DEADLINE ? End.DEADLINE : removeExpired();
        boolean complete = soon == End.DONE && removal == End.DONE;
        if (soon == End.DEADLINE || removal == End.DEADLINE) {
            LOG.warn("expiry sweep stopped early, at its deadline, with work left ({} expired removed, {} expiring"
                    + " soon checked so far). The table is consistent: run expire-sweep again and it continues"
                    + " where this run stopped", expired, expiringSoon);
        }
        LOG.info("expiry sweep: {} expired previous token(s) removed, {} expiring within {} s ({} announced"
                + " by this run), complete={}", expired, expiringSoon, lead.toSeconds(), announced, complete);
        metrics.count(Metric.SWEEP_RUNS, complete ? "Complete" : "Partial");
        return new SweepResult(expired, expiringSoon, now, complete);
    }

    private End announceExpiringSoon() {
        Iterator<ExpiringToken> tokens = store.previousTokensExpiring(now, now.plus(lead)).iterator();
        Deque<ExpiringToken> toClaim = new ArrayDeque<>();
        while (steps.mayStart()) {
            try {
                if (toClaim.isEmpty()) {
                    if (!tokens.hasNext()) {
                        return End.DONE;
                    }
                    toClaim.addAll(notAnnouncedYet(tokens));
                    continue;
                }
                Optional<NoticeClaim> claim = store.claimExpiringSoonNotice(toClaim.poll());
                if (claim.isPresent() && !announce(claim.get())) {
                    // The bus is failing: each further try would spend its retries for nothing.
                    // The tokens not reached are unclaimed, so the next run announces them.
                    LOG.warn("expiry sweep: stopped announcing after a failed publish; the next run sends"
                            + " the notices not sent yet");
                    return End.LEFT_WORK;
                }
            } finally {
                steps.end();
            }
        }
        return End.DEADLINE;
    }

    /**
     * The next tokens of the index (up to one batch read's worth), counted as expiring soon,
     * less those whose notice is sent already: a re-run (after complete=false, or a second run
     * the same day) reads past them instead of sending a refused claim, a write, for each.
     */
    private List<ExpiringToken> notAnnouncedYet(Iterator<ExpiringToken> tokens) {
        List<ExpiringToken> batch = new ArrayList<>();
        while (batch.size() < SweepStore.MAX_NOTICE_READ && tokens.hasNext()) {
            batch.add(tokens.next());
        }
        expiringSoon += batch.size();
        Set<TokenKey> sent = store.expiringSoonNoticesSent(batch);
        return batch.stream().filter(t -> !sent.contains(t.key())).toList();
    }

    /** Publishes a claimed notice; if that fails, gives the claim back and answers false. */
    private boolean announce(NoticeClaim claim) {
        ExpiringToken token = claim.token();
        DomainEvent event = DomainEvent.of(DomainEvent.PREVIOUS_TOKEN_EXPIRING_SOON, now)
                .with("clientId", token.clientId()).with("tokenId", token.tokenId())
                .with("expiresAt", token.expiresAt())
                .with("lastUsedAt", claim.lastUsedAt()) // absent when the token was never used
                .build();
        try {
            // One event per publish: if it fails, exactly this notice is given back, and no
            // notice that did go out is sent again by the next run.
            events.publish(List.of(event));
            announced++;
            LOG.atInfo().setMessage("previous token expiring soon").addKeyValue("clientId", token.clientId())
                    .addKeyValue("tokenId", token.tokenId()).addKeyValue("expiresAt", String.valueOf(token.expiresAt()))
                    .addKeyValue("lastUsedAt", claim.lastUsedAt() == null ? null : claim.lastUsedAt().toString()).log();
            metrics.record(Metric.EXPIRING_SOON_NOTICES, null, 1,
                    java.util.Map.of("clientId", token.clientId(), "tokenId", token.tokenId()));
            return true;
        } catch (RuntimeException e) {
            LOG.error("expiry sweep: could not publish PreviousTokenExpiringSoon for client {} token {} ({});"
                    + " giving its claim back so the next run sends it", token.clientId(), token.tokenId(),
                    e.getClass().getSimpleName());
            try {
                store.releaseExpiringSoonNotice(claim);
            } catch (RuntimeException releaseFailure) {
                LOG.error("expiry sweep: could not give back the claim of client {} token {} ({}): its"
                        + " PreviousTokenExpiringSoon will not be sent", token.clientId(), token.tokenId(),
                        releaseFailure.getClass().getSimpleName());
            }
            return false;
        }
    }

    private End removeExpired() {
        Iterator<ExpiringToken> tokens = store.previousTokensExpiring(null, now).iterator();
        Set<String> sweptClients = new HashSet<>();
        End end = End.DONE;
        while (steps.mayStart()) {
            try {
                if (!tokens.hasNext()) {
                    return end;
                }
                ExpiringToken token = tokens.next();
                if (sweptClients.contains(token.clientId())) {
                    continue; // its client's change removed all its expired tokens at once
                }
                if (!expireClient(token, sweptClients)) {
                    end = End.LEFT_WORK;
                }
            } finally {
                steps.end();
            }
        }
        return End.DEADLINE;
    }

    /** Removes the client's expired tokens; false if it gave up (the client kept changing). */
    private boolean expireClient(ExpiringToken token, Set<String> sweptClients) {
        for (int attempt = 1; ; attempt++) {
            Optional<ClientRecord> client = store.findClient(token.clientId());
            boolean pointed = client.isPresent() && client.get().previous().stream()
                    .anyMatch(p -> p.key().equals(token.key()) && !p.isLiveAt(now));
            if (!pointed) {
                // No client points at it (only after a fault, or another sweeper removed it just
                // now); remove it if it is still there and expired.
                if (store.deleteExpiredOrphan(token, now)) {
                    changes.expired(token.clientId(), token.tokenId(), token.expiresAt());
                    changes.publish(List.of(DomainEvent.of(DomainEvent.PREVIOUS_TOKEN_EXPIRED, now)
                            .with("clientId", token.clientId()).with("tokenId", token.tokenId())
                            .with("expiresAt", token.expiresAt()).build()));
                    expired++;
                }
                return true;
            }
            var change = RotationRules.removeExpired(client.get(), now);
            try {
                changes.apply(change, "expire-sweep", now, List.of());
                sweptClients.add(token.clientId());
                expired += change.expired().size();
                return true;
            } catch (ConcurrentModificationException e) {
                if (attempt == ATTEMPTS) {
                    LOG.warn("expiry sweep: client {} kept changing; its expired token is left for the next run",
                            token.clientId());
                    return false;
                }
            }
        }
    }
}
