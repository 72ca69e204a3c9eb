package dev.gracekeys.core.ops;

import dev.gracekeys.core.events.EventPublisher;
import dev.gracekeys.core.metrics.Metrics;
import dev.gracekeys.core.ops.Results.SweepResult;
import dev.gracekeys.core.store.SweepStore;

import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * The daily sweep: announces previous tokens expiring within its lead time ({@link #lead()}, 24 h by
 * default, EXPIRING_SOON_LEAD_SECONDS in the function; {@code PreviousTokenExpiringSoon} with the
 * token's {@code lastUsedAt}, once per token), then removes those past their expiry (client pointer and token item in one
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
 * <p>A run is a {@code SweepRun}, paced against its deadline by a {@code SweepPace}.
 *
 * <p>The sweep is housekeeping and reporting: a previous token is already rejected from the instant
 * it expires, whether or not the sweep has run.
 */
public final class ExpirySweeper {

    /** The default lead time of {@code PreviousTokenExpiringSoon} (EXPIRING_SOON_LEAD_SECONDS unset). */
    public static final Duration DEFAULT_LEAD = Duration.ofHours(24);

    /** The longest lead time: a year. */
    public static final Duration MAX_LEAD = Duration.ofDays(365);

    private final SweepStore store;
    private final EventPublisher events;
    private final Clock clock;
    private final ChangeApplier changes;
    private final Duration lead;
    private final Metrics metrics;

    /** @param clock the time expiries are compared with, and the deadline is measured by */
    public ExpirySweeper(SweepStore store, EventPublisher events, Clock clock) {
        this(store, events, clock, DEFAULT_LEAD, Metrics.NONE);
    }

    /** As above, counting runs, notices and expiries in {@code metrics}. */
    public ExpirySweeper(SweepStore store, EventPublisher events, Clock clock, Metrics metrics) {
        this(store, events, clock, DEFAULT_LEAD, metrics);
    }

    /**
     * @param lead how long before its expiry a previous token is announced ({@code PreviousTokenExpiringSoon}):
     *             the index query and the notice claim both use it
     * @throws IllegalArgumentException when not 1 s..{@link #MAX_LEAD}
     */
    public ExpirySweeper(SweepStore store, EventPublisher events, Clock clock, Duration lead) {
        this(store, events, clock, lead, Metrics.NONE);
    }

    /**
     * @param lead    as above
     * @param metrics where runs, notices and expiries are counted
     * @throws IllegalArgumentException when {@code lead} is not 1 s..{@link #MAX_LEAD}
     */
    public ExpirySweeper(SweepStore store, EventPublisher events, Clock clock, Duration lead, Metrics metrics) {
        this.store = store;
        this.events = events;
        this.clock = clock;
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.changes = new ChangeApplier(store, events, metrics);
        this.lead = checkedLead(lead);
    }

    /**
     * This sweeper with another lead time (EXPIRING_SOON_LEAD_SECONDS).
     *
     * @throws IllegalArgumentException when not 1 s..{@link #MAX_LEAD}
     */
    public ExpirySweeper withLead(Duration lead) {
        return checkedLead(lead).equals(this.lead) ? this : new ExpirySweeper(store, events, clock, lead, metrics);
    }

    /** The lead time of {@code PreviousTokenExpiringSoon}. */
    public Duration lead() {
        return lead;
    }

    private static Duration checkedLead(Duration lead) {
        if (lead == null || lead.toSeconds() < 1 || lead.compareTo(MAX_LEAD) > 0) {
            throw new IllegalArgumentException("the expiring-soon lead time (EXPIRING_SOON_LEAD_SECONDS) must be 1.."
                    + MAX_LEAD.toSeconds() + " seconds, got " + (lead == null ? "none" : lead.toSeconds()));
        }
        return lead;
    }

    /**
     * Sweeps with no deadline, until nothing is left (tools and benchmarks; a function passes its
     * time left to {@link #sweep(Duration)}).
     *
     * @throws dev.gracekeys.core.StoreUnavailableException when DynamoDB fails; what was done
     *                                                       before stands, and a new run continues
     */
    public SweepResult sweep() {
        return new SweepRun(store, events, clock, changes, lead, null, metrics).sweep();
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
        return new SweepRun(store, events, clock, changes, lead, clock.instant().plus(budget), metrics).sweep();
    }
}
