package dev.gracekeys.core.ops;

import dev.gracekeys.core.ConcurrentModificationException;
import dev.gracekeys.core.events.DomainEvent;
import dev.gracekeys.core.events.EventPublisher;
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
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The daily sweep: announces previous tokens expiring within 24 h ({@code PreviousTokenExpiringSoon},
 * once per token), then removes those past their expiry (client pointer and token item in one
 * transaction, {@code PreviousTokenExpired}). It reads only the sparse expiry index, page by page,
 * so its cost follows the number of such tokens, not the size of the table.
 *
 * <p><b>Deadline.</b> {@link #sweep(Duration)} starts a step (one token) only while it expects the
 * step to end before the deadline, taking the longest step so far as the estimate, and otherwise
 * stops with {@code complete = false}. Announcements go first: they are time-critical (the token
 * stops working at its expiry), while a backlog of expired tokens is housekeeping that can wait
 * for the next run (they are rejected already, and TTL deletes what no sweep removes), so however
 * large that backlog, it cannot starve them.
 *
 * <p><b>Resuming.</b> Every step is atomic and all progress is in the table: a removed token is
 * gone from the index, an announced one carries its claim. A run that stopped early leaves the
 * table consistent, and the next run, reading the index afresh, does exactly what is left.
 *
 * <p><b>Once per token.</b> Before it publishes a {@code PreviousTokenExpiringSoon}, the sweep
 * claims it on the token item with a conditional update ({@link SweepStore#claimExpiringSoonNotice});
 * only the run whose claim succeeds publishes, so a second run, or one running at the same time,
 * never sends it again. A batch read first skips the tokens announced already, so a re-run writes
 * nothing for them. If publishing fails the claim is given back, so the next run sends it.
 * The one gap is a run that dies between its claim and its publish (not at its deadline, which it
 * stops before): that notice is lost rather than sent twice.
 *
 * <p>The sweep is housekeeping and reporting: a previous token is already rejected from the instant
 * it expires, whether or not the sweep has run.
 */
public final class ExpirySweeper {

    /** The lead time of {@code PreviousTokenExpiringSoon}. */
    public static final Duration SOON = Duration.ofHours(24);
    private static final Logger LOG = LoggerFactory.getLogger(ExpirySweeper.class);
    private static final int ATTEMPTS = 3;

    private final SweepStore store;
    private final EventPublisher events;
    private final Clock clock;
    private final ChangeApplier changes;

    /** @param clock the time expiries are compared with, and the deadline is measured by */
    public ExpirySweeper(SweepStore store, EventPublisher events, Clock clock) {
        this.store = store;
        this.events = events;
        this.clock = clock;
        this.changes = new ChangeApplier(store, events);
    }

    /**
     * Sweeps with no deadline, until nothing is left (tools and benchmarks; a function passes its
     * time left to {@link #sweep(Duration)}).
     *
     * @throws dev.gracekeys.core.StoreUnavailableException when DynamoDB fails; what was done
     *                                                       before stands, and a new run continues
     */
    public SweepResult sweep() {
        return new Run(null).sweep();
    }

    /**
     * Sweeps for at most {@code budget} by this sweeper's clock: it starts no step it expects to end
     * after that, and answers {@code complete = false} when it stopped with work left. Run it again
     * to continue: it picks up what is still expired or not yet announced.
     *
     * @param budget the time it may take (zero or less: it stops before doing anything)
     * @throws dev.gracekeys.core.StoreUnavailableException when DynamoDB fails; what was done
     *                                                       before stands, and a new run continues
     */
    public SweepResult sweep(Duration budget) {
        Objects.requireNonNull(budget, "budget");
        return new Run(clock.instant().plus(budget)).sweep();
    }

    /** How a phase of a run ended. */
    private enum End {
        /** Everything it found is done. */
        DONE,
        /** It went through everything, but left some for the next run (see the log). */
        LEFT_WORK,
        /** It stopped at the deadline. */
        DEADLINE
    }

    /** One run: its time, its deadline and its counts. */
    private final class Run {
        private final Instant now = Times.second(clock.instant());
        private final Steps steps;
        private int expired;
        private int expiringSoon;
        private int announced;

        Run(Instant deadline) {
            this.steps = new Steps(clock, deadline);
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
            LOG.info("expiry sweep: {} expired previous token(s) removed, {} expiring within 24 h ({} announced"
                    + " by this run), complete={}", expired, expiringSoon, announced, complete);
            return new SweepResult(expired, expiringSoon, now, complete);
        }

        private End announceExpiringSoon() {
            Iterator<ExpiringToken> tokens = store.previousTokensExpiring(now, now.plus(SOON)).iterator();
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

    /**
     * Paces a run against its deadline: a step starts only if, taking as long as the longest step
     * so far, it would end before the deadline. So the run ends before its deadline unless a step
     * takes longer than every one before it; the caller's margin covers that.
     */
    private static final class Steps {
        private final Clock clock;
        private final Instant deadline;
        private Duration longest = Duration.ZERO;
        private Instant started;

        /** @param deadline null for none */
        Steps(Clock clock, Instant deadline) {
            this.clock = clock;
            this.deadline = deadline;
        }

        boolean mayStart() {
            Instant t = clock.instant();
            if (deadline != null && !t.plus(longest).isBefore(deadline)) {
                return false;
            }
            started = t;
            return true;
        }

        void end() {
            Duration took = Duration.between(started, clock.instant());
            if (took.compareTo(longest) > 0) {
                longest = took;
            }
        }
    }
}
