package dev.gracekeys.core.token;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * The hashers for the current pepper and, during a pepper rotation, the previous one: loaded from a
 * {@link PepperSource} once per container and again after each refresh interval, so a pepper
 * rotation reaches running containers without a redeploy. If a refresh fails, the peppers already
 * loaded stay in use (and the failure is logged by class only).
 */
public final class PepperRing {

    private static final Logger LOG = LoggerFactory.getLogger(PepperRing.class);

    private final PepperSource source;
    private final Clock clock;
    private final Duration refresh;
    private volatile Loaded loaded;

    private record Loaded(PepperSource.Peppers peppers, TokenHasher current, TokenHasher previous, Instant due) {
    }

    public PepperRing(PepperSource source, Clock clock, Duration refresh) {
        this.source = source;
        this.clock = clock;
        this.refresh = refresh;
        this.loaded = load(null); // at start-up: a missing pepper fails the container, not a request
    }

    public static PepperRing fixed(Pepper pepper) {
        return new PepperRing(PepperSource.fixed(pepper), Clock.systemUTC(), Duration.ofDays(36500));
    }

    /** Hashes new tokens and looks up first. */
    public TokenHasher current() {
        return fresh().current;
    }

    /** The previous pepper's hasher while a pepper rotation is under way, else {@code null}. */
    public TokenHasher previous() {
        return fresh().previous;
    }

    private Loaded fresh() {
        Loaded l = loaded;
        if (clock.instant().isBefore(l.due)) {
            return l;
        }
        synchronized (this) {
            if (loaded == l) {
                try {
                    loaded = load(l);
                } catch (RuntimeException e) {
                    LOG.warn("pepper refresh failed ({}); keeping the peppers loaded before", e.getClass().getSimpleName());
                    loaded = new Loaded(l.peppers, l.current, l.previous, clock.instant().plus(refresh));
                }
            }
            return loaded;
        }
    }

    private Loaded load(Loaded before) {
        PepperSource.Peppers p = source.load();
        Instant due = clock.instant().plus(refresh);
        if (before != null && before.peppers.equals(p)) {
            return new Loaded(before.peppers, before.current, before.previous, due); // keep the hashers' Macs
        }
        return new Loaded(p, new TokenHasher(p.current()), p.previous() == null ? null : new TokenHasher(p.previous()), due);
    }
}
