package dev.gracekeys.store.dynamodb.testing;

import dev.gracekeys.testkit.RequestCounter;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Set;

/**
 * A clock that moves only as work is done: its start plus a fixed step for every DynamoDB write
 * the table's client has sent since (as counted by {@link RequestCounter}). A deadline is then
 * reached after a known amount of work, the same on every run and machine, without sleeping.
 */
public final class WorkClock extends Clock {

    /** The requests that count as work: every kind of write. */
    public static final Set<String> WRITES = Set.of("PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems",
            "BatchWriteItem");

    private final Instant start;
    private final RequestCounter requests;
    private final Duration perWrite;
    private final long writesBefore;

    /** @param start the time now; each write from now on moves the clock by {@code perWrite} */
    public WorkClock(Instant start, RequestCounter requests, Duration perWrite) {
        this.start = start;
        this.requests = requests;
        this.perWrite = perWrite;
        this.writesBefore = writes();
    }

    /** Writes sent since this clock was made. */
    public long writesSinceStart() {
        return writes() - writesBefore;
    }

    @Override
    public Instant instant() {
        return start.plus(perWrite.multipliedBy(writesSinceStart()));
    }

    private long writes() {
        return WRITES.stream().mapToLong(requests::count).sum();
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
