package dev.gracekeys.core;

import dev.gracekeys.core.events.EventPublisher;
import dev.gracekeys.core.model.TokenSlot;
import dev.gracekeys.core.ops.Requests.RotateRequest;
import dev.gracekeys.core.store.dynamodb.TableSchema;
import dev.gracekeys.core.testing.DynamoDbLocalExtension;
import dev.gracekeys.core.testing.MutableClock;
import dev.gracekeys.core.testing.TableInvariants;
import dev.gracekeys.core.testing.TestTable;
import dev.gracekeys.core.token.Pepper;
import dev.gracekeys.core.token.PepperRing;
import dev.gracekeys.core.token.PepperSource;
import dev.gracekeys.core.token.TokenHasher;
import dev.gracekeys.core.verify.Verdict;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A pepper rotation needs no offline re-hash: while the secret has an AWSPREVIOUS version, a token
 * hashed with it is found with at most one extra read and re-keyed to the current pepper at once.
 */
@ExtendWith(DynamoDbLocalExtension.class)
class PepperRotationIT {

    private static final Pepper A = pepper("pepper-A");
    private static final Pepper B = pepper("pepper-B");
    private static final Pepper C = pepper("pepper-C");
    private static final Duration REFRESH = Duration.ofMinutes(5);

    private final MutableClock clock = new MutableClock();
    private final AtomicReference<PepperSource.Peppers> secret = new AtomicReference<>(PepperSource.Peppers.of(A));
    private final AtomicInteger loads = new AtomicInteger();

    private GraceKeys core(TestTable table) {
        PepperRing ring = new PepperRing(() -> {
            loads.incrementAndGet();
            return secret.get();
        }, clock, REFRESH);
        return GraceKeys.create(GraceKeysConfig.defaults(table.name()), table.client(), ring, EventPublisher.NONE, clock);
    }

    /** The pepper secret rotates (new AWSCURRENT, old AWSPREVIOUS) and the refresh interval passes. */
    private void rotatePepper(Pepper current, Pepper previous) {
        secret.set(new PepperSource.Peppers(current, previous));
        clock.advance(REFRESH);
    }

    @Test
    void tokenHashedWithThePreviousPepper_verifies_andIsReKeyedToTheCurrentOne(TestTable table) {
        GraceKeys core = core(table);
        String token = core.tokens().rotate(new RotateRequest("GRACE01", null, true, null)).token();
        rotatePepper(B, A);

        table.requests().reset();
        Verdict first = core.verifier().verify(token);
        assertTrue(first.allowed());
        // a miss under B, a hit under A, then the re-key reads the client once
        assertEquals(3, table.requests().count("GetItem"));
        assertEquals(1, table.requests().count("TransactWriteItems"), "re-keyed in one transaction");
        assertTrue(itemExists(table, new TokenHasher(B).keyOfToken(token).value()));
        assertFalse(itemExists(table, new TokenHasher(A).keyOfToken(token).value()));
        assertEquals(List.of(), TableInvariants.violations(table, clock.instant()));

        table.requests().reset();
        assertTrue(core.verifier().verify(token).allowed());
        assertEquals(1, table.requests().count("GetItem"), "after the re-key: one read again");
    }

    @Test
    void previousSlotToken_isReKeyedInPlace_keepingItsSlotAndExpiry(TestTable table) {
        GraceKeys core = core(table);
        String old = core.tokens().rotate(new RotateRequest("GRACE01", null, true, null)).token();
        var rotated = core.tokens().rotate(new RotateRequest("GRACE01", 3600L, null, null));
        rotatePepper(B, A);

        Verdict v = core.verifier().verify(old);
        assertEquals(TokenSlot.PREVIOUS, v.slot());
        assertEquals(rotated.previous().expiresAt(), v.previousExpiresAt());
        assertTrue(core.verifier().verify(rotated.token()).allowed(), "the current token, re-keyed too");
        assertEquals(List.of(), TableInvariants.violations(table, clock.instant()));
        clock.advance(Duration.ofHours(1));
        assertFalse(core.verifier().verify(old).allowed(), "its original expiry still holds");
    }

    @Test
    void newTokens_areHashedWithTheCurrentPepper_fromTheNextRefreshOn(TestTable table) {
        GraceKeys core = core(table);
        core.tokens().rotate(new RotateRequest("GRACE01", null, true, null));
        rotatePepper(B, A);
        String issuedAfter = core.tokens().rotate(new RotateRequest("GRACE01", 3600L, null, null)).token();
        assertTrue(itemExists(table, new TokenHasher(B).keyOfToken(issuedAfter).value()));
        table.requests().reset();
        assertTrue(core.verifier().verify(issuedAfter).allowed());
        assertEquals(1, table.requests().count("GetItem"));
    }

    @Test
    void unknownToken_costsOneReadWithoutAPreviousPepper_andTwoDuringARotation(TestTable table) {
        GraceKeys core = core(table);
        String stranger = new dev.gracekeys.core.token.SecureTokenGenerator(dev.gracekeys.core.token.TokenFormat.defaults())
                .next().value();
        table.requests().reset();
        assertEquals(Verdict.DenyReason.UNKNOWN, core.verifier().verify(stranger).reason());
        assertEquals(1, table.requests().count("GetItem"));

        rotatePepper(B, A);
        table.requests().reset();
        assertEquals(Verdict.DenyReason.UNKNOWN, core.verifier().verify(stranger).reason());
        assertEquals(2, table.requests().count("GetItem"), "at most one extra round trip");
    }

    /** Documented: a token not presented before the next pepper rotation is no longer found. */
    @Test
    void tokenNotUsedBeforeTheNextPepperRotation_stopsVerifying(TestTable table) {
        GraceKeys core = core(table);
        String idle = core.tokens().rotate(new RotateRequest("IDLE01", null, true, null)).token();
        rotatePepper(B, A);
        rotatePepper(C, B); // A is gone: the idle token was never re-keyed
        assertEquals(Verdict.DenyReason.UNKNOWN, core.verifier().verify(idle).reason());
    }

    @Test
    void peppers_areReadOncePerRefreshInterval_andAFailedRefreshKeepsTheOldOnes(TestTable table) {
        GraceKeys core = core(table);
        String token = core.tokens().rotate(new RotateRequest("GRACE01", null, true, null)).token();
        int atStart = loads.get();
        for (int i = 0; i < 20; i++) {
            core.verifier().verify(token);
        }
        assertEquals(atStart, loads.get(), "no reload within the interval");

        secret.set(null); // the secret cannot be read: load() throws
        clock.advance(REFRESH);
        assertTrue(core.verifier().verify(token).allowed(), "the peppers loaded before stay in use");
    }

    private static boolean itemExists(TestTable table, String key) {
        return table.snapshot().stream().anyMatch(i -> i.get(TableSchema.PK).s().equals(TableSchema.TOKEN_PREFIX + key));
    }

    private static Pepper pepper(String seed) {
        return Pepper.of((seed + "-0123456789abcdef0123456789abcdef").getBytes(StandardCharsets.UTF_8));
    }
}
