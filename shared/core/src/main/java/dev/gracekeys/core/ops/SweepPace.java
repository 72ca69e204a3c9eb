package dev.gracekeys.core.ops;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * Paces a run against its deadline: a step starts only if, taking as long as the longest step
 * so far, it would end before the deadline. So the run ends before its deadline unless a step
 * takes longer than every one before it; the caller's margin covers that.
 */
final class SweepPace {
    private final Clock clock;
    private final Instant deadline;
    private Duration longest = Duration.ZERO;
    private Instant started;

    /** @param deadline null for none */
    SweepPace(Clock clock, Instant deadline) {
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
