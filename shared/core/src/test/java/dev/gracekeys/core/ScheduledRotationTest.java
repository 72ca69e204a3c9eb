package dev.gracekeys.core;

import dev.gracekeys.core.model.ClientRecord;
import dev.gracekeys.core.model.TokenRecord;
import dev.gracekeys.core.model.TokenSlot;
import dev.gracekeys.core.ops.Requests.RotateRequest;
import dev.gracekeys.core.ops.Requests.StatusRequest;
import dev.gracekeys.core.ops.RotationSecret;
import dev.gracekeys.core.ops.SecretRotation.Step;
import dev.gracekeys.core.store.ClientChange;
import dev.gracekeys.core.store.Replay;
import dev.gracekeys.core.store.SweepStore;
import dev.gracekeys.core.store.TokenLookup;
import dev.gracekeys.core.store.memory.InMemoryStore;
import dev.gracekeys.core.testing.Fixture;
import dev.gracekeys.core.testing.InMemorySecretsManager;
import dev.gracekeys.core.token.TokenKey;
import dev.gracekeys.core.verify.Verdict;
import dev.gracekeys.core.verify.Verdict.DenyReason;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;

import static dev.gracekeys.core.testing.Fixture.hours;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Scheduled rotation ({@link ScheduledRotationSemantics}) over the in-memory store: fast, and with
 * what needs the in-memory store's fault controls or many simulated minutes (the consumer).
 */
class ScheduledRotationTest extends ScheduledRotationSemantics {

    @Override
    protected Fixture fixture(UnaryOperator<GraceKeysConfig> settings) {
        return Fixture.inMemory(settings.apply(Fixture.defaults(Fixture.IN_MEMORY_TABLE)));
    }

    // Inside finishSecret: the stage moved, then the DynamoDB promotion failed. Both tokens verify
    // (nothing is stranded), no grace clock runs, and the retried finishSecret completes it.
    @Test
    void finishSecret_whosePromotionFailsAfterTheStageMoved_leavesBothVerifying_andItsRetryCompletes() {
        World w = world();
        String t = w.readyToFinish();
        String next = w.tokenAt(t);
        w.sm.afterMoveCurrent(() -> w.f.memory.failWith(new StoreUnavailableException("the table is down", null)));

        assertThrows(StoreUnavailableException.class, () -> w.step(Step.FINISH_SECRET, t));
        w.f.memory.failWith(null);
        w.sm.afterMoveCurrent(() -> { });

        assertEquals(next, w.current(), "AWSCURRENT moved first");
        assertEquals(TokenSlot.PENDING, w.verify(next).slot());
        assertEquals(TokenSlot.CURRENT, w.verify(w.firstToken).slot());
        assertEquals(List.of(), w.rotations);
        assertEquals(List.of(), w.f.events.events());

        w.f.clock.advance(hours(1));
        w.step(Step.FINISH_SECRET, t);
        assertEquals(TokenSlot.CURRENT, w.verify(next).slot());
        assertEquals(w.f.clock.instant().plus(hours(24)), w.verify(w.firstToken).previousExpiresAt());
        assertEquals(1, w.rotations.size());
        assertEquals(List.of(), w.f.violations());
    }

    // Second review, finding 1: a rotate whose commit times out may have been stored, so the version it
    // staged keeps its AWSPENDING label (a resend with the same requestId answers from the record).
    @Test
    void aRotateWhoseCommitFailsWithoutAnAnswer_leavesItsStagedVersionAlone() {
        World w = world();
        w.sm.beforeEach("stage", () -> w.f.memory.failWith(new StoreUnavailableException("the table is down", null)));
        assertThrows(StoreUnavailableException.class,
                () -> w.core.tokens().rotate(new RotateRequest(CLIENT, null, null, null)));
        w.sm.beforeEach("stage", null);
        w.f.memory.failWith(null);
        String staged = w.sm.versionWith(SECRET, RotationSecret.PENDING);
        assertNotNull(staged, "not discarded: the outcome is unknown");
        assertNotEquals(staged, w.sm.versionWith(SECRET, RotationSecret.CURRENT));
    }

    // A failure of the store during setSecret: nothing staged; the retry stages.
    @Test
    void setSecret_whenTheStoreFails_stagesNothing_andItsRetryStages() {
        World w = world();
        String t = w.rotation(Step.CREATE_SECRET);
        var before = w.f.snapshot();
        w.f.memory.failWith(new StoreUnavailableException("down", null));
        assertThrows(StoreUnavailableException.class, () -> w.step(Step.SET_SECRET, t));
        w.f.memory.failWith(null);
        assertEquals(before, w.f.snapshot());
        w.step(Step.SET_SECRET, t);
        assertEquals(TokenSlot.PENDING, w.verify(w.tokenAt(t)).slot());
    }

    // ---- version conflicts: the DynamoDB change is retried on a fresh read -------------------------

    /** The in-memory store, where another request changes the client just before each of the next {@code n} applies. */
    static final class RacingStore implements SweepStore, TokenLookup {
        final InMemoryStore store = new InMemoryStore();
        final AtomicInteger races = new AtomicInteger();
        Runnable race = () -> { };

        private void raceFirst() {
            if (races.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                race.run();
            }
        }

        @Override public void apply(ClientChange change) { raceFirst(); store.apply(change); }
        @Override public void apply(ClientChange change, Replay replay) { raceFirst(); store.apply(change, replay); }
        @Override public Optional<ClientRecord> findClient(String clientId) { return store.findClient(clientId); }
        @Override public Optional<Replay> findReplay(String requestId) { return store.findReplay(requestId); }
        @Override public void applyAll(List<ClientChange> changes) { store.applyAll(changes); }
        @Override public Map<TokenKey, TokenRecord> findTokens(Collection<TokenKey> keys) { return store.findTokens(keys); }
        @Override public ClientPage listClients(int limit, String after) { return store.listClients(limit, after); }
        @Override public boolean deleteExpiredOrphan(ExpiringToken token, Instant now) { return store.deleteExpiredOrphan(token, now); }
        @Override public Iterable<ExpiringToken> previousTokensExpiring(Instant after, Instant until) { return store.previousTokensExpiring(after, until); }
        @Override public Set<TokenKey> expiringSoonNoticesSent(List<ExpiringToken> tokens) { return store.expiringSoonNoticesSent(tokens); }
        @Override public Optional<NoticeClaim> claimExpiringSoonNotice(ExpiringToken token) { return store.claimExpiringSoonNotice(token); }
        @Override public void releaseExpiringSoonNotice(NoticeClaim claim) { store.releaseExpiringSoonNotice(claim); }
        @Override public TokenRecord findToken(TokenKey key, Duration budget) { return store.findToken(key, budget); }
        @Override public void recordLastUse(TokenKey key, Instant now, Instant since, Duration budget) { store.recordLastUse(key, now, since, budget); }
    }

    /** A client on a racing store, whose every race renames nothing but bumps the client's version (set-status twice). */
    private static final class Race {
        final RacingStore store = new RacingStore();
        final Fixture.InMemory backing = new Fixture.InMemory(store.store);
        final Fixture f = new Fixture(backing);
        final InMemorySecretsManager sm = new InMemorySecretsManager();
        final GraceKeys core;
        final String first;

        Race() {
            sm.createSecret(SECRET, null);
            core = GraceKeys.builder().config(f.config).store(store).pepper(Fixture.PEPPER).events(f.events)
                    .clock(f.clock).rotationSecret(sm).delivery(sm.delivery()).build();
            first = core.tokens().rotate(new dev.gracekeys.core.ops.Requests.RotateRequest(CLIENT, null, true, null, SECRET))
                    .token();
            store.race = () -> {
                int left = store.races.getAndSet(0); // the racer's own changes do not race
                f.core.tokens().setStatus(new StatusRequest(CLIENT, false, null));
                f.core.tokens().setStatus(new StatusRequest(CLIENT, true, null));
                store.races.set(left);
            };
        }

        void step(Step step, String t) {
            core.secretRotation().run(step, SECRET, t);
        }
    }

    @Test
    void setSecretAndFinishSecret_retryTheirChange_whenAnotherRequestChangedTheClient() {
        Race r = new Race();
        String t = r.sm.startRotation(SECRET);
        r.step(Step.CREATE_SECRET, t);
        r.store.races.set(2);
        r.step(Step.SET_SECRET, t);
        assertEquals(0, r.store.races.get());
        String next = tokenOf(r.sm.value(SECRET, t, RotationSecret.PENDING));
        assertEquals(TokenSlot.PENDING, r.core.verifier().verify(next).slot());
        r.step(Step.TEST_SECRET, t);
        r.store.races.set(2);
        r.step(Step.FINISH_SECRET, t);
        assertEquals(TokenSlot.CURRENT, r.core.verifier().verify(next).slot());
        assertEquals(TokenSlot.PREVIOUS, r.core.verifier().verify(r.first).slot());
        assertEquals(List.of(), r.f.violations());
    }

    @Test
    void setSecretAndFinishSecret_giveUpAfterThreeConflicts_withAConcurrentModificationError() {
        Race r = new Race();
        String t = r.sm.startRotation(SECRET);
        r.step(Step.CREATE_SECRET, t);
        r.store.races.set(3);
        assertThrows(ConcurrentModificationException.class, () -> r.step(Step.SET_SECRET, t));
        assertNull(r.store.findClient(CLIENT).orElseThrow().pending());
        r.step(Step.SET_SECRET, t);
        r.step(Step.TEST_SECRET, t);
        r.store.races.set(3);
        assertThrows(ConcurrentModificationException.class, () -> r.step(Step.FINISH_SECRET, t));
        assertEquals(TokenSlot.CURRENT, r.core.verifier().verify(r.first).slot(), "not promoted");
        r.step(Step.FINISH_SECRET, t); // AWSCURRENT is on t: the retry completes the promotion
        assertEquals(TokenSlot.PREVIOUS, r.core.verifier().verify(r.first).slot());
        assertEquals(List.of(), r.f.violations());
    }

    // ---- THE consumer -----------------------------------------------------------------------------

    /** A consumer of the delivery secret: reads AWSCURRENT through a cache of TTL 1 h, pushes every minute. */
    private static final class Consumer {
        private final Duration ttl = hours(1);
        private String token;
        private Instant readAt;

        Consumer(Instant readAt) {
            this.readAt = readAt;
        }

        String token(World w, Instant now) {
            if (token == null || !now.isBefore(readAt.plus(ttl))) {
                token = w.current();
                readAt = now;
            }
            return token;
        }
    }

    // Consumers reading AWSCURRENT through a 1 h cache and pushing every minute across several
    // scheduled rotations (every 2 days; one abandoned; one whose promotion failed and whose
    // finishSecret came again an hour later) are never denied; and a superseded token stops at its
    // promotion + grace. Then the runbook's setup again (review F1): a manual rotate with
    // deliverToSecretId, whose token a pusher also holds out-of-band (the operator handed it over),
    // and rotation turned on five minutes later: refused while the previous token's grace runs,
    // Secrets Manager's retry a day later goes through; the pusher is denied only when its own token's
    // grace ends, and the cached consumers never.
    @Test
    void aConsumerReadingAwsCurrentThroughAnHourlyCache_isNeverDenied_acrossScheduledRotations() {
        World w = world();
        Instant start = w.f.clock.instant();
        List<Consumer> consumers = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            // Phases across the hour, the first read a cache that is full now.
            consumers.add(new Consumer(start.minus(Duration.ofMinutes(10L * i))));
        }
        for (Consumer c : consumers) {
            c.token = w.firstToken;
        }
        // What happens at which minute.
        Map<Long, Runnable> plan = new LinkedHashMap<>();
        String[] t = new String[4];
        long day = 24 * 60;
        // Rotation 1, every step a minute apart.
        plan.put(2 * day, () -> t[0] = w.rotation(Step.CREATE_SECRET));
        plan.put(2 * day + 1, () -> w.step(Step.SET_SECRET, t[0]));
        plan.put(2 * day + 2, () -> w.step(Step.TEST_SECRET, t[0]));
        plan.put(2 * day + 3, () -> w.step(Step.FINISH_SECRET, t[0]));
        // Rotation 2, abandoned after setSecret; an operator clears its AWSPENDING a day later.
        plan.put(4 * day, () -> t[1] = w.rotation(Step.CREATE_SECRET, Step.SET_SECRET));
        plan.put(5 * day, () -> w.sm.moveStageByHand(SECRET, RotationSecret.PENDING, null));
        // Rotation 3: finishSecret moves the stage, its promotion fails; Secrets Manager retries an hour later.
        plan.put(6 * day, () -> t[2] = w.readyToFinish());
        plan.put(6 * day + 1, () -> {
            w.sm.afterMoveCurrent(() -> w.f.memory.failWith(new StoreUnavailableException("blip", null)));
            assertThrows(StoreUnavailableException.class, () -> w.step(Step.FINISH_SECRET, t[2]));
            w.f.memory.failWith(null);
            w.sm.afterMoveCurrent(() -> { });
        });
        plan.put(6 * day + 61, () -> w.step(Step.FINISH_SECRET, t[2]));
        // Rotation 4, all steps at once.
        plan.put(8 * day + 30, () -> t[3] = w.fullRotation());
        // The runbook's setup: rotate with deliverToSecretId, a pusher takes the token out-of-band,
        // then rotation is turned on (rotating at once): refused while rotation 4's token's grace runs.
        String[] outOfBand = new String[1];
        String[] t5 = new String[1];
        plan.put(9 * day + 60, () -> outOfBand[0] = w.core.tokens()
                .rotate(new dev.gracekeys.core.ops.Requests.RotateRequest(CLIENT, null, null, null, SECRET)).token());
        List<GraceWindowOpenException> refused = new ArrayList<>();
        plan.put(9 * day + 65, () -> {
            t5[0] = w.sm.startRotation(SECRET);
            try {
                for (Step s : Step.values()) {
                    w.step(s, t5[0]);
                }
            } catch (GraceWindowOpenException e) {
                refused.add(e);
            }
        });
        plan.put(10 * day + 61, () -> { // Secrets Manager retries the same rotation
            for (Step s : Step.values()) {
                w.step(s, t5[0]);
            }
        });

        Map<String, Instant> promotedAway = new LinkedHashMap<>(); // token -> when it stopped being current
        String current = w.firstToken;
        int denied = 0;
        int pushes = 0;
        Set<String> held = new HashSet<>();
        Instant pusherFirstDenied = null;
        for (long minute = 0; minute <= 12 * day; minute++) {
            Instant now = start.plus(Duration.ofMinutes(minute));
            w.f.clock.set(now);
            Runnable r = plan.get(minute);
            if (r != null) {
                r.run();
            }
            String nowCurrent = w.f.core.store().findClient(CLIENT).orElseThrow().current().tokenId();
            if (!nowCurrent.equals(w.verify(current).tokenId())) {
                promotedAway.put(current, now);
                current = w.current();
            }
            for (Consumer c : consumers) {
                String token = c.token(w, now);
                held.add(token);
                pushes++;
                Verdict v = w.verify(token);
                if (!v.allowed()) {
                    denied++;
                }
            }
            if (outOfBand[0] != null && pusherFirstDenied == null && !w.verify(outOfBand[0]).allowed()) {
                pusherFirstDenied = now;
            }
        }
        assertEquals(0, denied, "denied pushes of " + pushes);
        assertEquals(1, refused.size(), "turning rotation on right after the manual rotate is refused");
        assertEquals(6, held.size(), "the consumers held the first token, those of the three finished rotations,"
                + " the manual rotate's and the last rotation's");
        assertEquals(5, promotedAway.size());
        assertEquals(5, w.rotations.size(), "four scheduled rotations finished and one manual rotate");
        assertEquals(promotedAway.get(outOfBand[0]).plus(w.f.config.defaultGrace()), pusherFirstDenied,
                "the out-of-band pusher is denied only when its token's grace window ends");
        assertEquals(start.plus(Duration.ofDays(10)).plus(Duration.ofMinutes(61)), promotedAway.get(outOfBand[0]),
                "promoted away by the retried rotation, not by the refused one");
        // A superseded token stops at its promotion + grace (the next rotation did not come earlier).
        for (Map.Entry<String, Instant> e : promotedAway.entrySet()) {
            w.f.clock.set(e.getValue().plus(hours(24)).minusSeconds(1));
            Verdict before = w.verify(e.getKey());
            w.f.clock.set(e.getValue().plus(hours(24)));
            Verdict at = w.verify(e.getKey());
            if (before.allowed()) {
                assertEquals(TokenSlot.PREVIOUS, before.slot());
                assertFalse(at.allowed(), "stops at promotion + grace");
            } else {
                assertEquals(DenyReason.UNKNOWN, before.reason(), "removed by the sweep-free next change");
            }
        }
        w.f.clock.set(start.plus(Duration.ofDays(13)));
        for (String old : promotedAway.keySet()) {
            assertFalse(w.verify(old).allowed(), "an old token stops after grace");
        }
        assertEquals(List.of(), w.f.violations());
    }
}
