package dev.gracekeys.core.ops;

import dev.gracekeys.core.model.ClientRecord;
import dev.gracekeys.core.model.PendingToken;
import dev.gracekeys.core.model.TokenRef;
import dev.gracekeys.core.model.TokenSlot;
import dev.gracekeys.core.store.ClientChange;
import dev.gracekeys.core.store.TokenWrite;
import dev.gracekeys.core.token.TokenKey;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.*;

/** The pending slot's rules in {@link RotationRules}, as pure functions: which writes, which client after. */
class PendingRulesTest {

    private static final Instant NOW = Instant.parse("2026-11-23T17:00:00Z");
    private static final Duration GRACE = Duration.ofHours(24);

    /** The changes that leave the pending slot as it is (but for dropping an expired token). */
    private static final List<Function<ClientRecord, ClientChange>> KEEPING_THE_PENDING_SLOT = List.of(
                c -> RotationRules.revokePrevious(c, NOW),
                c -> RotationRules.reschedulePrevious(c, NOW, NOW.plusSeconds(60)),
                c -> RotationRules.setActive(c, false, NOW),
                c -> RotationRules.removeExpired(c, NOW));

    private static TokenRef ref(String name, Instant expiresAt) {
        return new TokenRef(TokenKey.of("key-" + name), "gk_" + name, NOW.minus(Duration.ofDays(1)), expiresAt);
    }

    private static PendingToken pending(String name, Instant stagedAt, String rotation) {
        return PendingToken.staged(TokenKey.of("key-" + name), "gk_" + name, stagedAt, rotation);
    }

    private static ClientRecord client(TokenRef current, List<TokenRef> previous, PendingToken pending) {
        return new ClientRecord("C1", null, true, NOW.minus(Duration.ofDays(30)), 5, current, previous, "s", pending);
    }

    @Test
    void pendingToken_expires24HoursAfterItWasStaged() {
        PendingToken p = pending("p", NOW, "T1");
        assertEquals(NOW.plus(Duration.ofHours(24)), p.ref().expiresAt());
        assertTrue(p.isLiveAt(NOW.plus(Duration.ofHours(24)).minusSeconds(1)));
        assertFalse(p.isLiveAt(NOW.plus(Duration.ofHours(24))));
        assertTrue(p.of("T1"));
        assertFalse(p.of("T2"));
        assertThrows(IllegalArgumentException.class, () -> new PendingToken(ref("x", null), "T1"));
        assertThrows(IllegalArgumentException.class, () -> new PendingToken(ref("x", NOW), "T1", NOW),
                "a finishing token has no expiry");
        assertThrows(NullPointerException.class, () -> new PendingToken(null, "T1"));
        assertThrows(NullPointerException.class, () -> new PendingToken(ref("x", NOW), null));
    }

    // The finishing mark: no expiry from then on (it verifies however late the promotion comes), the
    // item updated in place; the hold lasts FINISH_HOLD (15 min, Lambda's longest timeout) from the mark.
    @Test
    void markFinishing_liftsTheExpiry_inPlace_andHoldsFor15Minutes() {
        PendingToken p = pending("p", NOW.minus(Duration.ofHours(23)), "T1");
        ClientRecord before = client(ref("a", null), List.of(ref("o", NOW.plusSeconds(60))), p);
        ClientChange c = RotationRules.markFinishing(before, NOW);
        PendingToken marked = c.after().pending();
        assertEquals(new PendingToken(p.ref().expiringAt(null), "T1", NOW), marked);
        assertEquals(List.of(new TokenWrite.Update(marked.ref(), TokenSlot.PENDING)), c.tokenWrites());
        assertEquals(before.current(), c.after().current());
        assertEquals(before.previous(), c.after().previous());
        assertEquals(6, c.after().version(), "conditional on the record its checks read");
        assertEquals(List.of(), c.revoked());
        assertEquals(List.of(), c.expired());
        assertTrue(marked.isFinishing());
        assertTrue(marked.isLiveAt(NOW.plus(Duration.ofDays(365))));
        assertEquals(Duration.ofMinutes(15), PendingToken.FINISH_HOLD);
        assertTrue(marked.isFinishingAt(NOW));
        assertTrue(marked.isFinishingAt(NOW.plus(PendingToken.FINISH_HOLD).minusSeconds(1)));
        assertFalse(marked.isFinishingAt(NOW.plus(PendingToken.FINISH_HOLD)));
        assertFalse(p.isFinishing());
        assertFalse(p.isFinishingAt(NOW));

        // A retried finishSecret marks again: the hold runs from the new mark.
        PendingToken again = RotationRules.markFinishing(c.after(), NOW.plusSeconds(600)).after().pending();
        assertEquals(NOW.plusSeconds(600), again.finishingAt());
        assertTrue(again.isFinishingAt(NOW.plus(PendingToken.FINISH_HOLD)));
    }

    // Every change that keeps the pending slot keeps a finishing token, however old: AWSCURRENT may be on it.
    @Test
    void everyOtherChange_keepsAFinishingPendingToken_longAfterItsLifetime() {
        TokenRef prev = ref("o", NOW.plusSeconds(600));
        PendingToken finishing = pending("p", NOW.minus(Duration.ofDays(40)), "T1").finishing(NOW.minus(Duration.ofDays(39)));
        for (Function<ClientRecord, ClientChange> change : KEEPING_THE_PENDING_SLOT) {
            ClientChange kept = change.apply(client(ref("a", null), List.of(prev), finishing));
            assertEquals(finishing, kept.after().pending());
            assertTrue(kept.tokenWrites().stream().noneMatch(w -> w instanceof TokenWrite.Delete d
                    && d.key().equals(finishing.ref().key())));
        }
        assertTrue(RotationRules.setActive(client(ref("a", null), List.of(), finishing), false, NOW).tokenWrites()
                .contains(new TokenWrite.Update(finishing.ref(), TokenSlot.PENDING)), "set-status moves its flag too");
    }

    // A manual rotate cancels a scheduled rotation in progress: its token never reached AWSCURRENT.
    @Test
    void rotate_dropsAPendingTokenThatIsNotFinishing_live_orExpired() {
        for (Instant stagedAt : List.of(NOW.minusSeconds(60), NOW.minus(Duration.ofDays(3)))) {
            PendingToken p = pending("p", stagedAt, "T1");
            ClientRecord before = client(ref("a", null), List.of(), p);
            ClientChange manual = RotationRules.rotate(before, ref("m", null), NOW, GRACE, 1);
            assertNull(manual.after().pending());
            assertTrue(manual.tokenWrites().contains(new TokenWrite.Delete(p.ref().key())));
            assertEquals(List.of(before.current().expiringAt(NOW.plus(GRACE))), manual.after().previous());
            assertFalse(manual.revoked().contains(p.ref()), "never delivered: not a revoked token");
        }
    }

    // A finish marked within the hold may be moving AWSCURRENT: the rule refuses (the operation says why).
    @Test
    void rotate_refusesAFinishingPendingTokenWithinTheHold() {
        PendingToken p = pending("p", NOW.minus(Duration.ofHours(2)), "T1").finishing(NOW.minus(PendingToken.FINISH_HOLD).plusSeconds(1));
        ClientRecord before = client(ref("a", null), List.of(), p);
        assertThrows(IllegalStateException.class, () -> RotationRules.rotate(before, ref("m", null), NOW, GRACE, 1));
    }

    // A finish that stopped after its mark, older than the hold, whose stage never moved (the operation
    // reads the secret first, and completes the promotion instead when it did): cancelled like any other.
    @Test
    void rotate_dropsAStaleFinishingToken_likeAnyPendingToken() {
        PendingToken p = pending("p", NOW.minus(Duration.ofHours(2)), "T1").finishing(NOW.minus(PendingToken.FINISH_HOLD));
        TokenRef older = ref("o", NOW.plusSeconds(600));
        ClientRecord before = client(ref("a", null), List.of(older), p);
        ClientChange c = RotationRules.rotate(before, ref("m", null), NOW, GRACE, 1);
        assertNull(c.after().pending());
        assertTrue(c.tokenWrites().contains(new TokenWrite.Delete(p.ref().key())));
        assertEquals(List.of(before.current().expiringAt(NOW.plus(GRACE))), c.after().previous());
        assertEquals(List.of(older), c.revoked(), "the cap as ever; the pending token is no previous token");
    }

    // Every change but rotate (which cancels it) and the staging/promotion drops an expired pending token
    // (item and pointer) and keeps a live one.
    @Test
    void everyOtherChange_dropsAnExpiredPendingToken_andKeepsALiveOne() {
        TokenRef prev = ref("o", NOW.plusSeconds(600));
        for (Function<ClientRecord, ClientChange> change : KEEPING_THE_PENDING_SLOT) {
            PendingToken live = pending("p", NOW.minus(Duration.ofHours(24)).plusSeconds(1), "T1");
            ClientChange kept = change.apply(client(ref("a", null), List.of(prev), live));
            assertEquals(live, kept.after().pending());
            assertTrue(kept.tokenWrites().stream().noneMatch(w -> w instanceof TokenWrite.Delete d
                    && d.key().equals(live.ref().key())));

            PendingToken expired = pending("p", NOW.minus(Duration.ofHours(24)), "T1");
            ClientChange dropped = change.apply(client(ref("a", null), List.of(prev), expired));
            assertNull(dropped.after().pending());
            assertTrue(dropped.tokenWrites().contains(new TokenWrite.Delete(expired.ref().key())));
            assertTrue(dropped.tokenWrites().stream().noneMatch(w -> w instanceof TokenWrite.Update u
                    && u.key().equals(expired.ref().key())));
            assertFalse(dropped.revoked().contains(expired.ref()), "not a revoked previous token");
            assertFalse(dropped.expired().contains(expired.ref()), "not an expired previous token");
        }
    }

    @Test
    void setActive_movesTheLivePendingTokensActiveFlagToo() {
        PendingToken live = pending("p", NOW, "T1");
        ClientChange c = RotationRules.setActive(client(ref("a", null), List.of(), live), false, NOW);
        assertTrue(c.tokenWrites().contains(new TokenWrite.Update(live.ref(), TokenSlot.PENDING)));
        assertFalse(c.after().active());
        assertEquals(live, c.after().pending());
    }

    @Test
    void clientRecord_carriesItsPendingToken_throughEveryCopy() {
        PendingToken p = pending("p", NOW, "T1");
        ClientRecord c = client(ref("a", null), List.of(), p);
        assertEquals(p, c.withActive(false).pending());
        assertEquals(p, c.withTokens(ref("b", null), List.of()).pending());
        assertEquals(p, c.deliveringTo("other").pending());
        assertNull(c.withTokens(ref("b", null), List.of(), null).pending());
        assertEquals(p, c.livePending(NOW));
        assertNull(c.livePending(p.ref().expiresAt()));
        assertNull(client(ref("a", null), List.of(), null).livePending(NOW));
    }

    // cutShort names exactly the live previous tokens a promotion would revoke (what F1's refusal checks).
    @Test
    void cutShort_isWhatAPromotionRevokesOfTheLivePreviousTokens() {
        TokenRef live1 = ref("l1", NOW.plusSeconds(600));
        TokenRef live2 = ref("l2", NOW.plusSeconds(300));
        TokenRef dead = ref("d", NOW.minusSeconds(1));
        for (int max = 1; max <= 3; max++) {
            for (List<TokenRef> previous : List.of(List.<TokenRef>of(), List.of(live1), List.of(dead, live1),
                    List.of(live1, live2), List.of(live1, dead, live2))) {
                ClientRecord before = client(ref("a", null), previous, pending("p", NOW, "T1"));
                List<TokenRef> revoked = RotationRules.promotePending(before, NOW, GRACE, max).revoked().stream()
                        .filter(previous::contains).toList();
                assertEquals(revoked, RotationRules.cutShort(before, NOW, GRACE, max), "max " + max + " " + previous);
            }
        }
        ClientRecord full = client(ref("a", null), List.of(live1), null);
        assertEquals(List.of(live1), RotationRules.cutShort(full, NOW, GRACE, 1));
        assertEquals(List.of(), RotationRules.cutShort(full, NOW, GRACE, 2));
    }

    // F4: an expired staged token of the same rotation verifies again, updated in place.
    @Test
    void restagePending_givesTheSameTokenAFreshLifetime_inPlace() {
        PendingToken old = pending("p", NOW.minus(Duration.ofHours(25)), "T1");
        ClientRecord before = client(ref("a", null), List.of(), old);
        ClientChange c = RotationRules.restagePending(before, NOW);
        PendingToken again = c.after().pending();
        assertEquals(old.ref().key(), again.ref().key());
        assertEquals("T1", again.rotationId());
        assertEquals(NOW.plus(PendingToken.LIFETIME), again.ref().expiresAt());
        assertEquals(List.of(new TokenWrite.Update(again.ref(), TokenSlot.PENDING)), c.tokenWrites());
        assertEquals(before.current(), c.after().current());
        assertEquals(List.of(), c.revoked());
    }
}
