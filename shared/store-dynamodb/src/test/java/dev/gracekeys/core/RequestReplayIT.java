package dev.gracekeys.core;

import dev.gracekeys.core.events.DomainEvent;
import dev.gracekeys.core.ops.Requests.RevokeRequest;
import dev.gracekeys.core.ops.Requests.RotateRequest;
import dev.gracekeys.core.ops.Requests.StatusRequest;
import dev.gracekeys.core.ops.Results.RevokeResult;
import dev.gracekeys.core.ops.Results.RotateResult;
import dev.gracekeys.store.dynamodb.DynamoDbGraceKeys;
import dev.gracekeys.store.dynamodb.testing.DynamoDbLocalExtension;
import dev.gracekeys.core.testing.Fixture;
import dev.gracekeys.store.dynamodb.testing.TestTable;
import dev.gracekeys.core.token.Pepper;
import dev.gracekeys.core.token.PepperRing;
import dev.gracekeys.core.token.PepperSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static dev.gracekeys.core.testing.Fixture.hours;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Issue 11, defect 4: state-changing ops calls are safe to resend. The AWS CLI and SDKs resend a
 * request whose response was lost; with {@code MAX_PREVIOUS_TOKENS=1} a rotate that ran twice
 * dropped the token the fleet still uses. With a {@code requestId}, a resend within 15 minutes
 * returns the first call's answer (the same token) and changes nothing.
 *
 * <p>The rule itself (a resend returns the same token, within the window only, and the same
 * requestId with other parameters is refused) is in {@link RotationSemantics}, which runs it over
 * DynamoDB Local and over the in-memory store; here are the rest: every operation, resends racing,
 * a pepper rotation in between, and what the table holds.
 */
@ExtendWith(DynamoDbLocalExtension.class)
class RequestReplayIT {

    private static final long GRACE = hours(24).toSeconds();

    private static RotateRequest rotate(String clientId, String requestId) {
        return new RotateRequest(clientId, GRACE, null, null, null, requestId);
    }

    /** What a resend without requestId does: the reason requestId exists. */
    @Test
    void withoutRequestId_aResentRotate_dropsTheTokenThePushersStillUse(TestTable table) {
        Fixture f = new Fixture(table);
        String fleet = f.create("GRACE01");
        f.core.tokens().rotate(rotate("GRACE01", null));
        f.core.tokens().rotate(rotate("GRACE01", null)); // the resend
        assertFalse(f.allowed(fleet), "rotated twice: the fleet's token fell out of the single previous slot");
    }

    @Test
    void aResentCreate_returnsTheFirstToken_insteadOfClientAlreadyExists(TestTable table) {
        Fixture f = new Fixture(table);
        RotateRequest create = new RotateRequest("NEW01", null, true, "Fleet", null, "create-NEW01");
        RotateResult first = f.core.tokens().rotate(create);
        RotateResult resent = f.core.tokens().rotate(create);
        assertEquals(first.token(), resent.token());
        assertTrue(f.allowed(resent.token()));
        assertEquals(1, f.events.ofType(DomainEvent.CLIENT_CREATED).size());
        assertThrows(ClientAlreadyExistsException.class, () -> f.core.tokens().rotate(
                new RotateRequest("NEW01", null, true, "Fleet", null, "another-id")));
    }

    @Test
    void badRequestIds_areValidationErrors_thatDoNotQuoteThem(TestTable table) {
        Fixture f = new Fixture(table);
        String token = f.create("GRACE01");
        for (String bad : List.of("", "has space", "x".repeat(65), "semi;colon", token)) {
            ValidationException e = assertThrows(ValidationException.class,
                    () -> f.core.tokens().rotate(rotate("GRACE01", bad)), bad);
            assertTrue(e.getMessage().startsWith("requestId"), e.getMessage());
            if (!bad.isEmpty()) {
                assertFalse(e.getMessage().contains(bad), "the bad value is not quoted back");
            }
        }
        assertEquals(0, f.events.ofType(DomainEvent.TOKEN_ROTATED).size());
    }

    /** The replay holds the token only encrypted: a table dump shows neither the token nor its hash. */
    @Test
    void theRecordedAnswer_neverHoldsTheTokenInTheClear(TestTable table) {
        Fixture f = new Fixture(table);
        f.create("GRACE01");
        RotateResult r = f.core.tokens().rotate(rotate("GRACE01", "req-secret"));
        String dump = table.snapshot().toString();
        assertTrue(dump.contains("REQUEST#req-secret"), "the replay item is there");
        assertFalse(dump.contains(r.token()), "no raw token at rest");
        assertFalse(dump.contains(r.token().substring(3, 40)), "not even a part of it");
    }

    /** A resend after a pepper rotation still gets its token back (decrypted under the previous pepper). */
    @Test
    void aResentRotate_afterAPepperRotation_stillReturnsTheToken(TestTable table) {
        Fixture f = new Fixture(table);
        java.util.concurrent.atomic.AtomicReference<PepperSource.Peppers> secret = new java.util.concurrent.atomic.AtomicReference<>(
                new PepperSource.Peppers(Fixture.PEPPER, null, f.clock.instant().minus(hours(1))));
        PepperSource peppers = secret::get;
        GraceKeys ring1 = DynamoDbGraceKeys.builder(f.config, table.client()).peppers(new PepperRing(peppers, f.clock, Duration.ofMinutes(5), Runnable::run)).events(f.events).clock(f.clock).build();
        ring1.tokens().rotate(new RotateRequest("GRACE01", null, true, null));
        RotateResult first = ring1.tokens().rotate(rotate("GRACE01", "req-1"));
        secret.set(new PepperSource.Peppers(
                Pepper.of("another-pepper-0123456789abcdef0123456789ab".getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                Fixture.PEPPER, f.clock.instant()));
        f.clock.advance(Duration.ofMinutes(6));
        GraceKeys ring2 = DynamoDbGraceKeys.builder(f.config, table.client()).peppers(new PepperRing(peppers, f.clock, Duration.ofMinutes(5), Runnable::run)).events(f.events).clock(f.clock).build();
        assertEquals(first.token(), ring2.tokens().rotate(rotate("GRACE01", "req-1")).token());
        assertEquals(1, f.events.ofType(DomainEvent.TOKEN_ROTATED).size());
    }

    /** Two resends at once (the SDK's retry racing the original): both answers are the first call's. */
    @Test
    void concurrentCallsWithOneRequestId_rotateOnce_andAnswerAlike(TestTable table) throws Exception {
        Fixture f = new Fixture(table);
        String fleet = f.create("GRACE01");
        int n = 4;
        CyclicBarrier start = new CyclicBarrier(n);
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            List<CompletableFuture<String>> answers = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                answers.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        start.await();
                        return f.core.tokens().rotate(rotate("GRACE01", "req-race")).token();
                    } catch (ConcurrentModificationException e) {
                        return "retryable";
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }, pool));
            }
            Set<String> tokens = new HashSet<>();
            for (CompletableFuture<String> a : answers) {
                tokens.add(a.get());
            }
            tokens.remove("retryable"); // allowed: the caller resends, and then gets the replay
            assertEquals(1, tokens.size(), "every answer is the one rotation's token");
            assertEquals(tokens.iterator().next(), f.core.tokens().rotate(rotate("GRACE01", "req-race")).token());
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, f.events.ofType(DomainEvent.TOKEN_ROTATED).size());
        assertTrue(f.allowed(fleet));
        assertEquals(List.of(), f.violations());
    }

    @Test
    void aResentRevoke_answersAsTheFirst_andDoesNotRevokeTheNextPreviousToken(TestTable table) {
        Fixture f = new Fixture(table);
        f.create("GRACE01");
        String second = f.rotate("GRACE01", hours(24));
        RevokeResult first = f.core.tokens().revokeOld(new RevokeRequest("GRACE01", 0L, "rev-1"));
        assertTrue(first.revoked());
        String third = f.rotate("GRACE01", hours(24)); // second is now the previous token
        RevokeResult resent = f.core.tokens().revokeOld(new RevokeRequest("GRACE01", 0L, "rev-1"));
        assertEquals(first.previous(), resent.previous());
        assertTrue(resent.revoked());
        assertTrue(f.allowed(second), "the resend did not revoke the token that is previous now");
        assertTrue(f.allowed(third));
    }

    @Test
    void aResentSetStatus_doesNotUndoALaterChange(TestTable table) {
        Fixture f = new Fixture(table);
        String token = f.create("GRACE01");
        f.core.tokens().setStatus(new StatusRequest("GRACE01", false, "off-1"));
        f.core.tokens().setStatus(new StatusRequest("GRACE01", true, "on-1"));
        assertTrue(f.core.tokens().setStatus(new StatusRequest("GRACE01", false, "off-1")).active() == false,
                "the resend answers as the first call did");
        assertTrue(f.core.tokens().describe("GRACE01").active(), "and changes nothing: the client stays active");
        assertTrue(f.allowed(token));
        assertEquals(2, f.events.ofType(DomainEvent.CLIENT_STATUS_CHANGED).size());
    }
}
