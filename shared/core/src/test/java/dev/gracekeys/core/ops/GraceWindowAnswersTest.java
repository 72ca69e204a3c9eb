package dev.gracekeys.core.ops;

import dev.gracekeys.core.PreviousTokenInUseException;
import dev.gracekeys.core.ValidationException;
import dev.gracekeys.core.events.DomainEvent;
import dev.gracekeys.core.model.Times;
import dev.gracekeys.core.ops.Requests.DescribeRequest;
import dev.gracekeys.core.ops.Requests.RevokeRequest;
import dev.gracekeys.core.ops.Results.ClientList;
import dev.gracekeys.core.ops.Results.ClientView;
import dev.gracekeys.core.ops.Results.RevokeResult;
import dev.gracekeys.core.ops.Results.RotateResult;
import dev.gracekeys.core.ops.Results.SweepResult;
import dev.gracekeys.core.testing.Fixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * "Operators can see the grace window", over the in-memory store and a test clock: describe's list
 * filters (inGrace, expiringWithinSeconds, usedWithinSeconds, their combination, paging, bad values),
 * revoke-old's {@code ifUnusedForSeconds} guard (refused while in use, boundaries, last-use
 * granularity, resends), and the sweep's configurable expiring-soon lead time.
 * LAST_USE_INTERVAL_SECONDS is the default 300 throughout, and AUTHORIZER_CACHE_TTL_SECONDS the
 * default 60 unless a test says otherwise: a recorded last use counts for {@link #LAG}, their sum.
 */
class GraceWindowAnswersTest {

    private static final long INTERVAL = 300;
    /** AUTHORIZER_CACHE_TTL_SECONDS, the default: pushes API Gateway answers from its cache are never recorded. */
    private static final long CACHE_TTL = 60;
    /** How long after a recorded last use the token may still have been used, unrecorded. */
    private static final long LAG = INTERVAL + CACHE_TTL;

    private final Fixture f = Fixture.inMemory();
    private final TokenService ops = f.core.tokens();

    // ---- describe: filters -----------------------------------------------------------------------

    @Test
    void inGrace_listsTheClientsWithALivePreviousToken_andFalseTheOthers() {
        f.create("C1");
        f.rotate("C1", hours(1));
        f.create("C2"); // never rotated
        f.create("C3");
        f.rotate("C3", hours(1));
        ops.revokeOld(new RevokeRequest("C3", 0L)); // revoked
        f.create("C4");
        f.rotate("C4", Duration.ofSeconds(30));
        f.clock.advance(Duration.ofSeconds(30)); // expired at this very second, not swept yet

        assertEquals(List.of("C1"), ids(list(true, null, null)));
        assertEquals(List.of("C2", "C3", "C4"), ids(list(false, null, null)));
        assertEquals(List.of("C1", "C2", "C3", "C4"), ids(list(null, null, null)), "no filter: everyone");
    }

    @Test
    void expiringWithinSeconds_includesAnExpiryExactlyThatFarAhead_andNotOneSecondLater() {
        f.create("C1");
        f.rotate("C1", hours(1));
        f.create("C2");
        f.rotate("C2", hours(2));
        f.create("C3"); // no previous token: never expiring

        assertEquals(List.of("C1"), ids(list(null, 3600L, null)), "expiresAt == now + 3600 is within 3600");
        assertEquals(List.of(), ids(list(null, 3599L, null)));
        assertEquals(List.of("C1", "C2"), ids(list(null, 7200L, null)));
        assertEquals(List.of(), ids(list(null, 0L, null)), "a live token never expires within 0 s");
    }

    @Test
    void expiringWithinSeconds_looksAtEveryLivePreviousToken_andShowsThemAllNewestFirst() {
        Fixture two = Fixture.inMemory(Fixture.defaults(Fixture.IN_MEMORY_TABLE).withMaxPreviousTokens(2));
        two.create("C1");
        RotateResult older = two.rotateResult("C1", hours(1)); // its previous expires in 1 h
        RotateResult newer = two.rotateResult("C1", hours(10)); // this previous expires in 10 h

        ClientList l = page(two.core.tokens(), new DescribeRequest(null, null, null, null, 3600L, null));
        assertEquals(List.of("C1"), ids(l), "the older previous token expires within the hour");
        ClientView v = l.clients().get(0);
        assertEquals(List.of(newer.previous().tokenId(), older.previous().tokenId()),
                v.previousTokens().stream().map(Results.PreviousTokenView::tokenId).toList(), "newest first");
        assertEquals(newer.previous().tokenId(), v.previous().tokenId(), "previous is the newest");
        assertEquals(older.previous().expiresAt(), v.previousTokens().get(1).expiresAt());
    }

    @Test
    void usedWithinSeconds_countsThePreviousTokensRecordedUse_widenedByTheIntervalAndTheCacheTtl() {
        String old1 = f.create("C1");
        f.rotate("C1", hours(24));
        f.create("C2");
        f.rotate("C2", hours(24)); // its previous token is never used
        f.create("C3");
        String current3 = f.rotate("C3", hours(24));
        Instant t0 = f.clock.instant();
        assertTrue(f.allowed(old1)); // C1's previous token recorded as used at t0
        assertTrue(f.allowed(current3)); // only C3's current token is used: not "at risk"

        assertEquals(List.of("C1"), ids(list(null, null, 600L)));
        // Last use is written at most once per interval, and not at all for pushes API Gateway answers
        // from its cache, so a token recorded at t0 may have been used until t0 + 300 s + 60 s: it
        // counts as used within 600 s until t0 + 960 s.
        f.clock.set(t0.plusSeconds(600 + LAG - 1));
        assertEquals(List.of("C1"), ids(list(null, null, 600L)));
        f.clock.set(t0.plusSeconds(600 + LAG));
        assertEquals(List.of(), ids(list(null, null, 600L)));
        ClientView c1 = ops.describe("C1");
        assertEquals(t0, c1.previous().lastUsedAt(), "the view shows the recorded last use");
    }

    @Test
    void filtersCombine_onOneAndTheSamePreviousToken() {
        String used = f.create("AT_RISK");
        f.rotate("AT_RISK", hours(2)); // in grace, expiring within a day, still used
        f.create("UNUSED");
        f.rotate("UNUSED", hours(2)); // in grace, expiring within a day, not used
        String late = f.create("LATER");
        f.rotate("LATER", hours(48)); // in grace, used, but not expiring within a day
        f.create("NONE"); // not in grace
        assertTrue(f.allowed(used));
        assertTrue(f.allowed(late));

        assertEquals(List.of("AT_RISK"), ids(list(true, 86_400L, 3600L)));
        assertEquals(List.of("AT_RISK", "UNUSED"), ids(list(true, 86_400L, null)));
        assertEquals(List.of("AT_RISK", "LATER"), ids(list(true, null, 3600L)));

        // Two previous tokens: the one expiring soon is unused, the used one expires later. Each
        // filter alone matches the client; both together do not, since no one token is at risk.
        Fixture two = Fixture.inMemory(Fixture.defaults(Fixture.IN_MEMORY_TABLE).withMaxPreviousTokens(2));
        two.create("C1");
        String token1 = two.rotate("C1", hours(1)); // the first token: previous, expires in 1 h, unused
        two.rotate("C1", hours(10)); // token1: previous too, expires in 10 h
        TokenService ops2 = two.core.tokens();
        assertEquals(2, ops2.describe("C1").previousTokens().size());
        assertTrue(two.allowed(token1)); // the newest previous token (expires in 10 h) is used
        assertEquals(1, page(ops2, new DescribeRequest(null, null, null, null, 3600L, null)).clients().size());
        assertEquals(1, page(ops2, new DescribeRequest(null, null, null, null, null, 3600L)).clients().size());
        assertEquals(1, page(ops2, new DescribeRequest(null, null, null, null, 36_000L, 3600L)).clients().size());
        assertEquals(0, page(ops2, new DescribeRequest(null, null, null, null, 3600L, 3600L)).clients().size(),
                "the token expiring within the hour is not the one in use");
    }

    @Test
    void aFilteredPage_mayHoldFewerThanLimit_andNextCursorContinuesToTheEnd() {
        for (int i = 1; i <= 7; i++) {
            f.create("C" + i);
            if (i == 2 || i == 7) {
                f.rotate("C" + i, hours(1));
            }
        }
        List<String> found = new ArrayList<>();
        List<Integer> sizes = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            ClientList page = page(ops, new DescribeRequest(null, 2, cursor, true, null, null));
            page.clients().forEach(c -> found.add(c.clientId()));
            sizes.add(page.clients().size());
            cursor = page.nextCursor();
            assertTrue(++pages <= 5, "the cursor ends");
        } while (cursor != null);
        assertEquals(List.of("C2", "C7"), found);
        assertTrue(sizes.contains(0), "a page with nothing matching still carries a nextCursor: " + sizes);
    }

    @Test
    void badFilters_areNamedValidationErrors_andChangeNothing() {
        f.create("C1");
        f.rotate("C1", hours(1));
        Object before = f.snapshot();
        assertBad(new DescribeRequest(null, null, null, null, -1L, null), "expiringWithinSeconds");
        assertBad(new DescribeRequest(null, null, null, null, null, -5L), "usedWithinSeconds");
        assertBad(new DescribeRequest(null, null, null, null, Validation.MAX_WINDOW_SECONDS + 1, null),
                "expiringWithinSeconds");
        assertBad(new DescribeRequest(null, null, null, false, null, 60L), "inGrace");
        assertBad(new DescribeRequest("C1", null, null, true, null, null), "clientId");
        assertBad(new DescribeRequest("C1", null, null, null, 60L, null), "clientId");
        assertBad(new DescribeRequest("C1", null, null, null, null, 60L), "clientId");
        assertEquals(before, f.snapshot());
    }

    private void assertBad(DescribeRequest request, String field) {
        ValidationException e = assertThrows(ValidationException.class, () -> ops.describe(request));
        assertTrue(e.getMessage().contains(field), e.getMessage());
    }

    // ---- revoke-old: ifUnusedForSeconds ----------------------------------------------------------

    @Test
    void guard_refusesWhileThePreviousTokenWasUsed_sayingWhenAndHowToProceed_andChangesNothing() {
        String old = f.create("C1");
        RotateResult r = f.rotateResult("C1", hours(1));
        Instant t0 = f.clock.instant();
        assertTrue(f.allowed(old));
        f.clock.advance(Duration.ofSeconds(60));
        f.events.clear();
        Object before = f.snapshot();

        PreviousTokenInUseException e = assertThrows(PreviousTokenInUseException.class,
                () -> ops.revokeOld(new RevokeRequest("C1", null, 3600L, null)));
        String m = e.getMessage();
        assertTrue(m.contains(r.previous().tokenId()), m);
        assertTrue(m.contains("last used at " + Times.format(t0)), m);
        assertTrue(m.contains("60 s ago"), m);
        assertTrue(m.contains("ifUnusedForSeconds=3600"), m);
        assertTrue(m.contains("Wait until " + Times.format(t0.plusSeconds(3600 + LAG))), m);
        assertTrue(m.contains("once every 300 s, LAST_USE_INTERVAL_SECONDS"), "names the interval: " + m);
        assertTrue(m.contains("authorizer cache are not recorded at all, for up to 60 s, AUTHORIZER_CACHE_TTL_SECONDS"),
                "names the cache TTL: " + m);
        assertTrue(m.contains("may have been used until " + Times.format(t0.plusSeconds(LAG)) + ", 360 s later"), m);
        assertTrue(m.contains("drop ifUnusedForSeconds"), m);
        assertEquals(before, f.snapshot(), "nothing changed");
        assertEquals(List.of(), f.events.events(), "no event");
        assertTrue(f.allowed(old), "the previous token still works");
    }

    @Test
    void guard_revokesAPreviousTokenNeverUsed() {
        f.create("C1");
        f.rotate("C1", hours(1));
        RevokeResult r = ops.revokeOld(new RevokeRequest("C1", null, 3600L, null));
        assertTrue(r.revoked());
        assertEquals(1, f.events.ofType(DomainEvent.PREVIOUS_TOKEN_REVOKED).size());
    }

    @Test
    void guard_ignoresTheCurrentTokensUse() {
        f.create("C1");
        String current = f.rotate("C1", hours(1));
        assertTrue(f.allowed(current));
        assertTrue(ops.revokeOld(new RevokeRequest("C1", null, 3600L, null)).revoked());
    }

    @Test
    void guard_boundary_isTheWindowPlusTheLastUseIntervalPlusTheCacheTtl() {
        String old = f.create("C1");
        f.rotate("C1", hours(2));
        Instant t0 = f.clock.instant();
        assertTrue(f.allowed(old));

        f.clock.set(t0.plusSeconds(600 + LAG - 1));
        assertThrows(PreviousTokenInUseException.class, () -> ops.revokeOld(new RevokeRequest("C1", null, 600L, null)));
        f.clock.set(t0.plusSeconds(600 + LAG));
        assertTrue(ops.revokeOld(new RevokeRequest("C1", null, 600L, null)).revoked(),
                "unused for 600 s for sure: the last unrecorded verify was before t0 + 300 s, and its cached allow"
                        + " ran out before t0 + 360 s");
    }

    @Test
    void guard_coversAUseTheVerifierDidNotRecord_withinTheLastUseInterval() {
        String old = f.create("C1");
        f.rotate("C1", hours(2));
        Instant t0 = f.clock.instant();
        assertTrue(f.allowed(old)); // recorded: t0
        f.clock.set(t0.plusSeconds(200));
        assertTrue(f.allowed(old)); // a real use, not recorded (within the interval)
        assertEquals(t0, ops.describe("C1").previous().lastUsedAt());

        // 700 s after the recorded use, but only 500 s after the real one: still in use within 600 s.
        f.clock.set(t0.plusSeconds(700));
        assertThrows(PreviousTokenInUseException.class, () -> ops.revokeOld(new RevokeRequest("C1", null, 600L, null)));
        assertEquals(List.of("C1"), ids(list(null, null, 600L)), "describe agrees");
    }

    @Test
    void guard_appliesToAReschedule_too() {
        String old = f.create("C1");
        RotateResult r = f.rotateResult("C1", hours(2));
        assertTrue(f.allowed(old));
        Object before = f.snapshot();
        assertThrows(PreviousTokenInUseException.class,
                () -> ops.revokeOld(new RevokeRequest("C1", 60L, 3600L, null)));
        assertEquals(before, f.snapshot());

        f.clock.advance(Duration.ofSeconds(3600 + LAG));
        RevokeResult moved = ops.revokeOld(new RevokeRequest("C1", 60L, 3600L, null));
        assertFalse(moved.revoked());
        assertEquals(f.clock.instant().plusSeconds(60), moved.previous().expiresAt());
        assertEquals(r.previous().tokenId(), moved.previous().tokenId());
    }

    @Test
    void aRefusedCall_isNotRecordedForItsRequestId_soItsResendIsCheckedAfresh() {
        String old = f.create("C1");
        f.rotate("C1", hours(2));
        assertTrue(f.allowed(old));
        RevokeRequest guarded = new RevokeRequest("C1", null, 600L, "req-1");
        assertThrows(PreviousTokenInUseException.class, () -> ops.revokeOld(guarded));
        assertThrows(PreviousTokenInUseException.class, () -> ops.revokeOld(guarded), "a resend is refused again,"
                + " not answered as done");

        f.clock.advance(Duration.ofSeconds(600 + LAG)); // within the 15 min of a resend
        RevokeResult done = ops.revokeOld(guarded);
        assertTrue(done.revoked());
        assertFalse(done.message().startsWith("Already done"), done.message());
        RevokeResult resent = ops.revokeOld(guarded);
        assertTrue(resent.message().startsWith("Already done"), "now it is recorded: " + resent.message());

        // The same requestId without the guard is another request.
        assertThrows(ValidationException.class, () -> ops.revokeOld(new RevokeRequest("C1", null, null, "req-1")));
    }

    @Test
    void guard_badValue_isANamedValidationError_andChangesNothing() {
        String old = f.create("C1");
        f.rotate("C1", hours(2));
        assertTrue(f.allowed(old));
        Object before = f.snapshot();
        ValidationException e = assertThrows(ValidationException.class,
                () -> ops.revokeOld(new RevokeRequest("C1", null, -1L, null)));
        assertTrue(e.getMessage().contains("ifUnusedForSeconds"), e.getMessage());
        assertEquals(before, f.snapshot());
    }

    @Test
    void describeUsedWithin_listsExactlyTheClientsTheGuardRefuses() {
        Instant t0 = f.clock.instant();
        for (int i = 0; i < 8; i++) {
            String old = f.create("C" + i);
            f.rotate("C" + i, hours(3));
            if (i % 4 != 0) {
                f.clock.set(t0.plusSeconds(i * 250L));
                assertTrue(f.allowed(old));
                f.clock.set(t0);
            }
        }
        f.clock.set(t0.plusSeconds(2000));
        List<String> listed = ids(list(null, null, 900L));
        List<String> refused = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            Object before = f.snapshot();
            try {
                // graceSeconds keeps the token, so each client can be tried without changing the next
                ops.revokeOld(new RevokeRequest("C" + i, 10_800L, 900L, null));
            } catch (PreviousTokenInUseException e) {
                refused.add("C" + i);
                assertEquals(before, f.snapshot());
            }
        }
        assertEquals(refused, listed);
        assertFalse(listed.isEmpty());
        assertTrue(listed.size() < 6, "some used clients are old enough to pass: " + listed);
    }

    // ---- last use and API Gateway's authorizer cache ----------------------------------------------

    /**
     * The case the cache TTL is added for: the verifier records a use at t0, verifies the token
     * again (unrecorded) at t0 + 299 s, and API Gateway serves that allow from its cache for 60 s
     * more without calling the authorizer: the token is really in use until t0 + 359 s while
     * {@code lastUsedAt} stays t0. Counting only the interval would call it unused for 600 s at
     * t0 + 900 s, 541 s after a real push.
     */
    @Test
    void aPushAnsweredFromTheAuthorizerCache_afterAnUnrecordedVerify_isNeverCalledUnused() {
        String old = f.create("C1");
        f.rotate("C1", hours(3));
        Instant t0 = f.clock.instant();
        assertTrue(f.allowed(old)); // recorded: t0
        f.clock.set(t0.plusSeconds(INTERVAL - 1));
        assertTrue(f.allowed(old)); // the authorizer runs (not recorded), and API Gateway caches this allow
        assertEquals(t0, ops.describe("C1").previous().lastUsedAt(), "the verify within the interval is not recorded");
        Instant lastRealPush = t0.plusSeconds(INTERVAL - 1 + CACHE_TTL); // the last push the cached allow answers

        for (long seconds : new long[] {INTERVAL + 1, INTERVAL + 600, 600 + CACHE_TTL + INTERVAL - 2}) {
            f.clock.set(t0.plusSeconds(seconds)); // less than 600 s after the last real push
            assertTrue(Duration.between(lastRealPush, f.clock.instant()).toSeconds() < 600);
            assertThrows(PreviousTokenInUseException.class, () -> ops.revokeOld(new RevokeRequest("C1", null, 600L, null)),
                    "used " + Duration.between(lastRealPush, f.clock.instant()).toSeconds() + " s ago, within 600 s");
            assertEquals(List.of("C1"), ids(list(null, null, 600L)), "describe agrees");
        }
        f.clock.set(t0.plusSeconds(600 + LAG));
        assertEquals(List.of(), ids(list(null, null, 600L)));
        assertTrue(ops.revokeOld(new RevokeRequest("C1", null, 600L, null)).revoked(), "600 s after any possible push");
    }

    /**
     * The boundary, at each cache TTL (0: API Gateway does not cache; 3600: its largest): a token
     * last recorded interval + TTL - 1 s ago may still be in use (usedWithinSeconds 0 lists it, and
     * 600 s more), at interval + TTL it no longer is, nor one second later.
     */
    @ParameterizedTest(name = "AUTHORIZER_CACHE_TTL_SECONDS={0}")
    @ValueSource(longs = {0, 1, 60, 3600})
    void aRecordedUse_countsForTheIntervalPlusTheCacheTtl_inDescribeAndTheGuardAlike(long ttl) {
        Fixture g = Fixture.inMemory(Fixture.defaults(Fixture.IN_MEMORY_TABLE).withAuthorizerCacheTtl(Duration.ofSeconds(ttl)));
        TokenService gOps = g.core.tokens();
        String old = g.create("C1");
        g.rotate("C1", hours(3));
        Instant t0 = g.clock.instant();
        assertTrue(g.allowed(old));
        long lag = INTERVAL + ttl;

        for (long window : new long[] {0, 600}) {
            g.clock.set(t0.plusSeconds(lag - 1 + window));
            assertEquals(List.of("C1"), ids(page(gOps, usedWithin(window))), "recorded " + (lag - 1 + window)
                    + " s ago: may have been used within " + window + " s");
            assertRefused(g, window, true);
            for (long past : new long[] {0, 1}) {
                g.clock.set(t0.plusSeconds(lag + past + window));
                assertEquals(List.of(), ids(page(gOps, usedWithin(window))), "recorded " + (lag + past + window)
                        + " s ago: unused for " + window + " s");
                assertRefused(g, window, false);
            }
        }
        assertTrue(gOps.revokeOld(new RevokeRequest("C1", null, 600L, null)).revoked(), "at t0 + lag + 601 s");
    }

    /** Whether revoke-old with this ifUnusedForSeconds refuses; graceSeconds keeps the token, so nothing is revoked. */
    private static void assertRefused(Fixture g, long window, boolean refused) {
        Object before = g.snapshot();
        RevokeRequest probe = new RevokeRequest("C1", 10_000L, window, null);
        if (refused) {
            PreviousTokenInUseException e = assertThrows(PreviousTokenInUseException.class,
                    () -> g.core.tokens().revokeOld(probe), "ifUnusedForSeconds=" + window);
            assertTrue(e.getMessage().contains("for up to " + g.config.authorizerCacheTtl().toSeconds()
                    + " s, AUTHORIZER_CACHE_TTL_SECONDS"), e.getMessage());
            assertEquals(before, g.snapshot());
        } else {
            assertFalse(g.core.tokens().revokeOld(probe).revoked(), "rescheduled, ifUnusedForSeconds=" + window);
        }
    }

    /**
     * describe's usedWithinSeconds and the guard draw the line at the same second, whatever the
     * cache TTL: clients used at offsets around the line (and inside the cache TTL's share of it,
     * where a rule that forgot the TTL would differ) are listed exactly when refused, and those
     * are exactly the ones used less than interval + TTL + 900 s ago.
     */
    @ParameterizedTest(name = "AUTHORIZER_CACHE_TTL_SECONDS={0}")
    @ValueSource(longs = {0, 60, 3600})
    void describeUsedWithin_listsExactlyTheClientsTheGuardRefuses_atEveryCacheTtl(long ttl) {
        Fixture g = Fixture.inMemory(Fixture.defaults(Fixture.IN_MEMORY_TABLE).withAuthorizerCacheTtl(Duration.ofSeconds(ttl)));
        TokenService gOps = g.core.tokens();
        long[] usedAt = {500, 999, 1000, 1001, 1030, 1059, 1060, 1061, 2000}; // seconds after t0
        Instant t0 = g.clock.instant();
        List<String> old = new ArrayList<>();
        for (int i = 0; i <= usedAt.length; i++) { // the last client never uses its previous token
            old.add(g.create("C" + i));
            g.rotate("C" + i, hours(3));
        }
        for (int i = 0; i < usedAt.length; i++) {
            g.clock.set(t0.plusSeconds(usedAt[i]));
            assertTrue(g.allowed(old.get(i)));
        }
        long window = 900;
        g.clock.set(t0.plusSeconds(INTERVAL + ttl + window + 1000)); // the line: recorded after t0 + 1000 s
        List<String> listed = ids(page(gOps, usedWithin(window)));
        List<String> refused = new ArrayList<>();
        for (int i = 0; i <= usedAt.length; i++) {
            Object before = g.snapshot();
            try {
                gOps.revokeOld(new RevokeRequest("C" + i, 10_800L, window, null));
            } catch (PreviousTokenInUseException e) {
                refused.add("C" + i);
                assertEquals(before, g.snapshot());
            }
        }
        assertEquals(List.of("C3", "C4", "C5", "C6", "C7", "C8"), listed, "recorded after t0 + 1000 s");
        assertEquals(listed, refused);
    }

    private static DescribeRequest usedWithin(long seconds) {
        return new DescribeRequest(null, null, null, null, null, seconds);
    }

    // ---- expire-sweep: the lead time -------------------------------------------------------------

    @Test
    void theLeadTime_decidesWhatIsAnnounced_boundaryIncluded() {
        f.create("IN");
        RotateResult in = f.rotateResult("IN", hours(2)); // expires exactly at the lead
        f.create("OUT");
        f.rotate("OUT", hours(2).plusSeconds(1));
        f.events.clear();

        ExpirySweeper sweeper = f.core.sweeper().withLead(hours(2));
        assertEquals(hours(2), sweeper.lead());
        SweepResult run = sweeper.sweep();
        assertEquals(1, run.expiringSoon(), "the index query counts by the lead");
        List<DomainEvent> notices = f.events.ofType(DomainEvent.PREVIOUS_TOKEN_EXPIRING_SOON);
        assertEquals(1, notices.size(), "and the claim announces by the same lead");
        assertEquals(in.previous().tokenId(), notices.get(0).detail().get("tokenId"));

        assertEquals(2, f.core.sweeper().sweep().expiringSoon(), "the default, 24 h, takes both");
        assertEquals(ExpirySweeper.DEFAULT_LEAD, f.core.sweeper().lead());
    }

    @Test
    void theExpiringSoonNotice_carriesTheLastUse_atAnyLead() {
        String old = f.create("C1");
        f.rotate("C1", Duration.ofMinutes(30));
        assertTrue(f.allowed(old));
        f.events.clear();
        f.core.sweeper().withLead(Duration.ofHours(1)).sweep();
        DomainEvent notice = f.events.ofType(DomainEvent.PREVIOUS_TOKEN_EXPIRING_SOON).get(0);
        assertNotNull(notice.detail().get("lastUsedAt"));
        assertEquals(Times.format(f.clock.instant()), notice.detail().get("lastUsedAt"));
    }

    @Test
    void aLeadTimeOutOfRange_isRefusedNamingTheSetting() {
        for (Duration bad : new Duration[] {Duration.ZERO, Duration.ofSeconds(-1), ExpirySweeper.MAX_LEAD.plusSeconds(1), null}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> f.core.sweeper().withLead(bad));
            assertTrue(e.getMessage().contains("EXPIRING_SOON_LEAD_SECONDS"), e.getMessage());
        }
        assertEquals(ExpirySweeper.MAX_LEAD, f.core.sweeper().withLead(ExpirySweeper.MAX_LEAD).lead());
        assertEquals(Duration.ofSeconds(1), f.core.sweeper().withLead(Duration.ofSeconds(1)).lead());
    }

    // ---- helpers ---------------------------------------------------------------------------------

    private ClientList list(Boolean inGrace, Long expiringWithin, Long usedWithin) {
        ClientList l = page(ops, new DescribeRequest(null, null, null, inGrace, expiringWithin, usedWithin));
        assertNull(l.nextCursor(), "one page holds the test's clients");
        return l;
    }

    private static ClientList page(TokenService service, DescribeRequest request) {
        return (ClientList) service.describe(request);
    }

    private static List<String> ids(ClientList l) {
        return l.clients().stream().map(ClientView::clientId).toList();
    }

    private static Duration hours(long h) {
        return Duration.ofHours(h);
    }
}
