package dev.gracekeys.core;

import dev.gracekeys.core.events.DomainEvent;
import dev.gracekeys.core.ops.Results.SweepResult;
import dev.gracekeys.core.testing.DynamoDbLocalExtension;
import dev.gracekeys.core.testing.Fixture;
import dev.gracekeys.core.testing.TestTable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.List;

import static dev.gracekeys.core.testing.Fixture.hours;
import static org.junit.jupiter.api.Assertions.*;

/** The sweep removes expired previous slots and reports those expiring soon, reading only those. */
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
                dev.gracekeys.core.store.dynamodb.TableSchema.clientKey("GRACE01")));
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
}
