package dev.gracekeys.core;

import dev.gracekeys.testkit.MutableClock;

import dev.gracekeys.core.events.DomainEvent;
import dev.gracekeys.core.ops.ExpirySweeper;
import dev.gracekeys.core.ops.Results.SweepResult;
import dev.gracekeys.store.dynamodb.testing.DynamoDbLocalExtension;
import dev.gracekeys.core.testing.Fixture;
import dev.gracekeys.store.dynamodb.testing.TestTable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;

import static dev.gracekeys.core.testing.Fixture.hours;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The sweep removes expired previous slots and reports those expiring soon, reading only those; it
 * stops before its deadline, and the next run continues.
 */
@ExtendWith(DynamoDbLocalExtension.class)
class ExpirySweepIT {

    @Test
    void sweep_removesExpiredPreviousTokens_andReportsThoseExpiringWithin24h(TestTable table) {
        Fixture f = new Fixture(table);
        for (int i = 0; i < 3; i++) {
            f.create("SHORT0" + i);
            f.rotate("SHORT0" + i, hours(1));
        }
        f.create("SOON01");
        f.rotate("SOON01", hours(20));
        f.create("LATER01");
        f.rotate("LATER01", hours(48));
        f.create("NOPREV01");
        f.clock.advance(hours(2));
        f.events.clear();

        SweepResult r = f.core.sweeper().sweep();

        assertEquals(3, r.expired());
        assertEquals(1, r.expiringSoon());
        assertEquals(f.clock.instant(), r.checkedAt());
        assertTrue(r.complete());
        assertEquals(3, f.events.ofType(DomainEvent.PREVIOUS_TOKEN_EXPIRED).size());
        var soon = f.events.ofType(DomainEvent.PREVIOUS_TOKEN_EXPIRING_SOON);
        assertEquals(1, soon.size());
        assertEquals("SOON01", soon.get(0).detail().get("clientId"));
        assertNull(f.core.tokens().describe("SHORT00").previous());
        assertNotNull(f.core.tokens().describe("LATER01").previous());
        assertEquals(List.of(), f.violations());

        assertEquals(0, f.core.sweeper().sweep().expired(), "a second sweep finds nothing to remove");
    }

    @Test
    void sweep_readsOnlyExpiringSlots_notTheTable(TestTable table) {
        Fixture f = new Fixture(table);
        for (int i = 0; i < 60; i++) {
            f.create(String.format("IDLE%03d", i));
            f.rotate(String.format("IDLE%03d", i), hours(72));
        }
        for (int i = 0; i < 4; i++) {
            f.create("GONE0" + i);
            f.rotate("GONE0" + i, hours(1));
        }
        f.clock.advance(hours(2));
        table.requests().reset();

        SweepResult r = f.core.sweeper().sweep();

        assertEquals(4, r.expired());
        assertEquals(0, r.expiringSoon());
        // Index reads return the 4 expired slots only; each is then confirmed by one client read.
        assertEquals(0, table.requests().count("Scan"));
        assertTrue(table.requests().itemsRead() <= 2 * r.expired(),
                "items read " + table.requests().itemsRead() + " for " + r.expired() + " expired slots in a table of 128 tokens");
    }

    @Test
    void sweep_removesAnOrphanedExpiredTokenItem(TestTable table) {
        Fixture f = new Fixture(table);
        f.create("GRACE01");
        f.rotate("GRACE01", hours(1));
        // Simulate a client item lost by a fault: only the expired previous token item remains.
        table.client().deleteItem(r -> r.tableName(table.name()).key(
                dev.gracekeys.store.dynamodb.TableSchema.clientKey("GRACE01")));
        f.clock.advance(hours(2));

        assertEquals(1, f.core.sweeper().sweep().expired());
        assertTrue(table.snapshot().stream().noneMatch(i -> "previous".equals(
                i.containsKey("slot") ? i.get("slot").s() : null)));
    }

    @Test
    void expiredPrevious_isDeniedBeforeAnySweep(TestTable table) {
        Fixture f = new Fixture(table);
        String old = f.create("GRACE01");
        f.rotate("GRACE01", Duration.ofSeconds(30));
        f.clock.advance(Duration.ofSeconds(31));
        assertFalse(f.allowed(old));
        assertEquals(1, f.core.sweeper().sweep().expired());
        assertFalse(f.allowed(old));
    }

    /**
     * A backlog of expired tokens bigger than the time allows: the sweep sends the expiring-soon
     * warnings first, stops before its deadline with the table consistent and says it is not
     * complete; the next run removes the rest. The clock moves one second per DynamoDB write, so
     * the deadline is reached after a known amount of work.
     */
    @Test
    void sweep_withABacklogTooBigForItsDeadline_warnsFirst_stopsInTime_andTheNextRunFinishes(TestTable table) {
        Fixture f = new Fixture(table);
        int backlog = 25;
        for (int i = 0; i < backlog; i++) {
            f.create(String.format("GONE%03d", i));
            f.rotate(String.format("GONE%03d", i), hours(1));
        }
        for (int i = 0; i < 3; i++) {
            f.create("SOON0" + i);
            f.rotate("SOON0" + i, hours(20));
        }
        f.clock.advance(hours(2));
        f.events.clear();
        // Paced by the table's writes: one second per write, so the deadline falls mid-backlog.
        MutableClock clock = MutableClock.pacedBy(f.clock.instant(), table.requests()::writes, Duration.ofSeconds(1));
        ExpirySweeper sweeper = new ExpirySweeper(f.core.store(), f.events, clock);
        Instant deadline = clock.instant().plusSeconds(10); // 10 writes: far fewer than the backlog needs

        SweepResult first = sweeper.sweep(Duration.ofSeconds(10));

        assertFalse(first.complete(), "it stopped with work left");
        assertFalse(clock.instant().isAfter(deadline), "it ended by its deadline: " + clock.instant() + " > " + deadline);
        assertEquals(3, first.expiringSoon());
        assertEquals(3, f.events.ofType(DomainEvent.PREVIOUS_TOKEN_EXPIRING_SOON).size(),
                "every warning went out although the backlog did not fit");
        assertTrue(first.expired() > 0 && first.expired() < backlog, "removed " + first.expired());
        assertEquals(first.expired(), f.events.ofType(DomainEvent.PREVIOUS_TOKEN_EXPIRED).size());
        assertEquals(List.of(), f.violations(), "a stopped sweep leaves the table consistent");

        SweepResult second = sweeper.sweep(Duration.ofMinutes(5));

        assertTrue(second.complete());
        assertEquals(backlog, first.expired() + second.expired(), "the second run removed exactly the rest");
        var expired = f.events.ofType(DomainEvent.PREVIOUS_TOKEN_EXPIRED);
        assertEquals(backlog, expired.size());
        assertEquals(backlog, new HashSet<>(expired.stream().map(e -> e.detail().get("tokenId")).toList()).size(),
                "each expired token announced once");
        assertEquals(3, f.events.ofType(DomainEvent.PREVIOUS_TOKEN_EXPIRING_SOON).size(), "no warning twice");
        for (int i = 0; i < backlog; i++) {
            assertNull(f.core.tokens().describe(String.format("GONE%03d", i)).previous());
        }
        assertEquals(List.of(), f.violations());
    }

    @Test
    void sweep_withItsDeadlineSpent_doesNothing_andSaysItIsNotComplete(TestTable table) {
        Fixture f = new Fixture(table);
        f.create("GONE01");
        f.rotate("GONE01", hours(1));
        f.create("SOON01");
        f.rotate("SOON01", hours(20));
        f.clock.advance(hours(2));
        f.events.clear();
        var before = table.snapshot();

        SweepResult r = f.core.sweeper().sweep(Duration.ZERO);

        assertFalse(r.complete());
        assertEquals(0, r.expired());
        assertEquals(0, r.expiringSoon());
        assertEquals(List.of(), f.events.events());
        assertEquals(before, table.snapshot(), "nothing was written");

        SweepResult next = f.core.sweeper().sweep(Duration.ofMinutes(5));
        assertTrue(next.complete());
        assertEquals(1, next.expired());
        assertEquals(1, next.expiringSoon());
        assertEquals(List.of(), f.violations());
    }
}
