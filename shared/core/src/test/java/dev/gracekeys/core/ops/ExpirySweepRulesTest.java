package dev.gracekeys.core.ops;

import dev.gracekeys.testkit.MutableClock;

import dev.gracekeys.core.events.DomainEvent;
import dev.gracekeys.core.events.EventPublisher;
import dev.gracekeys.core.model.Times;
import dev.gracekeys.core.ops.Results.RotateResult;
import dev.gracekeys.core.ops.Results.SweepResult;
import dev.gracekeys.core.testing.Fixture;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The sweep's rules over the in-memory store, end to end through the real services: the
 * expiring-soon notice goes out once per token, a failed publish gives its claim back, a run that
 * stops at its deadline is finished by the next, and expired tokens leave with their client's
 * pointer. {@code ExpirySweepIT} and {@code ExpiringSoonNoticeIT} check the same over DynamoDB Local.
 */
class ExpirySweepRulesTest {

    private final Fixture f = Fixture.inMemory();

    /** Clients C0..C(n-1), each with a previous token expiring in {@code grace}. */
    private List<RotateResult> clientsWithPrevious(int n, Duration grace) {
        List<RotateResult> rotations = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            f.create("C" + i);
            rotations.add(f.rotateResult("C" + i, grace));
        }
        return rotations;
    }

    @Test
    void theExpiringSoonNotice_goesOutOncePerToken_withItsLastUse() {
        String first = f.create("C1");
        RotateResult r = f.rotateResult("C1", Duration.ofHours(20));
        assertTrue(f.allowed(first)); // its last use is recorded
        f.create("C2");
        f.rotate("C2", Duration.ofHours(30)); // not within 24 h yet
        f.events.clear();

        SweepResult run = f.core.sweeper().sweep();
        assertTrue(run.complete());
        assertEquals(1, run.expiringSoon());
        assertEquals(0, run.expired());
        List<DomainEvent> soon = f.events.ofType(DomainEvent.PREVIOUS_TOKEN_EXPIRING_SOON);
        assertEquals(1, soon.size());
        assertEquals(r.previous().tokenId(), soon.get(0).detail().get("tokenId"));
        assertEquals("C1", soon.get(0).detail().get("clientId"));
        assertEquals(Times.format(r.previous().expiresAt()), soon.get(0).detail().get("expiresAt"));
        assertEquals(Times.format(Times.second(f.clock.instant())), soon.get(0).detail().get("lastUsedAt"));

        Object after = f.snapshot();
        SweepResult again = f.core.sweeper().sweep();
        assertTrue(again.complete());
        assertEquals(1, again.expiringSoon(), "still expiring soon, counted again");
        assertEquals(1, f.events.ofType(DomainEvent.PREVIOUS_TOKEN_EXPIRING_SOON).size(), "but not sent again");
        assertEquals(after, f.snapshot(), "a re-run writes nothing");
    }

    @Test
    void aFailedPublish_givesTheClaimBack_soTheNextRunSendsTheNotice() {
        clientsWithPrevious(3, Duration.ofHours(2));
        List<DomainEvent> sent = new ArrayList<>();
        boolean[] failing = {true};
        EventPublisher flaky = batch -> {
            if (failing[0]) {
                throw new IllegalStateException("bus down");
            }
            sent.addAll(batch);
        };
        ExpirySweeper sweeper = new ExpirySweeper(f.core.store(), flaky, f.clock);
        SweepResult failed = sweeper.sweep();
        assertFalse(failed.complete(), "work was left");
        assertTrue(sent.isEmpty());

        failing[0] = false;
        SweepResult next = sweeper.sweep();
        assertTrue(next.complete());
        assertEquals(3, sent.size(), "every notice, the one given back included, is sent by the next run");
        assertEquals(3, sent.stream().map(e -> e.detail().get("tokenId")).distinct().count());
    }

    @Test
    void expiredTokens_leaveWithTheirClientsPointer_andAreReported() {
        List<RotateResult> rotations = clientsWithPrevious(2, Duration.ofMinutes(5));
        f.clock.advance(Duration.ofMinutes(6));
        f.events.clear();
        SweepResult run = f.core.sweeper().sweep();
        assertTrue(run.complete());
        assertEquals(2, run.expired());
        assertEquals(f.clock.instant().getEpochSecond(), run.checkedAt().getEpochSecond());
        assertEquals(2, f.events.ofType(DomainEvent.PREVIOUS_TOKEN_EXPIRED).size());
        for (RotateResult r : rotations) {
            assertTrue(f.core.store().findClient(r.clientId()).orElseThrow().previous().isEmpty());
        }
        assertTrue(f.memory.tokenRecords().values().stream().noneMatch(t -> t.expiresAt() != null));
        assertTrue(f.violations().isEmpty(), f.violations().toString());
        assertEquals(0, f.core.sweeper().sweep().expired(), "nothing left for the next run");
    }

    @Test
    void anOrphanedExpiredItem_isDeletedAndReported() {
        RotateResult r = clientsWithPrevious(1, Duration.ofMinutes(5)).get(0);
        f.clock.advance(Duration.ofMinutes(6));
        f.memory.removeClientItem("C0");
        SweepResult run = f.core.sweeper().sweep();
        assertEquals(1, run.expired());
        assertEquals(r.previous().tokenId(),
                f.events.ofType(DomainEvent.PREVIOUS_TOKEN_EXPIRED).get(0).detail().get("tokenId"));
        assertTrue(f.memory.tokenRecords().values().stream().noneMatch(t -> r.previous().tokenId().equals(t.tokenId())));
    }

    @Test
    void aZeroBudget_doesNothing_andSaysWorkIsLeft() {
        clientsWithPrevious(2, Duration.ofHours(1));
        Object before = f.snapshot();
        f.events.clear();
        SweepResult run = f.core.sweeper().sweep(Duration.ZERO);
        assertFalse(run.complete());
        assertEquals(0, run.expiringSoon());
        assertEquals(before, f.snapshot());
        assertTrue(f.events.events().isEmpty());
    }

    @Test
    void aRunStoppedAtItsDeadline_isFinishedByTheNext_withEachNoticeOnce() {
        clientsWithPrevious(6, Duration.ofHours(2));
        f.events.clear();
        ExpirySweeper slow = new ExpirySweeper(f.core.store(), f.events, ticking(f.clock.instant()));
        SweepResult first = slow.sweep(Duration.ofSeconds(6));
        assertFalse(first.complete());
        int sentFirst = f.events.ofType(DomainEvent.PREVIOUS_TOKEN_EXPIRING_SOON).size();
        assertTrue(sentFirst > 0 && sentFirst < 6, "some, not all: " + sentFirst);

        SweepResult rest = slow.sweep(Duration.ofMinutes(5));
        assertTrue(rest.complete());
        assertEquals(6, f.events.ofType(DomainEvent.PREVIOUS_TOKEN_EXPIRING_SOON).size());
        assertEquals(6, f.events.ofType(DomainEvent.PREVIOUS_TOKEN_EXPIRING_SOON).stream()
                .map(e -> e.detail().get("tokenId")).distinct().count());
    }

    /** A clock that moves one second on every reading: each step of the sweep takes a second. */
    private static MutableClock ticking(Instant start) {
        AtomicLong readings = new AtomicLong();
        return MutableClock.pacedBy(start, readings::getAndIncrement, Duration.ofSeconds(1));
    }
}
