package dev.gracekeys.core.token;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The peppers a container knows: the current one and, during a pepper rotation, the previous one;
 * loaded from a {@link PepperSource} at start-up and again after each refresh interval.
 *
 * <p>Why pepper rotation and its rollback never deny a valid token, whatever order the containers
 * see the change in (docs/design.md, "Pepper rotation"):
 * <ul>
 *   <li>Token items are never moved: a token stays under the key its pepper gave it when it was
 *       issued. A verify looks it up under every pepper of its {@link View} (current first).</li>
 *   <li>A new pepper hashes new tokens only once every container must have loaded it: until
 *       {@link #settle()} has passed since the pepper became current, new tokens are hashed with the
 *       previous pepper, which containers that have not refreshed yet still hold as their current
 *       one ({@link View#forNewTokens}). A rollback makes an older pepper current again, which every
 *       container holds already (as current or previous), so it is used at once.</li>
 *   <li>Refreshes run in the background and never hold up a push; a verify that misses on a view
 *       past its refresh time may wait for the refresh, within its own budget
 *       ({@link #awaitRefresh}).</li>
 * </ul>
 * If a refresh fails, the peppers already loaded stay in use (the failure is logged by class only).
 */
public final class PepperRing {

    private static final Logger LOG = LoggerFactory.getLogger(PepperRing.class);
    /** Beyond the refresh interval: clock skew between Secrets Manager and Lambda, a slow refresh. */
    public static final Duration SETTLE_MARGIN = Duration.ofSeconds(60);
    private static final Executor BACKGROUND = daemonExecutor();

    private final PepperSource source;
    private final Clock clock;
    private final Duration refresh;
    private final Executor refresher;
    private volatile View view;
    private CompletableFuture<View> inFlight; // guarded by this

    /**
     * What one container knows at one moment.
     *
     * @param peppers      as loaded
     * @param current      hasher of the current pepper
     * @param previous     hasher of the previous pepper, or {@code null}
     * @param due          when this view should be refreshed
     * @param settledFrom  from when the current pepper may hash new tokens
     */
    public record View(PepperSource.Peppers peppers, TokenHasher current, TokenHasher previous, Instant due,
                       Instant settledFrom) {

        /** The hashers a verify looks a token up under, current first. */
        public List<TokenHasher> lookup() {
            return previous == null ? List.of(current) : List.of(current, previous);
        }

        /**
         * The hasher for a token issued now: the current pepper once every container has had time
         * to load it, else the previous one (which they all still hold).
         */
        public TokenHasher forNewTokens(Instant now) {
            return previous != null && now.isBefore(settledFrom) ? previous : current;
        }

        /** Whether this view is past its refresh time (a newer pepper may exist). */
        public boolean staleAt(Instant now) {
            return !now.isBefore(due);
        }

        @Override
        public String toString() {
            return "PepperRing.View[<redacted>]";
        }
    }

    /** Refreshes on a background thread. */
    public PepperRing(PepperSource source, Clock clock, Duration refresh) {
        this(source, clock, refresh, BACKGROUND);
    }

    /**
     * @param refresher runs the refreshes; {@code Runnable::run} refreshes on the calling thread
     *                  (deterministic tests)
     */
    public PepperRing(PepperSource source, Clock clock, Duration refresh, Executor refresher) {
        this(source, clock, refresh, refresher, true);
    }

    private PepperRing(PepperSource source, Clock clock, Duration refresh, Executor refresher, boolean eager) {
        this.source = source;
        this.clock = clock;
        this.refresh = refresh;
        this.refresher = refresher;
        // At start-up: a missing pepper fails the container, not a request.
        this.view = eager ? load(null) : null;
    }

    /**
     * A ring that reads its source only when first asked for a pepper. For functions that never
     * hash a token (describe, set-status, revoke-old, expire-sweep): they are deployed without the
     * pepper secret and without the right to read it, and such a ring is never loaded there.
     */
    public static PepperRing onFirstUse(PepperSource source, Clock clock, Duration refresh) {
        return new PepperRing(source, clock, refresh, BACKGROUND, false);
    }

    /** A ring of one pepper that never changes (tests, tools). */
    public static PepperRing fixed(Pepper pepper) {
        return new PepperRing(PepperSource.fixed(pepper), Clock.systemUTC(), Duration.ofDays(36500), Runnable::run);
    }

    /** How long after a pepper becomes current it starts hashing new tokens: refresh + margin. */
    public Duration settle() {
        return refresh.plus(SETTLE_MARGIN);
    }

    /**
     * The peppers as this container knows them now. Never blocks on the source: past the refresh
     * time it starts a refresh in the background and answers with what it has.
     */
    public View view() {
        View v = view;
        if (v == null) {
            v = firstLoad();
        }
        if (v.staleAt(clock.instant())) {
            startRefresh(v);
        }
        return v;
    }

    /** Hashes a token issued now ({@link View#forNewTokens}). */
    public TokenHasher forNewTokens() {
        return view().forNewTokens(clock.instant());
    }

    /** Every hasher a token may be stored under, current first. */
    public List<TokenHasher> lookup() {
        return view().lookup();
    }

    /**
     * Waits at most {@code timeout} for the refresh of a stale view {@code seen} and returns the
     * view after it, or {@code null} if it did not finish in time (or {@code seen} is not stale).
     */
    public View awaitRefresh(View seen, Duration timeout) {
        if (!seen.staleAt(clock.instant()) || timeout.toMillis() < 1) {
            return null;
        }
        CompletableFuture<View> refreshing = startRefresh(seen);
        try {
            return refreshing.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (java.util.concurrent.ExecutionException e) {
            return view;
        }
    }

    private synchronized View firstLoad() {
        if (view == null) {
            view = load(null);
        }
        return view;
    }

    private synchronized CompletableFuture<View> startRefresh(View seen) {
        if (view != seen) {
            return CompletableFuture.completedFuture(view); // refreshed meanwhile
        }
        if (inFlight == null) {
            CompletableFuture<View> f = new CompletableFuture<>();
            inFlight = f;
            try {
                refresher.execute(() -> f.complete(refreshFrom(seen)));
            } catch (RuntimeException e) { // executor refused: refresh here rather than never
                f.complete(refreshFrom(seen));
            }
        }
        return inFlight;
    }

    private View refreshFrom(View before) {
        View next;
        try {
            next = load(before);
        } catch (RuntimeException e) {
            LOG.warn("pepper refresh failed ({}); keeping the peppers loaded before", e.getClass().getSimpleName());
            next = new View(before.peppers, before.current, before.previous, clock.instant().plus(refresh),
                    before.settledFrom);
        }
        synchronized (this) {
            view = next;
            inFlight = null;
        }
        return next;
    }

    private View load(View before) {
        PepperSource.Peppers p = source.load();
        Instant now = clock.instant();
        Instant due = now.plus(refresh);
        if (before != null && before.peppers.sameAs(p)) {
            return new View(before.peppers, before.current, before.previous, due, before.settledFrom); // keep the Macs
        }
        // Settled from when the pepper became current (its version's creation: docs/design.md says
        // why a pepper is made current only by creating it) plus the time every container needs to
        // load it. A source that cannot tell (a fixed local pepper) counts as settled long ago.
        Instant since = p.currentSince() == null ? Instant.EPOCH : p.currentSince();
        return new View(p, new TokenHasher(p.current()), p.previous() == null ? null : new TokenHasher(p.previous()),
                due, since.plus(settle()));
    }

    private static Executor daemonExecutor() {
        ExecutorService pool = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "pepper-refresh");
            t.setDaemon(true);
            return t;
        });
        return pool;
    }
}
