package dev.gracekeys.core.ops;

import dev.gracekeys.core.events.DomainEvent;
import dev.gracekeys.core.model.ClientRecord;
import dev.gracekeys.core.model.TokenRef;
import dev.gracekeys.core.ops.Results.SweepResult;
import dev.gracekeys.core.store.ChangeRejectedException;
import dev.gracekeys.core.store.ClientChange;
import dev.gracekeys.core.store.ClientStore.ExpiringToken;
import dev.gracekeys.core.store.SweepStore;
import dev.gracekeys.core.store.SweepStore.NoticeClaim;
import dev.gracekeys.core.store.TokenWrite;
import dev.gracekeys.core.testing.CollectingEventPublisher;
import dev.gracekeys.testkit.MutableClock;
import dev.gracekeys.core.token.TokenKey;
import org.junit.jupiter.api.Test;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The sweep's own rules over a scripted {@link SweepStore}, with no DynamoDB: how it paces itself
 * against its deadline, how it batches its notice reads, how often it retries a client that keeps
 * changing, and that an expired token goes together with its client's pointer. The script is the
 * store's contract in miniature (the index, the claims, the clients, a version check that can be made
 * to fail); {@code ExpirySweepIT} and {@code ExpiringSoonNoticeIT} run the sweep on DynamoDB Local.
 */
class ExpirySweeperTest {

    private static final Instant T0 = Instant.parse("2026-11-23T17:00:00Z");

    private final MutableClock clock = new MutableClock(T0);
    private final CollectingEventPublisher events = new CollectingEventPublisher();
    private final Script script = new Script();
    private final ExpirySweeper sweeper = new ExpirySweeper(script.store(), events, clock);

    /** The store as the sweep sees it; each operation can be made to take time on the clock. */
    private final class Script implements InvocationHandler {
        final Map<String, ClientRecord> clients = new HashMap<>();
        final List<ExpiringToken> index = new ArrayList<>();
        final Set<TokenKey> claimed = new HashSet<>();
        final List<Integer> noticeReads = new ArrayList<>();
        final List<ClientChange> applied = new ArrayList<>();
        final List<ExpiringToken> orphansDeleted = new ArrayList<>();
        int applyCalls;
        /** Claims tried, refused ones included (each is a conditional write on DynamoDB). */
        int claimAttempts;
        /** How many applies fail their version check (another request changed the client). */
        int rejections;
        Duration claimTakes = Duration.ZERO;
        Duration applyTakes = Duration.ZERO;

        SweepStore store() {
            return (SweepStore) Proxy.newProxyInstance(SweepStore.class.getClassLoader(),
                    new Class<?>[]{SweepStore.class}, this);
        }

        @Override
        public Object invoke(Object proxy, Method method, Object[] args) {
            switch (method.getName()) {
                case "previousTokensExpiring": {
                    Instant after = (Instant) args[0];
                    Instant until = (Instant) args[1];
                    return index.stream()
                            .filter(t -> (after == null || t.expiresAt().isAfter(after)) && !t.expiresAt().isAfter(until))
                            .toList();
                }
                case "expiringSoonNoticesSent": {
                    @SuppressWarnings("unchecked")
                    List<ExpiringToken> batch = (List<ExpiringToken>) args[0];
                    if (batch.size() > SweepStore.MAX_NOTICE_READ) { // as DynamoDB's BatchGetItem
                        throw new IllegalArgumentException(batch.size() + " keys in one batch read");
                    }
                    noticeReads.add(batch.size());
                    Set<TokenKey> sent = new HashSet<>();
                    batch.stream().map(ExpiringToken::key).filter(claimed::contains).forEach(sent::add);
                    return sent;
                }
                case "claimExpiringSoonNotice": {
                    clock.advance(claimTakes);
                    claimAttempts++;
                    ExpiringToken t = (ExpiringToken) args[0];
                    return claimed.add(t.key()) ? Optional.of(new NoticeClaim(t, null)) : Optional.empty();
                }
                case "releaseExpiringSoonNotice":
                    claimed.remove(((NoticeClaim) args[0]).token().key());
                    return null;
                case "findClient":
                    return Optional.ofNullable(clients.get((String) args[0]));
                case "apply": {
                    assertEquals(1, args.length, "the sweep records no replay");
                    clock.advance(applyTakes);
                    applyCalls++;
                    if (applyCalls > 10) {
                        throw new AssertionError("the sweep keeps retrying one client");
                    }
                    if (rejections > 0) {
                        rejections--;
                        throw new ChangeRejectedException(ChangeRejectedException.Reason.VERSION_CHANGED);
                    }
                    ClientChange change = (ClientChange) args[0];
                    applied.add(change);
                    clients.put(change.after().clientId(), change.after());
                    for (TokenWrite w : change.tokenWrites()) {
                        if (w instanceof TokenWrite.Delete) {
                            index.removeIf(t -> t.key().equals(w.key()));
                        }
                    }
                    return null;
                }
                case "deleteExpiredOrphan": {
                    ExpiringToken t = (ExpiringToken) args[0];
                    orphansDeleted.add(t);
                    index.remove(t);
                    return true;
                }
                case "toString":
                    return "script";
                case "hashCode":
                    return System.identityHashCode(proxy);
                case "equals":
                    return proxy == args[0];
                default:
                    throw new UnsupportedOperationException("the sweep does not call " + method.getName());
            }
        }
    }

    private static TokenRef ref(String tokenId, Instant expiresAt) {
        return new TokenRef(TokenKey.of("key-" + tokenId), tokenId, T0.minus(Duration.ofDays(2)), expiresAt);
    }

    /** A client whose previous slot holds {@code previous}, each in the expiry index. */
    private ClientRecord client(String clientId, TokenRef... previous) {
        ClientRecord c = new ClientRecord(clientId, null, true, T0.minus(Duration.ofDays(3)), 7,
                ref(clientId + "-cur", null), List.of(previous), null, null);
        script.clients.put(clientId, c);
        for (TokenRef p : previous) {
            script.index.add(new ExpiringToken(p.key(), clientId, p.tokenId(), p.expiresAt()));
        }
        return c;
    }

    private List<Object> tokenIdsOf(String eventType) {
        return events.ofType(eventType).stream().map(e -> e.detail().get("tokenId")).toList();
    }

    @Test
    void everyTokenExpiringSoonIsAnnounced_withBatchReadsOfAtMostOneHundred() {
        for (int i = 0; i < 250; i++) {
            client(String.format("SOON%03d", i), ref(String.format("s%03d", i), T0.plus(Duration.ofHours(20))));
        }

        SweepResult r = sweeper.sweep();

        assertTrue(r.complete());
        assertEquals(250, r.expiringSoon());
        assertEquals(250, events.ofType(DomainEvent.PREVIOUS_TOKEN_EXPIRING_SOON).size());
        assertEquals(List.of(100, 100, 50), script.noticeReads);
    }

    @Test
    void aReRun_readsPastTheNoticesSentAlready_withoutTryingToClaimThem() {
        for (int i = 0; i < 3; i++) {
            client("SOON0" + i, ref("s" + i, T0.plus(Duration.ofHours(20))));
        }
        sweeper.sweep();
        assertEquals(3, script.claimAttempts);

        SweepResult again = sweeper.sweep();

        assertTrue(again.complete());
        assertEquals(3, again.expiringSoon());
        assertEquals(3, script.claimAttempts, "a notice sent already costs a read, not a refused write");
        assertEquals(3, events.ofType(DomainEvent.PREVIOUS_TOKEN_EXPIRING_SOON).size());
    }

    @Test
    void announcing_startsAClaimOnlyIfItWouldEndByTheDeadline_judgingByTheLongestStepSoFar() {
        for (int i = 0; i < 5; i++) {
            client("SOON0" + i, ref("s" + i, T0.plus(Duration.ofHours(20))));
        }
        script.claimTakes = Duration.ofSeconds(10);

        SweepResult r = sweeper.sweep(Duration.ofSeconds(25));

        // Claims at 0 s and 10 s; a third at 20 s would end at 30 s, past the deadline.
        assertFalse(clock.instant().isAfter(T0.plusSeconds(25)), "ended at " + clock.instant());
        assertEquals(2, events.ofType(DomainEvent.PREVIOUS_TOKEN_EXPIRING_SOON).size());
        assertFalse(r.complete());
    }

    @Test
    void removing_startsAClientOnlyIfItWouldEndByTheDeadline_judgingByTheLongestStepSoFar() {
        for (int i = 0; i < 5; i++) {
            client("GONE0" + i, ref("g" + i, T0.minus(Duration.ofHours(1))));
        }
        script.applyTakes = Duration.ofSeconds(10);

        SweepResult r = sweeper.sweep(Duration.ofSeconds(25));

        assertFalse(clock.instant().isAfter(T0.plusSeconds(25)), "ended at " + clock.instant());
        assertEquals(2, r.expired());
        assertFalse(r.complete());
        assertEquals(3, script.index.size(), "the rest is left in the index for the next run");
    }

    @Test
    void anExpiredToken_goesTogetherWithItsClientsPointer_inOneChange() {
        TokenRef live = ref("live", T0.plus(Duration.ofHours(30)));
        TokenRef expired = ref("expired", T0.minus(Duration.ofMinutes(1)));
        client("C1", live, expired);

        SweepResult r = sweeper.sweep();

        assertEquals(1, r.expired());
        assertTrue(r.complete());
        assertEquals(List.of(), script.orphansDeleted, "the item is not deleted behind its client's back");
        assertEquals(1, script.applied.size());
        ClientChange change = script.applied.get(0);
        assertEquals(List.of(live), change.after().previous(), "the pointer goes, the live token stays");
        assertEquals(List.of(new TokenWrite.Delete(expired.key())), change.tokenWrites());
        assertEquals(List.of("expired"), tokenIdsOf(DomainEvent.PREVIOUS_TOKEN_EXPIRED));
    }

    @Test
    void anOrphanedExpiredItem_isDeletedAndReported_whileItsClientKeepsItsLivePreviousToken() {
        // The client moved on (its pointer to "lost" is gone, after a fault) and has a live previous token.
        client("C1", ref("live", T0.plus(Duration.ofHours(30))));
        ExpiringToken orphan = new ExpiringToken(TokenKey.of("key-lost"), "C1", "lost", T0.minus(Duration.ofHours(1)));
        script.index.add(orphan);
        ClientRecord before = script.clients.get("C1");

        SweepResult r = sweeper.sweep();

        assertEquals(List.of(orphan), script.orphansDeleted);
        assertEquals(List.of(), script.applied, "the client itself is not changed");
        assertEquals(before, script.clients.get("C1"));
        assertEquals(1, r.expired());
        assertTrue(r.complete());
        assertEquals(List.of("lost"), tokenIdsOf(DomainEvent.PREVIOUS_TOKEN_EXPIRED));
    }

    @Test
    void aClientChangedDuringTheSweep_isReadAgain_andSwept() {
        client("C1", ref("expired", T0.minus(Duration.ofHours(1))));
        script.rejections = 2;

        SweepResult r = sweeper.sweep();

        assertEquals(3, script.applyCalls);
        assertEquals(1, r.expired());
        assertTrue(r.complete());
        assertEquals(List.of(), script.clients.get("C1").previous());
    }

    @Test
    void aClientThatKeepsChanging_isLeftForTheNextRun_afterThreeAttempts() {
        client("C1", ref("expired", T0.minus(Duration.ofHours(1))));
        client("C2", ref("expired2", T0.minus(Duration.ofHours(1))));
        script.rejections = 3;

        SweepResult r = sweeper.sweep();

        assertEquals(3 + 1, script.applyCalls, "three attempts for C1, then C2 in one");
        assertFalse(r.complete(), "work was left");
        assertEquals(1, r.expired());
        assertEquals(List.of("expired2"), tokenIdsOf(DomainEvent.PREVIOUS_TOKEN_EXPIRED));
        assertEquals(1, script.clients.get("C1").previous().size(), "C1 keeps its expired pointer for the next run");

        SweepResult next = sweeper.sweep();
        assertTrue(next.complete());
        assertEquals(1, next.expired());
    }
}
