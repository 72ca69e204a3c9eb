package dev.gracekeys.bench;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;

/**
 * A clock the harness moves by hand, so a run spans simulated minutes or hours without sleeping.
 * Starts at the real current second (DynamoDB Local and TTL never see a date far in the past).
 */
final class SimClock extends Clock {

    private volatile Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);

    void advance(Duration d) {
        now = now.plus(d);
    }

    @Override
    public Instant instant() {
        return now;
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
