package dev.gracekeys.core;

import dev.gracekeys.core.events.DomainEvent;
import dev.gracekeys.core.model.Times;
import dev.gracekeys.core.ops.Requests.DescribeRequest;
import dev.gracekeys.core.ops.Requests.RevokeRequest;
import dev.gracekeys.core.ops.Results.ClientList;
import dev.gracekeys.core.ops.Results.ClientView;
import dev.gracekeys.core.testing.Fixture;
import dev.gracekeys.store.dynamodb.testing.DynamoDbLocalExtension;
import dev.gracekeys.store.dynamodb.testing.TestTable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The grace-window answers over DynamoDB Local, where the store's own semantics count: last use as
 * the verifier's conditional write records it, the client list read page by page from its index,
 * the tokens' last use read in one batch, the replay record, and the expiry index the sweep reads
 * with its lead time.
 */
@ExtendWith(DynamoDbLocalExtension.class)
class GraceWindowAnswersIT {

    @Test
    void filteredList_overTheTable_pagesToTheEnd_andShowsTheRecordedLastUse(TestTable table) {
        Fixture f = new Fixture(table);
        List<String> used = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            String old = f.create("C" + i);
            f.rotate("C" + i, Fixture.hours(i % 2 == 0 ? 2 : 48));
            if (i % 3 != 0) {
                assertTrue(f.allowed(old));
                used.add("C" + i);
            }
        }
        Instant t0 = f.clock.instant();
        f.clock.advance(Duration.ofMinutes(10));

        List<ClientView> found = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            ClientList page = (ClientList) f.core.tokens().describe(
                    new DescribeRequest(null, 2, cursor, true, 86_400L, 3600L));
            assertTrue(page.clients().size() <= 2);
            found.addAll(page.clients());
            cursor = page.nextCursor();
            assertTrue(++pages < 10, "the cursor ends");
        } while (cursor != null);
        // expiring within a day: the even ones; used: those not divisible by 3
        assertEquals(List.of("C2", "C4"), found.stream().map(ClientView::clientId).toList());
        found.forEach(v -> assertEquals(t0, v.previous().lastUsedAt()));
        assertTrue(used.containsAll(List.of("C2", "C4")));
    }

    @Test
    void guard_readsTheLastUseTheVerifierWrote_refusesWithoutAWrite_thenRevokes(TestTable table) {
        Fixture f = new Fixture(table);
        String old = f.create("GRACE01");
        var rotated = f.rotateResult("GRACE01", Fixture.hours(24));
        Instant t0 = f.clock.instant();
        assertTrue(f.allowed(old));
        f.clock.advance(Duration.ofSeconds(120));
        f.events.clear();
        Object before = f.snapshot();

        RevokeRequest guarded = new RevokeRequest("GRACE01", null, 1800L, "rotday-1");
        PreviousTokenInUseException e = assertThrows(PreviousTokenInUseException.class,
                () -> f.core.tokens().revokeOld(guarded));
        assertTrue(e.getMessage().contains(rotated.previous().tokenId() + " of client GRACE01 was last used at "
                + Times.format(t0) + " (120 s ago"), e.getMessage());
        assertEquals(before, f.snapshot(), "no write, no replay record");
        assertEquals(List.of(), f.events.events());
        assertEquals(List.of(), f.violations());

        f.clock.set(t0.plusSeconds(1800 + 300 + 60 - 1)); // LAST_USE_INTERVAL_SECONDS + AUTHORIZER_CACHE_TTL_SECONDS
        assertThrows(PreviousTokenInUseException.class, () -> f.core.tokens().revokeOld(guarded));
        f.clock.set(t0.plusSeconds(1800 + 300 + 60));
        var done = f.core.tokens().revokeOld(guarded);
        assertTrue(done.revoked());
        assertFalse(done.message().startsWith("Already done"));
        assertFalse(f.allowed(old));
        assertEquals(1, f.events.ofType(DomainEvent.PREVIOUS_TOKEN_REVOKED).size());
        assertTrue(f.core.tokens().revokeOld(guarded).message().startsWith("Already done"),
                "recorded once it succeeded");
        assertEquals(List.of(), f.violations());
    }

    @Test
    void theSweepsLeadTime_overTheExpiryIndex(TestTable table) {
        Fixture f = new Fixture(table);
        String old = f.create("SOON01");
        f.rotate("SOON01", Fixture.hours(3));
        assertTrue(f.allowed(old));
        f.create("LATER01");
        f.rotate("LATER01", Fixture.hours(5));
        f.events.clear();

        var run = f.core.sweeper().withLead(Fixture.hours(3)).sweep();
        assertEquals(1, run.expiringSoon());
        List<DomainEvent> notices = f.events.ofType(DomainEvent.PREVIOUS_TOKEN_EXPIRING_SOON);
        assertEquals(1, notices.size());
        assertEquals("SOON01", notices.get(0).detail().get("clientId"));
        assertEquals(Times.format(f.clock.instant()), notices.get(0).detail().get("lastUsedAt"));
    }
}
