package dev.gracekeys.core.store;

import dev.gracekeys.core.model.ClientRecord;
import dev.gracekeys.core.model.PendingToken;
import dev.gracekeys.core.model.TokenRecord;
import dev.gracekeys.core.model.TokenRef;
import dev.gracekeys.core.model.TokenSlot;
import dev.gracekeys.core.store.ChangeRejectedException.Reason;
import dev.gracekeys.core.store.ClientStore.ClientPage;
import dev.gracekeys.core.store.ClientStore.ExpiringToken;
import dev.gracekeys.core.store.SweepStore.NoticeClaim;
import dev.gracekeys.core.token.TokenKey;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * What every store of the core must do, at the level of its ports ({@link ClientStore},
 * {@link SweepStore}, {@link TokenLookup}): one suite, run against the DynamoDB adapter on DynamoDB
 * Local ({@code DynamoDbStoreContractIT}) and against the in-memory store of the tests
 * ({@code InMemoryStoreTest}), so that the fast tests of the rules over the in-memory store prove
 * what they would prove over DynamoDB.
 *
 * <p>Times start at the real current second: DynamoDB Local deletes items whose TTL is in the real
 * past, and a store-level test must not race it.
 *
 * @param <S> the store under test
 */
public abstract class StoreContract<S extends SweepStore & TokenLookup> {

    private static final Duration BUDGET = Duration.ofSeconds(5);

    /** A new, empty store that reads the expiry index {@code expiryPage} items at a time. */
    protected abstract S newStore(int expiryPage);

    /** Pages (queries) of the expiry index the stores of this test have read so far. */
    protected abstract long expiryIndexReads();

    protected final Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    private S store;

    /** This test's store, made at first use. */
    protected final S store() {
        if (store == null) {
            store = newStore(100);
        }
        return store;
    }

    // ---- apply: all or nothing, under its conditions ----------------------------------------------

    @Test
    public void apply_create_storesTheClientAndItsToken_asWritten() {
        ClientRecord client = client("C1", ref("a"));
        store().apply(create(client));

        assertEquals(Optional.of(client), store().findClient("C1"));
        TokenRecord token = store().findToken(key("a"), BUDGET);
        assertEquals(new TokenRecord(key("a"), "C1", "gk_a", TokenSlot.CURRENT, true, now, null, null), token);
        assertEquals(Optional.empty(), store().findClient("C2"));
        assertNull(store().findToken(key("nope"), BUDGET));
    }

    @Test
    public void apply_keepsTimesToTheSecond() {
        Instant fine = now.plusMillis(1_789);
        ClientRecord client = new ClientRecord("C1", null, true, fine, 1,
                new TokenRef(key("a"), "gk_a", fine, null), List.of(), null, null);
        store().apply(create(client));

        ClientRecord read = store().findClient("C1").orElseThrow();
        assertEquals(now.plusSeconds(1), read.createdAt());
        assertEquals(now.plusSeconds(1), read.current().createdAt());
        assertEquals(now.plusSeconds(1), store().findToken(key("a"), BUDGET).createdAt());
        assertNull(read.name());
        assertNull(read.deliverTo());
    }

    @Test
    public void apply_rotation_movesTheTokenIntoPrevious_withItsExpiry_keepingItsLastUse() {
        ClientRecord v1 = created("C1", "a");
        store().recordLastUse(key("a"), now, now.minusSeconds(300), BUDGET);
        Instant expiry = now.plus(Duration.ofHours(24));

        ClientChange rotation = rotate(v1, "b", expiry);
        store().apply(rotation);

        assertEquals(Optional.of(rotation.after()), store().findClient("C1"));
        assertEquals(new TokenRecord(key("a"), "C1", "gk_a", TokenSlot.PREVIOUS, true, now, expiry, now),
                store().findToken(key("a"), BUDGET));
        assertEquals(TokenSlot.CURRENT, store().findToken(key("b"), BUDGET).slot());
    }

    @Test
    public void apply_statusChange_setsEveryTokensActiveFlag() {
        ClientRecord v2 = rotated(created("C1", "a"), "b", now.plus(Duration.ofHours(1)));
        ClientRecord v3 = v2.withActive(false);
        store().apply(new ClientChange(v2, v3, List.of(
                new TokenWrite.Update(v3.current(), TokenSlot.CURRENT),
                new TokenWrite.Update(v3.previous().get(0), TokenSlot.PREVIOUS)), List.of(), List.of()));

        assertFalse(store().findToken(key("a"), BUDGET).active());
        assertFalse(store().findToken(key("b"), BUDGET).active());
        assertEquals(now.plus(Duration.ofHours(1)), store().findToken(key("a"), BUDGET).expiresAt());
    }

    // ---- the pending slot (a scheduled rotation's token) -----------------------------------------------

    @Test
    public void apply_pendingSlot_storesThePointerWithItsRotation_andTheItemWithItsExpiry() {
        ClientRecord v1 = created("C1", "a");
        Instant expiry = now.plus(Duration.ofHours(24)).plusMillis(700);
        ClientRecord v2 = staged(v1, "p", expiry, "rot-1");

        ClientRecord read = store().findClient("C1").orElseThrow();
        assertEquals(new PendingToken(new TokenRef(key("p"), "gk_p", now, now.plus(Duration.ofHours(24))), "rot-1"),
                read.pending(), "kept with its rotation id, times to the second");
        assertEquals(v2.current(), read.current());
        assertEquals(new TokenRecord(key("p"), "C1", "gk_p", TokenSlot.PENDING, true, now,
                now.plus(Duration.ofHours(24)), null), store().findToken(key("p"), BUDGET));
        assertEquals(TokenSlot.CURRENT, store().findToken(key("a"), BUDGET).slot());
    }

    @Test
    public void expiryIndex_neverHoldsAPendingToken() {
        staged(created("C1", "a"), "p", now.plusSeconds(60), "rot-1");

        assertEquals(Set.of(), tokenIds(store().findPreviousTokensExpiring(null, now.plus(Duration.ofDays(30)))));
        assertEquals(List.of(), list(store().previousTokensExpiring(null, now.plus(Duration.ofDays(30)))));
    }

    @Test
    public void apply_statusChange_setsThePendingTokensActiveFlag_keepingItsExpiry() {
        ClientRecord v2 = staged(created("C1", "a"), "p", now.plus(Duration.ofHours(24)), "rot-1");
        ClientRecord v3 = v2.withActive(false);
        store().apply(new ClientChange(v2, v3, List.of(
                new TokenWrite.Update(v3.current(), TokenSlot.CURRENT),
                new TokenWrite.Update(v3.pending().ref(), TokenSlot.PENDING)), List.of(), List.of()));

        TokenRecord p = store().findToken(key("p"), BUDGET);
        assertFalse(p.active());
        assertEquals(TokenSlot.PENDING, p.slot());
        assertEquals(now.plus(Duration.ofHours(24)), p.expiresAt());
        assertEquals(Set.of(), tokenIds(store().findPreviousTokensExpiring(null, now.plus(Duration.ofDays(30)))));
    }

    @Test
    public void apply_promotion_makesThePendingItemCurrent_withoutExpiry_keepingItsLastUse() {
        ClientRecord v2 = staged(created("C1", "a"), "p", now.plus(Duration.ofHours(24)), "rot-1");
        store().recordLastUse(key("p"), now, now.minusSeconds(300), BUDGET);
        Instant grace = now.plus(Duration.ofHours(24));
        TokenRef promoted = v2.pending().ref().expiringAt(null);
        TokenRef demoted = v2.current().expiringAt(grace);
        ClientRecord v3 = v2.withTokens(promoted, List.of(demoted), null);
        store().apply(new ClientChange(v2, v3, List.of(
                new TokenWrite.Update(promoted, TokenSlot.CURRENT),
                new TokenWrite.Update(demoted, TokenSlot.PREVIOUS)), List.of(), List.of()));

        assertEquals(Optional.of(v3), store().findClient("C1"));
        assertNull(store().findClient("C1").orElseThrow().pending());
        assertEquals(new TokenRecord(key("p"), "C1", "gk_p", TokenSlot.CURRENT, true, now, null, now),
                store().findToken(key("p"), BUDGET));
        assertEquals(new TokenRecord(key("a"), "C1", "gk_a", TokenSlot.PREVIOUS, true, now, grace, null),
                store().findToken(key("a"), BUDGET));
        assertEquals(Set.of("gk_a"), tokenIds(store().findPreviousTokensExpiring(null, grace)));
    }

    // The finishing mark: pointer with its mark and no expiry, item without expiresAt (the verify then
    // allows it however late); a status change keeps both so; the promotion makes it an ordinary current token.
    @Test
    public void apply_finishingMark_storesThePointerWithItsMark_andTheItemWithoutExpiry() {
        ClientRecord v2 = staged(created("C1", "a"), "p", now.plus(Duration.ofHours(24)), "rot-1");
        store().recordLastUse(key("p"), now, now.minusSeconds(300), BUDGET);
        Instant markedAt = now.plusMillis(1_400);
        PendingToken marked = v2.pending().finishing(markedAt);
        ClientRecord v3 = v2.withTokens(v2.current(), v2.previous(), marked);
        store().apply(new ClientChange(v2, v3, List.of(new TokenWrite.Update(marked.ref(), TokenSlot.PENDING)),
                List.of(), List.of()));

        ClientRecord read = store().findClient("C1").orElseThrow();
        assertEquals(new PendingToken(new TokenRef(key("p"), "gk_p", now, null), "rot-1", now.plusSeconds(1)),
                read.pending(), "the mark kept, to the second; no expiry");
        assertEquals(new TokenRecord(key("p"), "C1", "gk_p", TokenSlot.PENDING, true, now, null, now),
                store().findToken(key("p"), BUDGET), "no expiresAt on the item; its last use kept");
        assertEquals(Set.of(), tokenIds(store().findPreviousTokensExpiring(null, now.plus(Duration.ofDays(3650)))));

        ClientRecord v4 = read.withActive(false);
        store().apply(new ClientChange(read, v4, List.of(
                new TokenWrite.Update(v4.current(), TokenSlot.CURRENT),
                new TokenWrite.Update(v4.pending().ref(), TokenSlot.PENDING)), List.of(), List.of()));
        assertEquals(read.pending(), store().findClient("C1").orElseThrow().pending());
        TokenRecord inactive = store().findToken(key("p"), BUDGET);
        assertFalse(inactive.active());
        assertNull(inactive.expiresAt());

        ClientRecord v5 = store().findClient("C1").orElseThrow();
        TokenRef promoted = v5.pending().ref();
        ClientRecord v6 = v5.withTokens(promoted, List.of(v5.current().expiringAt(now.plus(Duration.ofHours(1)))), null);
        store().apply(new ClientChange(v5, v6, List.of(
                new TokenWrite.Update(promoted, TokenSlot.CURRENT),
                new TokenWrite.Update(v6.previous().get(0), TokenSlot.PREVIOUS)), List.of(), List.of()));
        assertNull(store().findClient("C1").orElseThrow().pending());
        assertEquals(TokenSlot.CURRENT, store().findToken(key("p"), BUDGET).slot());
    }

    @Test
    public void apply_replacingThePendingToken_deletesTheOldItemWithTheNewPointer() {
        ClientRecord v2 = staged(created("C1", "a"), "p", now.plus(Duration.ofHours(24)), "rot-1");
        PendingToken next = new PendingToken(new TokenRef(key("q"), "gk_q", now, now.plus(Duration.ofHours(24))), "rot-2");
        ClientRecord v3 = v2.withTokens(v2.current(), v2.previous(), next);
        store().apply(new ClientChange(v2, v3, List.of(
                new TokenWrite.Create(next.ref(), TokenSlot.PENDING),
                new TokenWrite.Delete(key("p"))), List.of(), List.of()));

        assertEquals(Optional.of(v3), store().findClient("C1"));
        assertNull(store().findToken(key("p"), BUDGET));
        assertEquals(TokenSlot.PENDING, store().findToken(key("q"), BUDGET).slot());
    }

    @Test
    public void apply_createOfAnExistingClient_isRefusedWithClientExists_andWritesNothing() {
        created("C1", "a");
        var before = state(List.of("C1"), List.of(key("a"), key("a2")));

        ChangeRejectedException e = assertThrows(ChangeRejectedException.class,
                () -> store().apply(create(client("C1", ref("a2")))));

        assertEquals(Reason.CLIENT_EXISTS, e.reason());
        assertEquals(before, state(List.of("C1"), List.of(key("a"), key("a2"))));
    }

    @Test
    public void apply_fromAStaleVersion_isRefusedWithVersionChanged_andWritesNothing() {
        ClientRecord v1 = created("C1", "a");
        rotated(v1, "b", now.plusSeconds(60));
        var before = state(List.of("C1"), List.of(key("a"), key("b"), key("c")));

        ChangeRejectedException e = assertThrows(ChangeRejectedException.class,
                () -> store().apply(rotate(v1, "c", now.plusSeconds(60))));

        assertEquals(Reason.VERSION_CHANGED, e.reason());
        assertEquals(before, state(List.of("C1"), List.of(key("a"), key("b"), key("c"))));
    }

    @Test
    public void apply_toAClientThatIsGone_isRefusedWithVersionChanged() {
        ClientRecord never = client("GONE", ref("a"));
        ChangeRejectedException e = assertThrows(ChangeRejectedException.class,
                () -> store().apply(rotate(never, "b", now.plusSeconds(60))));
        assertEquals(Reason.VERSION_CHANGED, e.reason());
        assertEquals(Optional.empty(), store().findClient("GONE"));
        assertNull(store().findToken(key("b"), BUDGET));
    }

    @Test
    public void apply_whoseNewTokenKeyIsTaken_isRefusedWithTokenExists_andWritesNothingAtAll() {
        created("OTHER", "taken");
        ClientRecord v1 = created("C1", "a");
        var before = state(List.of("C1", "OTHER"), List.of(key("a"), key("taken")));

        ChangeRejectedException e = assertThrows(ChangeRejectedException.class,
                () -> store().apply(rotate(v1, "taken", now.plusSeconds(60))));

        assertEquals(Reason.TOKEN_EXISTS, e.reason());
        assertEquals(before, state(List.of("C1", "OTHER"), List.of(key("a"), key("taken"))),
                "the client item and the demoted token are unchanged too");
    }

    @Test
    public void apply_movingATokenThatIsNotTheClients_orIsGone_isRefusedWithVersionChanged() {
        ClientRecord other = created("OTHER", "o");
        ClientRecord v1 = created("C1", "a");
        ClientRecord stolen = v1.withTokens(v1.current(), List.of(other.current().expiringAt(now.plusSeconds(60))));
        var before = state(List.of("C1", "OTHER"), List.of(key("a"), key("o")));

        ChangeRejectedException e = assertThrows(ChangeRejectedException.class, () -> store().apply(new ClientChange(
                v1, stolen, List.of(new TokenWrite.Update(stolen.previous().get(0), TokenSlot.PREVIOUS)), List.of(), List.of())));
        assertEquals(Reason.VERSION_CHANGED, e.reason());

        ClientRecord ghost = v1.withTokens(v1.current(), List.of(ref("ghost").expiringAt(now.plusSeconds(60))));
        e = assertThrows(ChangeRejectedException.class, () -> store().apply(new ClientChange(
                v1, ghost, List.of(new TokenWrite.Update(ghost.previous().get(0), TokenSlot.PREVIOUS)), List.of(), List.of())));
        assertEquals(Reason.VERSION_CHANGED, e.reason());
        assertNull(store().findToken(key("ghost"), BUDGET), "an update never creates an item");
        assertEquals(before, state(List.of("C1", "OTHER"), List.of(key("a"), key("o"))));
    }

    @Test
    public void apply_deletingAnotherClientsToken_isRefused_butDeletingOneThatIsGone_isFine() {
        created("OTHER", "o");
        ClientRecord v1 = created("C1", "a");
        ClientRecord v2 = v1.withTokens(v1.current(), List.of());

        ChangeRejectedException e = assertThrows(ChangeRejectedException.class, () -> store().apply(
                new ClientChange(v1, v2, List.of(new TokenWrite.Delete(key("o"))), List.of(), List.of())));
        assertEquals(Reason.VERSION_CHANGED, e.reason());
        assertNotNull(store().findToken(key("o"), BUDGET));

        store().apply(new ClientChange(v1, v2, List.of(new TokenWrite.Delete(key("gone-by-ttl"))), List.of(), List.of()));
        assertEquals(Optional.of(v2), store().findClient("C1"));
    }

    @Test
    public void apply_deletesTheTokensItDrops() {
        ClientRecord v2 = rotated(created("C1", "a"), "b", now.plusSeconds(60));
        ClientRecord v3 = v2.withTokens(v2.current(), List.of());
        store().apply(new ClientChange(v2, v3, List.of(new TokenWrite.Delete(key("a"))), List.of(), List.of()));

        assertNull(store().findToken(key("a"), BUDGET));
        assertEquals(Map.of(key("b"), store().findToken(key("b"), BUDGET)),
                store().findTokens(List.of(key("a"), key("b"))));
    }

    // ---- applyAll: several changes, one transaction -----------------------------------------------

    @Test
    public void applyAll_isAllOrNothing_andNamesEachRefusedChangeWithItsReason() {
        created("A", "a");
        List<ClientChange> changes = List.of(
                create(client("B", ref("b"))),      // fine on its own
                create(client("A", ref("a2"))),     // client exists
                create(client("C", ref("a"))));     // key exists
        var before = state(List.of("A", "B", "C"), List.of(key("a"), key("a2"), key("b")));

        BatchRejectedException e = assertThrows(BatchRejectedException.class, () -> store().applyAll(changes));

        assertEquals(Map.of(1, Reason.CLIENT_EXISTS, 2, Reason.TOKEN_EXISTS), e.refused());
        assertNull(e.reason(0), "the good change's own conditions held");
        assertEquals(before, state(List.of("A", "B", "C"), List.of(key("a"), key("a2"), key("b"))), "nothing written");

        store().applyAll(List.of(changes.get(0)));
        assertTrue(store().findClient("B").isPresent());
        store().applyAll(List.of()); // nothing to do, no error
    }

    @Test
    public void applyAll_ofMoreItemsThanOneTransactionHolds_isRefusedBeforeWriting() {
        List<ClientChange> changes = IntStream.range(0, ClientStore.MAX_ITEMS_PER_APPLY / 2 + 1)
                .mapToObj(i -> create(client("BULK" + i, ref("bulk" + i)))).toList();
        assertThrows(IllegalArgumentException.class, () -> store().applyAll(changes));
        assertEquals(Optional.empty(), store().findClient("BULK0"));

        store().applyAll(changes.subList(0, ClientStore.MAX_ITEMS_PER_APPLY / 2));
        assertTrue(store().findClient("BULK0").isPresent(), "exactly the limit is fine");
    }

    /**
     * The port asks for distinct items, and the rules never send one twice; how a store refuses it
     * differs (AWS answers a ValidationException, DynamoDB Local cancels the transaction, the
     * in-memory store throws IllegalArgumentException), but it is refused whole.
     */
    @Test
    public void applyAll_namingOneItemTwice_isRefusedWhole() {
        List<ClientChange> changes = List.of(create(client("A", ref("a"))), create(client("B", ref("a"))));
        assertThrows(RuntimeException.class, () -> store().applyAll(changes));
        assertEquals(Optional.empty(), store().findClient("A"));
        assertNull(store().findToken(key("a"), BUDGET));
    }

    // ---- replays (requestId) ----------------------------------------------------------------------

    @Test
    public void apply_withAReplay_recordsItWithTheChange() {
        Replay replay = replay("req-1", now.plusMillis(400));
        store().apply(create(client("C1", ref("a"))), replay);

        assertTrue(store().findClient("C1").isPresent());
        assertEquals(Optional.of(new Replay("req-1", "fp", now, Map.of("token", "sealed", "tokenId", "gk_a"))),
                store().findReplay("req-1"), "recorded to the second, fields as given");
        assertEquals(Optional.empty(), store().findReplay("req-2"));
    }

    @Test
    public void apply_withAReplayOfARequestIdInsideItsWindow_isRefused_andWritesNothing() {
        ClientRecord v1 = created("C1", "a");
        store().apply(rotate(v1, "b", now.plusSeconds(60)), replay("req-1", now));
        ClientRecord v2 = store().findClient("C1").orElseThrow();
        var before = state(List.of("C1"), List.of(key("a"), key("b"), key("c")));

        ChangeRejectedException e = assertThrows(ChangeRejectedException.class, () -> store().apply(
                rotate(v2, "c", now.plusSeconds(60)), replay("req-1", now.plus(Replay.WINDOW).minusSeconds(1))));

        assertEquals(Reason.TRANSACTION_CONFLICT, e.reason(), "retryable: the resend then finds the replay");
        assertEquals(before, state(List.of("C1"), List.of(key("a"), key("b"), key("c"))));
        assertEquals(now, store().findReplay("req-1").orElseThrow().recordedAt(), "the first answer stays");
    }

    @Test
    public void apply_withAReplayOfARequestIdPastItsWindow_replacesIt() {
        ClientRecord v1 = created("C1", "a");
        store().apply(rotate(v1, "b", now.plusSeconds(60)), replay("req-1", now));
        ClientRecord v2 = store().findClient("C1").orElseThrow();
        Instant later = now.plus(Replay.WINDOW);

        store().apply(rotate(v2, "c", now.plusSeconds(60)), replay("req-1", later));

        assertEquals(later, store().findReplay("req-1").orElseThrow().recordedAt());
        assertFalse(store().findReplay("req-1").orElseThrow().liveAt(later.plus(Replay.WINDOW)));
    }

    @Test
    public void apply_withAReplay_whoseChangeIsRefused_recordsNoReplay_andNamesTheChangesReason() {
        ClientRecord v1 = created("C1", "a");
        rotated(v1, "b", now.plusSeconds(60));

        ChangeRejectedException e = assertThrows(ChangeRejectedException.class,
                () -> store().apply(rotate(v1, "c", now.plusSeconds(60)), replay("req-1", now)));

        assertEquals(Reason.VERSION_CHANGED, e.reason());
        assertEquals(Optional.empty(), store().findReplay("req-1"));
    }

    // ---- reads ------------------------------------------------------------------------------------

    @Test
    public void findTokens_returnsThoseThatExist() {
        rotated(created("C1", "a"), "b", now.plusSeconds(60));
        created("C2", "c");

        Map<TokenKey, TokenRecord> found = store().findTokens(List.of(key("a"), key("c"), key("missing")));

        assertEquals(Set.of(key("a"), key("c")), found.keySet());
        assertEquals("C1", found.get(key("a")).clientId());
        assertEquals(TokenSlot.PREVIOUS, found.get(key("a")).slot());
        assertEquals("C2", found.get(key("c")).clientId());
        assertEquals(Map.of(), store().findTokens(List.of()));
    }

    @Test
    public void listClients_inIdOrder_pageByPage() {
        for (String id : List.of("E5", "B2", "D4", "A1", "C3")) {
            created(id, "t" + id);
        }

        ClientPage first = store().listClients(2, null);
        assertEquals(List.of("A1", "B2"), ids(first));
        assertEquals("B2", first.lastClientId());
        ClientPage second = store().listClients(2, first.lastClientId());
        assertEquals(List.of("C3", "D4"), ids(second));
        ClientPage last = store().listClients(2, second.lastClientId());
        assertEquals(List.of("E5"), ids(last));
        assertNull(last.lastClientId(), "a short page is the last");

        ClientPage all = store().listClients(5, null);
        assertEquals(List.of("A1", "B2", "C3", "D4", "E5"), ids(all));
        // As a DynamoDB Query with a Limit: a page that reached its limit carries a cursor although
        // nothing follows, and the page after it is empty.
        assertEquals("E5", all.lastClientId());
        ClientPage after = store().listClients(5, all.lastClientId());
        assertEquals(List.of(), ids(after));
        assertNull(after.lastClientId());
        assertEquals(List.of(), ids(store().listClients(3, "E5")));
        assertEquals(List.of("C3"), ids(store().listClients(1, "B2")), "after is exclusive");
    }

    // ---- the expiry index -------------------------------------------------------------------------

    @Test
    public void expiryIndex_holdsPreviousTokensOnly_withAnExclusiveLowerAndAnInclusiveUpperBound() {
        Instant h1 = now.plus(Duration.ofHours(1));
        Instant h2 = now.plus(Duration.ofHours(2));
        Instant h3 = now.plus(Duration.ofHours(3));
        rotated(created("C1", "a"), "a2", h1);
        rotated(created("C2", "b"), "b2", h2);
        rotated(created("C3", "c"), "c2", h3);
        created("C4", "d");

        assertEquals(Set.of("gk_a", "gk_b"), tokenIds(store().findPreviousTokensExpiring(null, h2)));
        assertEquals(Set.of("gk_b", "gk_c"), tokenIds(store().findPreviousTokensExpiring(h1, h3)));
        assertEquals(Set.of("gk_b"), tokenIds(store().findPreviousTokensExpiring(h1.plusMillis(500), h2.plusMillis(500))),
                "bounds are compared to the second");
        assertEquals(Set.of(), tokenIds(store().findPreviousTokensExpiring(null, h1.minusSeconds(1))));
        assertEquals(Set.of(), tokenIds(store().findPreviousTokensExpiring(h3, h3.plusSeconds(3600))));

        ExpiringToken b = store().findPreviousTokensExpiring(h1, h2).get(0);
        assertEquals(new ExpiringToken(key("b"), "C2", "gk_b", h2), b);
        assertEquals(tokenIds(store().findPreviousTokensExpiring(null, h3)),
                tokenIds(list(store().previousTokensExpiring(null, h3))), "the lazy reader reads the same");
    }

    @Test
    public void expiryIndex_followsTheToken_outWhenDeleted_andAtItsNewExpiryWhenMoved() {
        Instant h1 = now.plus(Duration.ofHours(1));
        ClientRecord v2 = rotated(created("C1", "a"), "b", h1);
        TokenRef moved = v2.previous().get(0).expiringAt(now.plus(Duration.ofHours(5)));
        ClientRecord v3 = v2.withTokens(v2.current(), List.of(moved));
        store().apply(new ClientChange(v2, v3, List.of(new TokenWrite.Update(moved, TokenSlot.PREVIOUS)), List.of(), List.of()));

        assertEquals(Set.of(), tokenIds(store().findPreviousTokensExpiring(null, h1)));
        assertEquals(Set.of("gk_a"), tokenIds(store().findPreviousTokensExpiring(null, now.plus(Duration.ofHours(5)))));

        ClientRecord v4 = v3.withTokens(v3.current(), List.of());
        store().apply(new ClientChange(v3, v4, List.of(new TokenWrite.Delete(key("a"))), List.of(), List.of()));
        assertEquals(Set.of(), tokenIds(store().findPreviousTokensExpiring(null, now.plus(Duration.ofDays(30)))));
    }

    @Test
    public void expiryIndex_isReadLazily_pageByPage_yieldingEachTokenOnce() {
        S paged = newStore(1);
        Set<String> expected = new HashSet<>();
        for (int i = 0; i < 12; i++) {
            ClientRecord v1 = client("P" + i, ref("p" + i));
            paged.apply(create(v1));
            paged.apply(rotate(v1, "q" + i, now.plus(Duration.ofMinutes(10 + i % 3))));
            expected.add("gk_p" + i);
        }
        Instant until = now.plus(Duration.ofHours(1));

        long before = expiryIndexReads();
        Iterator<ExpiringToken> lazy = paged.previousTokensExpiring(null, until).iterator();
        assertEquals(before, expiryIndexReads(), "nothing read before the first item is asked for");
        assertTrue(lazy.hasNext());
        lazy.next();
        long forTheFirst = expiryIndexReads() - before;
        assertTrue(forTheFirst >= 1);

        List<String> all = new ArrayList<>();
        long start = expiryIndexReads();
        paged.previousTokensExpiring(null, until).forEach(t -> all.add(t.tokenId()));
        long forAll = expiryIndexReads() - start;

        assertEquals(expected.size(), all.size(), "no token twice: " + all);
        assertEquals(expected, new HashSet<>(all));
        assertTrue(forAll > expected.size(), "one item per page: more reads than tokens, " + forAll);
        assertTrue(forTheFirst < forAll, "the first item did not cost the whole index: " + forTheFirst);
    }

    // ---- the expiring-soon notice -----------------------------------------------------------------

    @Test
    public void claim_succeedsOncePerTokenAndExpiry_withTheTokensLastUse_andAgainForANewExpiry() {
        Instant expiry = now.plus(Duration.ofHours(20));
        ClientRecord v2 = rotated(created("C1", "a"), "b", expiry);
        store().recordLastUse(key("a"), now.minusSeconds(30), now.minusSeconds(400), BUDGET);
        ExpiringToken a = new ExpiringToken(key("a"), "C1", "gk_a", expiry);

        assertEquals(Set.of(), store().expiringSoonNoticesSent(List.of(a)));
        Optional<NoticeClaim> claim = store().claimExpiringSoonNotice(a);
        assertEquals(Optional.of(new NoticeClaim(a, now.minusSeconds(30))), claim);
        assertEquals(Optional.empty(), store().claimExpiringSoonNotice(a), "once per token and expiry");
        assertEquals(Set.of(key("a")), store().expiringSoonNoticesSent(List.of(a)));

        Instant moved = now.plus(Duration.ofHours(10));
        TokenRef rescheduled = v2.previous().get(0).expiringAt(moved);
        ClientRecord v3 = v2.withTokens(v2.current(), List.of(rescheduled));
        store().apply(new ClientChange(v2, v3, List.of(new TokenWrite.Update(rescheduled, TokenSlot.PREVIOUS)), List.of(), List.of()));
        ExpiringToken aMoved = new ExpiringToken(key("a"), "C1", "gk_a", moved);

        assertEquals(Set.of(), store().expiringSoonNoticesSent(List.of(aMoved)), "sent for the old expiry only");
        assertEquals(Optional.empty(), store().claimExpiringSoonNotice(a), "the old expiry is not the token's any more");
        assertTrue(store().claimExpiringSoonNotice(aMoved).isPresent(), "the new expiry is announced once more");
        assertEquals(Optional.empty(), store().claimExpiringSoonNotice(aMoved));
    }

    @Test
    public void claim_isRefused_forATokenThatIsNotThatClientsPreviousToken() {
        Instant expiry = now.plus(Duration.ofHours(20));
        rotated(created("C1", "a"), "b", expiry);

        assertEquals(Optional.empty(), store().claimExpiringSoonNotice(new ExpiringToken(key("a"), "C2", "gk_a", expiry)));
        assertEquals(Optional.empty(), store().claimExpiringSoonNotice(new ExpiringToken(key("b"), "C1", "gk_b", expiry)),
                "a current token has no notice");
        assertEquals(Optional.empty(), store().claimExpiringSoonNotice(new ExpiringToken(key("gone"), "C1", "gk_x", expiry)));
        assertNull(store().findToken(key("gone"), BUDGET), "a refused claim creates nothing");
        assertTrue(store().claimExpiringSoonNotice(new ExpiringToken(key("a"), "C1", "gk_a", expiry)).isPresent());
    }

    @Test
    public void release_givesTheClaimBack_soTheNextRunClaimsIt() {
        Instant expiry = now.plus(Duration.ofHours(20));
        rotated(created("C1", "a"), "b", expiry);
        ExpiringToken a = new ExpiringToken(key("a"), "C1", "gk_a", expiry);
        NoticeClaim claim = store().claimExpiringSoonNotice(a).orElseThrow();

        store().releaseExpiringSoonNotice(claim);

        assertEquals(Set.of(), store().expiringSoonNoticesSent(List.of(a)));
        assertTrue(store().claimExpiringSoonNotice(a).isPresent());
        store().releaseExpiringSoonNotice(new NoticeClaim(new ExpiringToken(key("gone"), "C1", "gk_x", expiry), null));
        assertNull(store().findToken(key("gone"), BUDGET), "releasing what is not there does nothing");
    }

    @Test
    public void noticesSent_readsAtMostOneBatch() {
        List<ExpiringToken> tooMany = IntStream.rangeClosed(0, SweepStore.MAX_NOTICE_READ)
                .mapToObj(i -> new ExpiringToken(key("n" + i), "C1", "gk_n" + i, now)).toList();
        assertThrows(IllegalArgumentException.class, () -> store().expiringSoonNoticesSent(tooMany));
        assertEquals(Set.of(), store().expiringSoonNoticesSent(tooMany.subList(0, SweepStore.MAX_NOTICE_READ)));
        assertEquals(Set.of(), store().expiringSoonNoticesSent(List.of()));
    }

    // ---- last use ---------------------------------------------------------------------------------

    @Test
    public void lastUse_isWrittenOnlyWhenTheStoredOneIsNotNewerThanTheInterval() {
        created("C1", "a");
        Duration interval = Duration.ofMinutes(5);

        store().recordLastUse(key("a"), now, now.minus(interval), BUDGET);
        assertEquals(now, store().findToken(key("a"), BUDGET).lastUsedAt(), "never used: written");

        Instant t1 = now.plusSeconds(60);
        store().recordLastUse(key("a"), t1, t1.minus(interval), BUDGET);
        assertEquals(now, store().findToken(key("a"), BUDGET).lastUsedAt(), "used within the interval: not written");

        Instant t2 = now.plus(interval);
        store().recordLastUse(key("a"), t2.plusMillis(300), t2.minus(interval), BUDGET);
        assertEquals(t2, store().findToken(key("a"), BUDGET).lastUsedAt(), "exactly the interval ago: written, to the second");

        store().recordLastUse(key("gone"), t2, t2.minus(interval), BUDGET);
        assertNull(store().findToken(key("gone"), BUDGET), "a missing token is not created by its last use");
    }

    // ---- orphans ----------------------------------------------------------------------------------

    @Test
    public void deleteExpiredOrphan_deletesOnlyThatClientsPreviousToken_onceExpired() {
        Instant expiry = now.plus(Duration.ofHours(1));
        rotated(created("C1", "a"), "b", expiry);
        ExpiringToken a = new ExpiringToken(key("a"), "C1", "gk_a", expiry);

        assertFalse(store().deleteExpiredOrphan(a, expiry.minusSeconds(1)), "not expired yet");
        assertFalse(store().deleteExpiredOrphan(new ExpiringToken(key("a"), "C2", "gk_a", expiry), expiry),
                "another client's");
        assertFalse(store().deleteExpiredOrphan(new ExpiringToken(key("b"), "C1", "gk_b", expiry), expiry.plusSeconds(9)),
                "a current token");
        assertNotNull(store().findToken(key("a"), BUDGET));

        assertTrue(store().deleteExpiredOrphan(a, expiry), "expired from expiresAt on");
        assertNull(store().findToken(key("a"), BUDGET));
        assertFalse(store().deleteExpiredOrphan(a, expiry), "gone already");
    }

    // ---- helpers ----------------------------------------------------------------------------------

    protected static TokenKey key(String name) {
        return TokenKey.of("key-" + name);
    }

    protected TokenRef ref(String name) {
        return new TokenRef(key(name), "gk_" + name, now, null);
    }

    protected ClientRecord client(String clientId, TokenRef current) {
        return new ClientRecord(clientId, "Fleet " + clientId, true, now, 1, current, List.of(), null, null);
    }

    protected static ClientChange create(ClientRecord client) {
        return new ClientChange(null, client, List.of(new TokenWrite.Create(client.current(), TokenSlot.CURRENT)),
                List.of(), List.of());
    }

    /** A rotation: {@code newToken} becomes current, the current token previous until {@code expiresAt}. */
    protected ClientChange rotate(ClientRecord before, String newToken, Instant expiresAt) {
        TokenRef demoted = before.current().expiringAt(expiresAt);
        List<TokenRef> previous = new ArrayList<>(before.previous());
        previous.add(0, demoted);
        ClientRecord after = before.withTokens(ref(newToken), previous);
        return new ClientChange(before, after, List.of(
                new TokenWrite.Create(after.current(), TokenSlot.CURRENT),
                new TokenWrite.Update(demoted, TokenSlot.PREVIOUS)), List.of(), List.of());
    }

    private ClientRecord created(String clientId, String token) {
        ClientRecord client = client(clientId, ref(token));
        store().apply(create(client));
        return client;
    }

    /** Stages {@code token} as the client's pending token of rotation {@code rotationId}, expiring at {@code expiresAt}. */
    private ClientRecord staged(ClientRecord before, String token, Instant expiresAt, String rotationId) {
        PendingToken pending = new PendingToken(new TokenRef(key(token), "gk_" + token, now, expiresAt), rotationId);
        ClientRecord after = before.withTokens(before.current(), before.previous(), pending);
        store().apply(new ClientChange(before, after, List.of(new TokenWrite.Create(pending.ref(), TokenSlot.PENDING)),
                List.of(), List.of()));
        return after;
    }

    private ClientRecord rotated(ClientRecord before, String newToken, Instant expiresAt) {
        ClientChange change = rotate(before, newToken, expiresAt);
        store().apply(change);
        return change.after();
    }

    private Replay replay(String requestId, Instant at) {
        return new Replay(requestId, "fp", at, Map.of("token", "sealed", "tokenId", "gk_a"));
    }

    /** What the ports read back for these clients and tokens: compare two to prove nothing was written. */
    private List<Object> state(List<String> clientIds, List<TokenKey> keys) {
        List<Object> state = new ArrayList<>();
        clientIds.forEach(id -> state.add(store().findClient(id)));
        state.add(store().findTokens(keys));
        return state;
    }

    private static List<String> ids(ClientPage page) {
        return page.clients().stream().map(ClientRecord::clientId).toList();
    }

    private static Set<String> tokenIds(Iterable<ExpiringToken> tokens) {
        Set<String> ids = new HashSet<>();
        tokens.forEach(t -> ids.add(t.tokenId()));
        return ids;
    }

    private static <T> List<T> list(Iterable<T> items) {
        List<T> out = new ArrayList<>();
        items.forEach(out::add);
        return Collections.unmodifiableList(out);
    }
}
