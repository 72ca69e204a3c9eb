package dev.gracekeys.core.verify;

import dev.gracekeys.core.GraceKeysConfig;
import dev.gracekeys.core.metrics.Metric;
import dev.gracekeys.core.metrics.Metrics;
import dev.gracekeys.core.model.TokenRecord;
import dev.gracekeys.core.model.TokenSlot;
import dev.gracekeys.core.store.TokenLookup;
import dev.gracekeys.core.token.PepperRing;
import dev.gracekeys.core.token.TokenFormat;
import dev.gracekeys.core.token.TokenHasher;
import dev.gracekeys.core.token.TokenKey;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

import static dev.gracekeys.core.verify.Verdict.DenyReason.*;

/**
 * The verify decision. Malformed: deny with no database call. Otherwise one read of the token item
 * under each pepper the container knows (one pepper, one read, except during a pepper rotation),
 * then: unknown, inactive client, or a previous or pending token past {@code expiresAt} (checked here
 * on every call: TTL deletes up to two days late) deny; anything else allows (a live pending token
 * like the current one, with its own slot in the verdict). Everything a verify does
 * (every read, waiting for a pepper refresh, the last-use write) shares one time budget; any store
 * error or a budget spent denies (fail closed). Never throws, never writes anything but last use.
 */
public final class Verifier {

    private static final Logger LOG = LoggerFactory.getLogger(Verifier.class);
    private static final int THROTTLE_MAX_ENTRIES = 100_000;
    /** Below this much budget left the last-use write is skipped (best effort) rather than risked. */
    private static final long MIN_WRITE_NANOS = Duration.ofMillis(20).toNanos();

    private final TokenLookup lookup;
    private final TokenFormat format;
    private final PepperRing peppers;
    private final Clock clock;
    private final Duration budget;
    private final Duration lastUseInterval;
    private final Metrics metrics;
    /** False for {@link Metrics#NONE}: then a verify reads no clock and builds no metric values. */
    private final boolean recording;
    /** The start time of a verify nothing measures. */
    private static final long NOT_MEASURED = Long.MIN_VALUE;
    /** Per-container memory of the next instant each token's last use may be written again. */
    private final ConcurrentHashMap<TokenKey, Instant> lastUseWrites = new ConcurrentHashMap<>();

    private Verifier(Builder b) {
        this.lookup = b.lookup;
        this.format = b.format;
        this.peppers = b.peppers;
        this.clock = b.clock;
        this.budget = b.budget;
        this.lastUseInterval = b.lastUseInterval;
        this.metrics = b.metrics;
        this.recording = b.metrics != Metrics.NONE;
    }

    /** A builder: {@code lookup} and the pepper(s) are required, the rest has the configured defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** {@link TokenFormat#primingToken()} in this verifier's format. */
    public String primingToken() {
        return format.primingToken();
    }

    /**
     * Decides whether {@code presented} may pass: allow (with the client, the slot and, for a
     * previous token, its expiry) or deny with the reason. Never throws: a store that fails or does
     * not answer within the budget denies ({@code STORE_UNAVAILABLE}), as does any other failure.
     */
    public Verdict verify(String presented) {
        long started = recording ? System.nanoTime() : NOT_MEASURED;
        Verdict verdict;
        try {
            verdict = decide(presented, started);
        } catch (RuntimeException | Error e) { // last line of defence: a verify never throws
            LOG.warn("verify failed closed: {}", e.getClass().getSimpleName());
            verdict = Verdict.deny(STORE_UNAVAILABLE);
        }
        measured(verdict, started);
        return verdict;
    }

    /** The {@link Metric#VERIFY_DECISIONS} outcome of each deny reason, by ordinal. */
    private static final String[] DENIED = {"DeniedMalformed", "DeniedUnknown", "DeniedInactive", "DeniedExpired",
            "DeniedStoreUnavailable"};

    /**
     * The verify's outcome, as {@link Metric#VERIFY_DECISIONS} names it: a pending token (a scheduled
     * rotation's, not promoted yet) counts as current, since the catalogue knows current and previous.
     */
    static String outcome(Verdict verdict) {
        if (verdict.allowed()) {
            return verdict.slot() == TokenSlot.PREVIOUS ? "AllowedPrevious" : "AllowedCurrent";
        }
        return DENIED[verdict.reason().ordinal()];
    }

    /** One observation per verify: its outcome and its latency together; never changes the verdict. */
    private void measured(Verdict verdict, long started) {
        if (!recording) {
            return;
        }
        try {
            double millis = (System.nanoTime() - started) / 1e6;
            Map<String, String> properties = verdict.allowed()
                    ? Map.of("clientId", verdict.clientId(), "tokenId", verdict.tokenId(), "slot", verdict.slot().wireName())
                    : Map.of();
            metrics.recordTogether(properties, new Metrics.Value(Metric.VERIFY_DECISIONS, outcome(verdict), 1),
                    new Metrics.Value(Metric.VERIFY_LATENCY, null, millis));
        } catch (RuntimeException e) {
            LOG.warn("verify metric dropped: {}", e.getClass().getSimpleName());
        }
    }

    /**
     * @param started when the verify began, or {@link #NOT_MEASURED}: the budget runs from there (a
     *                malformed token, denied without a read, needs no clock at all)
     */
    private Verdict decide(String presented, long started) {
        TokenFormat.Kind kind = format.classify(presented);
        if (kind == TokenFormat.Kind.MALFORMED) {
            return Verdict.deny(MALFORMED);
        }
        long deadline = (started == NOT_MEASURED ? System.nanoTime() : started) + budget.toNanos();
        TokenRecord token;
        try {
            PepperRing.View view = peppers.view();
            token = find(view.lookup(), List.of(), presented, kind, deadline);
            if (token == null && view.staleAt(clock.instant())) {
                // A miss on a view past its refresh time: the token may be under a pepper this
                // container has not loaded yet. Wait for the refresh (within the budget) and look
                // under what is new. Hits never wait.
                PepperRing.View fresh = peppers.awaitRefresh(view, left(deadline));
                if (fresh != null && fresh != view) {
                    token = find(fresh.lookup(), view.lookup(), presented, kind, deadline);
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("verify denied: the token store did not answer within {} ms ({})",
                    budget.toMillis(), e.getClass().getSimpleName());
            return Verdict.deny(STORE_UNAVAILABLE);
        }
        if (token == null) {
            return Verdict.deny(UNKNOWN);
        }
        if (!token.active()) {
            return Verdict.deny(INACTIVE);
        }
        Instant now = clock.instant();
        Instant expiresAt = token.expiresAt();
        if (token.slot() != TokenSlot.CURRENT
                && (expiresAt == null ? token.slot() == TokenSlot.PREVIOUS : !expiresAt.isAfter(now))) {
            // A previous token past its grace (or without an expiry), or a pending one never promoted. A
            // pending token without an expiry is finishing: AWSCURRENT may be on it; it verifies until promoted.
            return Verdict.deny(EXPIRED);
        }
        recordLastUse(token, now, deadline);
        return Verdict.allow(token.clientId(), token.slot(), token.tokenId(),
                token.slot() == TokenSlot.PREVIOUS ? token.expiresAt() : null);
    }

    /** The token under the first of {@code hashers} (skipping those {@code tried}) that has it. */
    private TokenRecord find(List<TokenHasher> hashers, List<TokenHasher> tried, String presented,
                             TokenFormat.Kind kind, long deadline) {
        for (TokenHasher hasher : hashers) {
            if (tried.contains(hasher)) {
                continue;
            }
            Duration left = left(deadline);
            if (left.toMillis() < 1) {
                throw new BudgetSpentException();
            }
            TokenRecord found = lookup.findToken(hasher.keyOf(presented, kind), left);
            if (found != null) {
                return found;
            }
        }
        return null;
    }

    private static Duration left(long deadline) {
        return Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
    }

    /** The verify's budget ran out before it could decide: deny. */
    private static final class BudgetSpentException extends RuntimeException {
        BudgetSpentException() {
            super("verify budget spent", null, false, false);
        }
    }

    /**
     * At most one conditional write per token per interval: skipped when the item says it was used
     * within the interval, or when this container already wrote it; the write's condition stops
     * other containers. Best effort: a failure never changes the verdict.
     */
    private void recordLastUse(TokenRecord token, Instant now, long deadline) {
        Instant since = now.minus(lastUseInterval);
        if (token.lastUsedAt() != null && token.lastUsedAt().isAfter(since)) {
            return;
        }
        Instant next = now.plus(lastUseInterval);
        boolean[] mine = {false};
        lastUseWrites.compute(token.key(), (k, due) -> {
            if (due == null || !now.isBefore(due)) {
                mine[0] = true;
                return next;
            }
            return due;
        });
        if (!mine[0]) {
            return;
        }
        long left = deadline - System.nanoTime();
        if (left < MIN_WRITE_NANOS) {
            lastUseWrites.remove(token.key(), next); // not written: the next verify may try
            return;
        }
        if (lastUseWrites.size() > THROTTLE_MAX_ENTRIES) {
            lastUseWrites.clear(); // bounded memory; the write condition still holds the line
        }
        try {
            lookup.recordLastUse(token.key(), now, since, Duration.ofNanos(left));
        } catch (RuntimeException e) {
            LOG.warn("could not record last use of token {} ({})", token.tokenId(), e.getClass().getSimpleName());
        }
    }

    /** The settings of a {@link Verifier}. Not thread-safe. */
    public static final class Builder {
        private TokenLookup lookup;
        private PepperRing peppers;
        private TokenFormat format = TokenFormat.defaults();
        private Clock clock = Clock.systemUTC();
        private Duration budget = Duration.ofMillis(1_500);
        private Duration lastUseInterval = Duration.ofSeconds(300);
        private Metrics metrics = Metrics.NONE;

        private Builder() {
        }

        /** Where each verify's outcome and latency are recorded; by default nowhere. */
        public Builder metrics(Metrics metrics) {
            this.metrics = Objects.requireNonNull(metrics, "metrics");
            return this;
        }

        /** Where token items are read, and their last use written (required). */
        public Builder lookup(TokenLookup lookup) {
            this.lookup = Objects.requireNonNull(lookup, "lookup");
            return this;
        }

        /** The peppers a token may be hashed under (required). */
        public Builder peppers(PepperRing peppers) {
            this.peppers = Objects.requireNonNull(peppers, "peppers");
            return this;
        }

        /** The format, the verify's budget and the last-use interval, all from one configuration. */
        public Builder config(GraceKeysConfig config) {
            return format(config.tokenFormat()).budget(config.verifyTimeout()).lastUseInterval(config.lastUseInterval());
        }

        /** The token format (prefix, legacy key pattern); by default {@link TokenFormat#defaults()}. */
        public Builder format(TokenFormat format) {
            this.format = Objects.requireNonNull(format, "format");
            return this;
        }

        /** The time expiries are compared with; by default the system clock in UTC. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** The whole time one verify may take, reads and writes together; by default 1.5 s. */
        public Builder budget(Duration budget) {
            this.budget = Objects.requireNonNull(budget, "budget");
            return this;
        }

        /** At most one last-use write per token per this interval; by default 5 minutes. */
        public Builder lastUseInterval(Duration lastUseInterval) {
            this.lastUseInterval = Objects.requireNonNull(lastUseInterval, "lastUseInterval");
            return this;
        }

        /**
         * The verifier.
         *
         * @throws IllegalStateException when {@code lookup} or {@code peppers} was not given
         */
        public Verifier build() {
            if (lookup == null || peppers == null) {
                throw new IllegalStateException("Verifier.builder() needs lookup and peppers before build()");
            }
            return new Verifier(this);
        }
    }
}
