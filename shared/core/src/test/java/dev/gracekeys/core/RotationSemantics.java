package dev.gracekeys.core;

import dev.gracekeys.core.events.DomainEvent;
import dev.gracekeys.core.model.TokenSlot;
import dev.gracekeys.core.ops.Requests.RevokeRequest;
import dev.gracekeys.core.ops.Requests.RotateRequest;
import dev.gracekeys.core.ops.Requests.StatusRequest;
import dev.gracekeys.core.ops.Results.ClientView;
import dev.gracekeys.core.ops.Results.RevokeResult;
import dev.gracekeys.core.ops.Results.RotateResult;
import dev.gracekeys.core.testing.Fixture;
import dev.gracekeys.core.verify.Verdict;
import dev.gracekeys.core.verify.Verdict.DenyReason;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.UnaryOperator;

import static dev.gracekeys.core.testing.Fixture.hours;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The rules under "Semantics" in DESIGN.md, each with the real core and a test clock, over the store
 * a subclass gives: DynamoDB Local with the real SDK ({@link RotationSemanticsIT}) and the in-memory
 * store ({@link RotationRulesTest}, fast). Every scenario checks the stored state's invariants.
 */
abstract class RotationSemantics {

    /** A fixture over the store under test, with the tests' default settings changed by {@code settings}. */
    protected abstract Fixture fixture(UnaryOperator<GraceKeysConfig> settings);

    protected Fixture fixture() {
        return fixture(UnaryOperator.identity());
    }

    // Rule: a client has one current token and a previous slot.
    @Test
    void create_issuesCurrentToken_andLeavesPreviousEmpty() {
        Fixture f = fixture();
        RotateResult created = f.core.tokens().rotate(new RotateRequest("GRACE01", null, true, "Fleet 1"));

        assertNull(created.previous());
        Verdict v = f.verify(created.token());
        assertTrue(v.allowed());
        assertEquals("GRACE01", v.clientId());
        assertEquals(TokenSlot.CURRENT, v.slot());
        assertNull(v.previousExpiresAt());
        ClientView view = f.core.tokens().describe("GRACE01");
        assertEquals(created.tokenId(), view.current().tokenId());
        assertNull(view.previous());
        assertEquals("Fleet 1", view.name());
        assertTrue(view.active());
        assertEquals(List.of(), f.violations());
    }

    // Rule: rotation moves current into previous with expiresAt = now + grace, issues a new current.
    @Test
    void rotate_movesCurrentIntoPrevious_withExpiryNowPlusGrace_andBothVerify() {
        Fixture f = fixture();
        String first = f.create("GRACE01");
        f.clock.advance(Duration.ofMinutes(5));
        Instant rotatedAt = f.clock.instant();

        RotateResult rotated = f.rotateResult("GRACE01", hours(24));

        assertEquals(rotatedAt.plus(hours(24)), rotated.previous().expiresAt());
        Verdict old = f.verify(first);
        assertTrue(old.allowed());
        assertEquals(TokenSlot.PREVIOUS, old.slot());
        assertEquals(rotatedAt.plus(hours(24)), old.previousExpiresAt());
        Verdict fresh = f.verify(rotated.token());
        assertTrue(fresh.allowed());
        assertEquals(TokenSlot.CURRENT, fresh.slot());
        assertNotEquals(first, rotated.token());
        ClientView view = f.core.tokens().describe("GRACE01");
        assertEquals(rotated.tokenId(), view.current().tokenId());
        assertEquals(rotated.previous().tokenId(), view.previous().tokenId());
        assertEquals(List.of(), f.violations());
    }

    // Rule: rotation without graceSeconds uses the default window (24 h).
    @Test
    void rotate_withoutGrace_usesDefaultOf24Hours() {
        Fixture f = fixture();
        f.create("GRACE01");
        RotateResult rotated = f.core.tokens().rotate(new RotateRequest("GRACE01", null, null, null));
        assertEquals(f.clock.instant().plus(hours(24)), rotated.previous().expiresAt());
    }

    // Rule: at most MAX_PREVIOUS_TOKENS (default 1): a second rotation within grace drops the oldest.
    @Test
    void rotate_dropsOldestPrevious_whenSecondRotationWithinGrace() {
        Fixture f = fixture();
        String token1 = f.create("GRACE01");
        String token2 = f.rotate("GRACE01", hours(24));
        f.clock.advance(hours(1));
        String token3 = f.rotate("GRACE01", hours(24));

        assertEquals(DenyReason.UNKNOWN, f.verify(token1).reason(), "the oldest previous stops at once");
        assertEquals(TokenSlot.PREVIOUS, f.verify(token2).slot());
        assertEquals(TokenSlot.CURRENT, f.verify(token3).slot());
        assertEquals(1, f.events.ofType(DomainEvent.PREVIOUS_TOKEN_REVOKED).size());
        assertEquals(List.of(), f.violations());
    }

    // Rule: MAX_PREVIOUS_TOKENS is honoured when raised: with 2, two previous tokens verify.
    @Test
    void rotate_keepsTwoPrevious_whenMaxPreviousTokensIsTwo() {
        Fixture f = fixture(c -> c.withMaxPreviousTokens(2));
        String token1 = f.create("GRACE01");
        String token2 = f.rotate("GRACE01", hours(24));
        String token3 = f.rotate("GRACE01", hours(24));
        String token4 = f.rotate("GRACE01", hours(24));

        assertFalse(f.allowed(token1));
        assertTrue(f.allowed(token2));
        assertTrue(f.allowed(token3));
        assertTrue(f.allowed(token4));
        assertEquals(List.of(), f.violations());
    }

    // Rule: graceSeconds = 0 revokes the old token immediately.
    @Test
    void rotate_withGraceZero_rejectsOldTokenAtOnce() {
        Fixture f = fixture();
        String first = f.create("GRACE01");
        RotateResult rotated = f.rotateResult("GRACE01", Duration.ZERO);

        assertNull(rotated.previous());
        assertEquals(DenyReason.UNKNOWN, f.verify(first).reason());
        assertTrue(f.allowed(rotated.token()));
        assertNull(f.core.tokens().describe("GRACE01").previous());
        assertEquals(List.of(), f.violations());
    }

    // Rule: a token revoked by grace 0 takes no place in the slot: it never pushes a live one out.
    @Test
    void rotate_withGraceZero_afterGraceRotation_keepsTheLivePreviousToken() {
        Fixture f = fixture();
        String token1 = f.create("GRACE01");
        String token2 = f.rotate("GRACE01", hours(24));
        RotateResult third = f.rotateResult("GRACE01", Duration.ZERO);

        assertTrue(f.allowed(token1), "token1 is live in its grace window; the grace-0 token takes no slot");
        assertFalse(f.allowed(token2), "grace 0: revoked at once");
        assertTrue(f.allowed(third.token()));
        assertNull(third.previous(), "the demoted token got no grace");
        assertTrue(third.message().contains("keeps working until"), third.message());
        assertEquals(1, f.core.tokens().describe("GRACE01").previousTokens().size());
        assertEquals(List.of(), f.violations());
    }

    // Rule: only live previous tokens count against MAX_PREVIOUS_TOKENS: an expired one not yet
    // swept, or one revoked by grace 0, never pushes a live one out.
    @Test
    void rotate_countsOnlyLivePreviousTokens_againstTheCap() {
        Fixture f = fixture(c -> c.withMaxPreviousTokens(2));
        String t1 = f.create("GRACE01");
        String t2 = f.rotate("GRACE01", Duration.ofMinutes(10)); // t1: previous, expires in 10 min
        f.clock.advance(Duration.ofMinutes(5));
        String t3 = f.rotate("GRACE01", hours(24));              // t2: previous, 24 h; t1 still live
        f.clock.advance(Duration.ofMinutes(6));                   // t1 expired, not swept
        String t4 = f.rotate("GRACE01", hours(24));              // t3: previous; t2 must stay
        assertFalse(f.allowed(t1));
        assertTrue(f.allowed(t2), "the expired t1 must not count against the cap of 2");
        assertTrue(f.allowed(t3));
        assertTrue(f.allowed(t4));
        String t5 = f.rotate("GRACE01", Duration.ZERO);            // t4 revoked at once
        assertFalse(f.allowed(t4));
        assertTrue(f.allowed(t2), "a grace-0 token takes no place");
        assertTrue(f.allowed(t3));
        assertTrue(f.allowed(t5));
        var previous = f.core.tokens().describe("GRACE01").previousTokens();
        assertEquals(2, previous.size(), "describe shows every previous token");
        assertEquals(f.core.tokens().describe("GRACE01").previous().tokenId(), previous.get(0).tokenId(),
                "previous is the newest of previousTokens");
        assertEquals(List.of(), f.violations());
    }

    // Rule: a previous token is accepted only while expiresAt > now, checked on every verify;
    // TTL is housekeeping, never the check.
    @Test
    void previousToken_isDeniedFromItsExpiry_whileItsItemStillExists() {
        Fixture f = fixture();
        String first = f.create("GRACE01");
        f.rotate("GRACE01", Duration.ofSeconds(60));

        f.clock.advance(Duration.ofSeconds(59));
        assertTrue(f.allowed(first), "one second before expiresAt it still works");

        f.clock.advance(Duration.ofSeconds(1)); // now == expiresAt
        assertTrue(previousItemExists(f), "the item is still there (no sweep, TTL not due)");
        assertEquals(DenyReason.EXPIRED, f.verify(first).reason());

        f.clock.advance(hours(47));
        assertTrue(previousItemExists(f));
        assertEquals(DenyReason.EXPIRED, f.verify(first).reason());
    }

    // Rule: an inactive client is rejected with both tokens; reactivation restores exactly the
    // tokens that were valid before.
    @Test
    void inactiveClient_isRejectedWithBothTokens_andReactivationRestoresThem() {
        Fixture f = fixture();
        String previous = f.create("GRACE01");
        String current = f.rotate("GRACE01", hours(24));

        f.core.tokens().setStatus(new StatusRequest("GRACE01", false));
        assertEquals(DenyReason.INACTIVE, f.verify(previous).reason());
        assertEquals(DenyReason.INACTIVE, f.verify(current).reason());
        assertFalse(f.core.tokens().describe("GRACE01").active());
        assertEquals(List.of(), f.violations());

        f.core.tokens().setStatus(new StatusRequest("GRACE01", true));
        assertEquals(TokenSlot.PREVIOUS, f.verify(previous).slot());
        assertEquals(TokenSlot.CURRENT, f.verify(current).slot());
        assertEquals(2, f.events.ofType(DomainEvent.CLIENT_STATUS_CHANGED).size());
        assertEquals(List.of(), f.violations());
    }

    // Rule: ... within their original expiry: reactivation does not extend a previous token.
    @Test
    void reactivation_keepsOriginalExpiry_soAPreviousThatExpiredMeanwhileStaysDenied() {
        Fixture f = fixture();
        String previous = f.create("GRACE01");
        String current = f.rotate("GRACE01", hours(2));
        Instant expiry = f.clock.instant().plus(hours(2));

        f.core.tokens().setStatus(new StatusRequest("GRACE01", false));
        f.clock.advance(hours(1));
        f.core.tokens().setStatus(new StatusRequest("GRACE01", true));
        assertEquals(expiry, f.verify(previous).previousExpiresAt(), "expiry unchanged by the round trip");

        f.core.tokens().setStatus(new StatusRequest("GRACE01", false));
        f.clock.advance(hours(2));
        f.core.tokens().setStatus(new StatusRequest("GRACE01", true));
        assertFalse(f.allowed(previous));
        assertTrue(f.allowed(current));
        assertEquals(List.of(), f.violations());
    }

    // set-status to the state the client is in writes nothing and emits nothing.
    @Test
    void setStatus_toCurrentState_writesNothing() {
        Fixture f = fixture();
        f.create("GRACE01");
        var before = f.snapshot();
        f.events.clear();
        assertTrue(f.core.tokens().setStatus(new StatusRequest("GRACE01", true)).active());
        assertEquals(before, f.snapshot());
        assertEquals(List.of(), f.events.events());
    }

    // An inactive client cannot be rotated: named error, nothing written.
    @Test
    void rotate_ofInactiveClient_failsWithClientInactive_andWritesNothing() {
        Fixture f = fixture();
        f.create("GRACE01");
        f.core.tokens().setStatus(new StatusRequest("GRACE01", false));
        var before = f.snapshot();
        ClientInactiveException e = assertThrows(ClientInactiveException.class, () -> f.rotate("GRACE01", hours(1)));
        assertTrue(e.getMessage().contains("set-status"), e.getMessage());
        assertEquals(before, f.snapshot());
    }

    @Test
    void rotate_ofUnknownClient_failsWithClientNotFound_andCreateOfExistingWithAlreadyExists() {
        Fixture f = fixture();
        var empty = f.snapshot();
        ClientNotFoundException missing = assertThrows(ClientNotFoundException.class, () -> f.rotate("NOPE", hours(1)));
        assertTrue(missing.getMessage().contains("\"create\":true"), missing.getMessage());
        assertEquals(empty, f.snapshot(), "nothing written");

        String first = f.create("GRACE01");
        var before = f.snapshot();
        assertThrows(ClientAlreadyExistsException.class, () -> f.create("GRACE01"));
        assertEquals(before, f.snapshot());
        assertTrue(f.allowed(first));
    }

    // revoke-old with the default (0) revokes the previous token now.
    @Test
    void revokeOld_revokesPreviousNow() {
        Fixture f = fixture();
        String previous = f.create("GRACE01");
        String current = f.rotate("GRACE01", hours(24));

        RevokeResult r = f.core.tokens().revokeOld(new RevokeRequest("GRACE01", null));
        assertTrue(r.revoked());
        assertEquals(f.clock.instant(), r.previous().expiresAt());
        assertEquals(DenyReason.UNKNOWN, f.verify(previous).reason());
        assertTrue(f.allowed(current));
        assertNull(f.core.tokens().describe("GRACE01").previous());
        assertEquals(1, f.events.ofType(DomainEvent.PREVIOUS_TOKEN_REVOKED).size());
        assertEquals(List.of(), f.violations());

        RevokeResult again = f.core.tokens().revokeOld(new RevokeRequest("GRACE01", 0L));
        assertFalse(again.revoked());
        assertNull(again.previous());
    }

    // revoke-old with graceSeconds > 0 reschedules the previous token's expiry (shorter or longer).
    @Test
    void revokeOld_withGrace_reschedulesPreviousExpiry() {
        Fixture f = fixture();
        String previous = f.create("GRACE01");
        f.rotate("GRACE01", hours(24));

        RevokeResult r = f.core.tokens().revokeOld(new RevokeRequest("GRACE01", 600L));
        assertFalse(r.revoked());
        Instant newExpiry = f.clock.instant().plusSeconds(600);
        assertEquals(newExpiry, r.previous().expiresAt());
        assertEquals(newExpiry, f.verify(previous).previousExpiresAt());
        assertEquals(List.of(), f.violations());

        f.clock.advance(Duration.ofSeconds(600));
        assertEquals(DenyReason.EXPIRED, f.verify(previous).reason());
    }

    // Rule: rotation is atomic. A rotation whose transaction fails on its last condition (the new
    // token's key is taken, forced through the generator seam) writes nothing at all.
    @Test
    void rotate_isAllOrNothing_whenAnyConditionOfTheTransactionFails() {
        Fixture f = fixture();
        String other = f.create("OTHER01");
        String first = f.create("GRACE01");
        var taken = new dev.gracekeys.core.token.IssuedToken(other, f.config.tokenFormat().tokenIdOf(other));
        GraceKeys pinned = f.coreBuilder().tokenGenerator(() -> taken).build();
        var before = f.snapshot();

        assertThrows(ConcurrentModificationException.class,
                () -> pinned.tokens().rotate(new RotateRequest("GRACE01", 3600L, null, null)));

        assertEquals(before, f.snapshot(), "no partial rotation: client, old and new token items unchanged");
        assertEquals(TokenSlot.CURRENT, f.verify(first).slot());
        assertEquals("OTHER01", f.verify(other).clientId());
        assertEquals(List.of(), f.violations());
    }

    // Rule: a resend of rotate with the same requestId within 15 minutes returns the first call's
    // answer (the same token) and changes nothing, so a client's retry never rotates twice.
    @Test
    void aResentRotate_returnsTheSameToken_andRotatesOnce() {
        Fixture f = fixture();
        String fleet = f.create("GRACE01");
        RotateResult first = f.core.tokens().rotate(rotate("GRACE01", "req-1"));
        f.clock.advance(Duration.ofSeconds(30));
        RotateResult resent = f.core.tokens().rotate(rotate("GRACE01", "req-1"));

        assertEquals(first.token(), resent.token());
        assertEquals(first.tokenId(), resent.tokenId());
        assertEquals(first.createdAt(), resent.createdAt());
        assertEquals(first.previous(), resent.previous());
        assertTrue(resent.message().startsWith("Already done"), resent.message());
        assertTrue(f.allowed(fleet), "the fleet's token is still in its grace window");
        assertTrue(f.allowed(first.token()));
        assertEquals(1, f.events.ofType(DomainEvent.TOKEN_ROTATED).size(), "one rotation, one event");
        assertEquals(first.tokenId(), f.core.tokens().describe("GRACE01").current().tokenId());
        assertEquals(List.of(), f.violations());
    }

    @Test
    void afterFifteenMinutes_theSameRequestId_isANewRequest() {
        Fixture f = fixture();
        f.create("GRACE01");
        RotateResult first = f.core.tokens().rotate(rotate("GRACE01", "req-1"));
        f.clock.advance(Duration.ofMinutes(15).minusSeconds(1));
        assertEquals(first.token(), f.core.tokens().rotate(rotate("GRACE01", "req-1")).token(), "still inside the window");
        f.clock.advance(Duration.ofSeconds(1));
        RotateResult later = f.core.tokens().rotate(rotate("GRACE01", "req-1"));
        assertNotEquals(first.token(), later.token(), "the window is over: a new rotation");
        assertEquals(2, f.events.ofType(DomainEvent.TOKEN_ROTATED).size());
        assertEquals(List.of(), f.violations());
    }

    @Test
    void theSameRequestId_withOtherParameters_isRefused_andChangesNothing() {
        Fixture f = fixture();
        f.create("GRACE01");
        f.create("GRACE02");
        RotateResult first = f.core.tokens().rotate(rotate("GRACE01", "req-1"));
        var before = f.snapshot();
        for (RotateRequest other : List.of(rotate("GRACE02", "req-1"),
                new RotateRequest("GRACE01", 60L, null, null, null, "req-1"))) {
            ValidationException e = assertThrows(ValidationException.class, () -> f.core.tokens().rotate(other));
            assertTrue(e.getMessage().contains("different request"), e.getMessage());
        }
        assertThrows(ValidationException.class,
                () -> f.core.tokens().revokeOld(new RevokeRequest("GRACE01", 0L, "req-1")));
        assertEquals(before, f.snapshot(), "nothing written");
        assertTrue(f.allowed(first.token()));
    }

    private static RotateRequest rotate(String clientId, String requestId) {
        return new RotateRequest(clientId, hours(24).toSeconds(), null, null, null, requestId);
    }

    /** Whether the previous token's item is still stored, read through the store's ports. */
    private static boolean previousItemExists(Fixture f) {
        var previous = f.core.store().findClient("GRACE01").orElseThrow().previous();
        return !previous.isEmpty()
                && !f.core.store().findTokens(List.of(previous.get(0).key())).isEmpty();
    }
}
