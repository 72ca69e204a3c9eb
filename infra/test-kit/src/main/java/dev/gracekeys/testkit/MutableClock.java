package dev.gracekeys.testkit;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The one clock the tests, the benchmarks and the local stack move by hand: time-dependent rules
 * are tested, and simulated hours pass, without sleeping. It reads a base time plus what
 * {@link #advance} and {@link #set} have moved it by; the base is one of three policies:
 * <ul>
 *   <li>fixed ({@link #MutableClock()}, {@link #MutableClock(Instant)}): only the test moves it;</li>
 *   <li>the system clock ({@link #onSystemTime()}), moved forward only: the local stack's clock,
 *       which a test moves to see expiry happen;</li>
 *   <li>paced by work ({@link #pacedBy}): a step for every unit of work done since (e.g. the
 *       DynamoDB writes a {@link RequestCounter} counted), so a deadline is reached after a known
 *       amount of work, the same on every run and machine.</li>
 * </ul>
 *
 * <p>The fixed clock starts at the real current second, not at a fixed date: DynamoDB Local deletes
 * items whose TTL attribute is in the real past within seconds, and the tests must not depend on that.
 */
public final class MutableClock extends Clock {

    private final Supplier<Instant> base;
    private final boolean forwardOnly;
    private volatile Duration moved = Duration.ZERO;

    public MutableClock() {
        this(Instant.now().truncatedTo(ChronoUnit.SECONDS));
    }

    public MutableClock(Instant start) {
        this(() -> start, false);
    }

    /** A clock at {@code start} that moves by {@code perUnit} for every unit {@code work} counts from now on. */
    private MutableClock(Instant start, LongSupplier work, Duration perUnit) {
        this(paced(start, work, perUnit), false);
    }

    private MutableClock(Supplier<Instant> base, boolean forwardOnly) {
        this.base = base;
        this.forwardOnly = forwardOnly;
    }

    /** The system clock plus what {@link #advance} added; it only moves forward. */
    public static MutableClock onSystemTime() {
        return new MutableClock(Instant::now, true);
    }

    /** See {@link #MutableClock(Instant, LongSupplier, Duration)}. */
    public static MutableClock pacedBy(Instant start, LongSupplier work, Duration perUnit) {
        return new MutableClock(start, work, perUnit);
    }

    private static Supplier<Instant> paced(Instant start, LongSupplier work, Duration perUnit) {
        long before = work.getAsLong();
        return () -> start.plus(perUnit.multipliedBy(work.getAsLong() - before));
    }

    /** @throws IllegalArgumentException if {@code d} is negative on a clock that only moves forward */
    public synchronized void advance(Duration d) {
        if (forwardOnly && d.isNegative()) {
            throw new IllegalArgumentException("the clock only moves forward");
        }
        moved = moved.plus(d);
    }

    public synchronized void set(Instant instant) {
        advance(Duration.between(instant(), instant));
    }

    @Override
    public Instant instant() {
        return base.get().plus(moved);
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }
}
