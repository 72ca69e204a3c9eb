package dev.gracekeys.core;

import dev.gracekeys.core.model.ClientRecord;
import dev.gracekeys.core.model.TokenSlot;
import dev.gracekeys.core.ops.TokenService;
import dev.gracekeys.core.store.ClientStore;
import dev.gracekeys.core.ops.Requests.RotateRequest;
import dev.gracekeys.core.ops.Results.RotateResult;
import dev.gracekeys.store.dynamodb.testing.DynamoDbLocalExtension;
import dev.gracekeys.core.testing.Fixture;
import dev.gracekeys.store.dynamodb.testing.TestTable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.Optional;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Rule: concurrent rotations of one client: exactly one wins per version, the others fail cleanly
 * with a retryable error; no orphaned token items, no client item pointing at a missing token.
 */
@ExtendWith(DynamoDbLocalExtension.class)
class ConcurrentRotationIT {

    private static final int THREADS = 10;
    private static final int ROUNDS = 5;

    @Test
    void tenThreadsRotatingOneClient_exactlyOneWinsPerVersion_othersGetConcurrentModification(TestTable table)
            throws Exception {
        Fixture f = new Fixture(table);
        String firstToken = f.create("GRACE01");
        // The real DynamoDB store, with every read of the client held at a barrier until all ten
        // threads have read it: all ten then race from the same version.
        ReadBarrierStore store = new ReadBarrierStore(f.core.store());
        TokenService service = TokenService.builder().store(store).pepper(Fixture.PEPPER)
                .config(f.config).events(f.events).clock(f.clock).build();
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        List<RotateResult> winners = new ArrayList<>();
        try {
            for (int round = 0; round < ROUNDS; round++) {
                long versionBefore = f.core.store().findClient("GRACE01").orElseThrow().version();
                store.arm(new CyclicBarrier(THREADS));
                List<Future<RotateResult>> attempts = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    attempts.add(pool.submit(() -> service.rotate(new RotateRequest("GRACE01", 3600L, null, null))));
                }
                int successes = 0;
                int conflicts = 0;
                RotateResult winner = null;
                for (Future<RotateResult> attempt : attempts) {
                    try {
                        winner = attempt.get(30, TimeUnit.SECONDS);
                        successes++;
                    } catch (java.util.concurrent.ExecutionException e) {
                        Throwable cause = e.getCause();
                        assertInstanceOf(ConcurrentModificationException.class, cause, "losers fail cleanly: " + cause);
                        assertTrue(((GraceKeysException) cause).retryable());
                        assertTrue(cause.getMessage().contains("retry"), cause.getMessage());
                        conflicts++;
                    }
                }
                assertEquals(1, successes, "exactly one rotation wins per version (round " + round + ")");
                assertEquals(THREADS - 1, conflicts);
                winners.add(winner);
                assertEquals(versionBefore + 1, f.core.store().findClient("GRACE01").orElseThrow().version());
                assertEquals(List.of(), f.violations(), "invariants after round " + round);
            }
        } finally {
            pool.shutdownNow();
        }

        // The table holds exactly the last winner as current and the one before as previous.
        store.arm(null);
        RotateResult last = winners.get(ROUNDS - 1);
        RotateResult beforeLast = winners.get(ROUNDS - 2);
        assertEquals(TokenSlot.CURRENT, f.verify(last.token()).slot());
        assertEquals(TokenSlot.PREVIOUS, f.verify(beforeLast.token()).slot());
        assertFalse(f.allowed(firstToken));
        for (RotateResult older : winners.subList(0, ROUNDS - 2)) {
            assertFalse(f.allowed(older.token()));
        }
        assertEquals(2, table.snapshot().stream().filter(i -> i.get("sk").s().equals("TOKEN")).count(),
                "no orphaned token item from a losing rotation");
    }

    /** Delegates to the real store; while armed, each client read waits for the others. */
    private static final class ReadBarrierStore extends DelegatingClientStore {
        private volatile CyclicBarrier barrier;

        ReadBarrierStore(ClientStore delegate) {
            super(delegate);
        }

        void arm(CyclicBarrier b) {
            barrier = b;
        }

        @Override
        public Optional<ClientRecord> findClient(String clientId) {
            Optional<ClientRecord> read = super.findClient(clientId);
            CyclicBarrier b = barrier;
            if (b != null) {
                try {
                    b.await(10, TimeUnit.SECONDS);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
            return read;
        }
    }
}
