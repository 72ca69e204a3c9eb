package dev.gracekeys.store.dynamodb.testing;

import dev.gracekeys.testkit.MutableClock;
import dev.gracekeys.testkit.RequestCounter;

import java.time.Duration;
import java.time.Instant;
import java.util.Set;

/**
 * The kit's clock paced by the DynamoDB writes a table's client sends: its start plus a fixed step
 * for every write {@link RequestCounter} counts from now on (see {@link MutableClock#pacedBy}).
 */
public final class WorkClock extends MutableClock {

    /** The requests that count as work: every kind of write. */
    public static final Set<String> WRITES = RequestCounter.WRITES;

    /** @param start the time now; each write from now on moves the clock by {@code perWrite} */
    public WorkClock(Instant start, RequestCounter requests, Duration perWrite) {
        super(start, requests::writes, perWrite);
    }
}
