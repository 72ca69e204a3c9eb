package dev.gracekeys.core;

import dev.gracekeys.core.events.EventPublisher;
import dev.gracekeys.core.ops.Requests.RotateRequest;
import dev.gracekeys.core.ops.Results.RotateResult;
import dev.gracekeys.store.dynamodb.DynamoDbGraceKeys;
import dev.gracekeys.store.dynamodb.DynamoDbStore;
import dev.gracekeys.store.dynamodb.TableSchema;
import dev.gracekeys.store.dynamodb.testing.DynamoDbLocalExtension;
import dev.gracekeys.testkit.MutableClock;
import dev.gracekeys.store.dynamodb.testing.TableInvariants;
import dev.gracekeys.store.dynamodb.testing.TestTable;
import dev.gracekeys.core.token.Pepper;
import dev.gracekeys.core.token.PepperRing;
import dev.gracekeys.core.token.PepperSource;
import dev.gracekeys.core.token.TokenFormat;
import dev.gracekeys.core.token.TokenHasher;
import dev.gracekeys.core.verify.Verdict;
import dev.gracekeys.core.verify.Verifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Pepper rotation as AWS runs it: many authorizer containers, each loading the pepper secret on its
 * own schedule, and ops containers issuing tokens meanwhile. Token items never move; a verify looks
 * under every pepper its container knows; a new pepper hashes new tokens only once every container
 * must have loaded it. So no valid token is denied, forward or back, whatever order the containers
 * see the change in, and the authorizer writes nothing but last use.
 */
@ExtendWith(DynamoDbLocalExtension.class)
class PepperRotationIT {

    private static final Pepper A = pepper("pepper-A");
    private static final Pepper B = pepper("pepper-B");
    private static final Pepper C = pepper("pepper-C");
    private static final Duration REFRESH = Duration.ofMinutes(5);

    private final MutableClock clock = new MutableClock();
    private final Instant aCreated = clock.instant().minus(Duration.ofDays(90));
    private final AtomicReference<PepperSource.Peppers> secret =
            new AtomicReference<>(new PepperSource.Peppers(A, null, aCreated));
    private final AtomicInteger loads = new AtomicInteger();

    private PepperRing ring() {
        return new PepperRing(() -> {
            loads.incrementAndGet();
            PepperSource.Peppers p = secret.get();
            if (p == null) {
                throw new IllegalStateException("secret unreadable");
            }
            return p;
        }, clock, REFRESH, Runnable::run);
    }

    private GraceKeys core(TestTable table) {
        return DynamoDbGraceKeys.builder(GraceKeysConfig.defaults(table.name()), table.client()).peppers(ring()).events(EventPublisher.NONE).clock(clock).build();
    }

    /** One authorizer container: its own pepper ring, loaded when it starts, and its own verifier. */
    private Verifier authorizer(TestTable table) {
        GraceKeysConfig config = GraceKeysConfig.defaults(table.name());
        return Verifier.builder().lookup(new DynamoDbStore(table.client(), table.name(), config.ttlDelay()))
                .peppers(ring()).config(config).clock(clock).build();
    }

    /** put-secret-value: a new version becomes AWSCURRENT now, the old one AWSPREVIOUS. */
    private void putNewPepper(Pepper next) {
        secret.set(new PepperSource.Peppers(next, secret.get().current(), clock.instant()));
    }

    @Test
    void containersSeeingThePepperChangeAtDifferentTimes_neverDenyAValidToken_forwardAndBack(TestTable table) {
        List<GraceKeys> ops = new ArrayList<>();
        List<Verifier> authorizers = new ArrayList<>();
        Map<String, List<String>> valid = new HashMap<>(); // client -> its valid tokens (current, previous)
        List<String> revoked = new ArrayList<>();
        for (int c = 0; c < 3; c++) {
            GraceKeys core = ops.isEmpty() ? core(table) : ops.get(0);
            valid.put("FLEET0" + c, new ArrayList<>(List.of(core.tokens()
                    .rotate(new RotateRequest("FLEET0" + c, null, true, null)).token())));
        }
        int steps = 0;
        int verifies = 0;
        // 200 min in 30 s steps; containers start on their own schedules, so each refreshes at its own time.
        for (Duration t = Duration.ZERO; t.compareTo(Duration.ofMinutes(200)) < 0; t = t.plusSeconds(30), steps++) {
            if (steps % 3 == 0 && authorizers.size() < 4) {
                authorizers.add(authorizer(table));
            }
            if (steps % 5 == 0 && ops.size() < 3) {
                ops.add(core(table));
            }
            if (t.equals(Duration.ofMinutes(30))) {
                putNewPepper(B);                                           // rotate the pepper
            } else if (t.equals(Duration.ofMinutes(100))) {
                secret.set(new PepperSource.Peppers(A, B, aCreated));     // roll back: AWSCURRENT to A's version
            } else if (t.equals(Duration.ofMinutes(170))) {
                // roll forward again, to B's version (created at minute 30)
                secret.set(new PepperSource.Peppers(B, A, clock.instant().minus(Duration.ofMinutes(140))));
            }
            if (steps % 3 == 0) { // an ops container rotates a client with a grace window
                String client = "FLEET0" + (steps / 3 % 3);
                GraceKeys core = ops.get(steps % ops.size());
                RotateResult r = core.tokens().rotate(new RotateRequest(client, 3600L, null, null));
                List<String> tokens = valid.get(client);
                if (tokens.size() == 2) {
                    revoked.add(tokens.remove(1)); // one previous slot: the older previous token drops
                }
                tokens.add(0, r.token());
            }
            for (Verifier authorizer : authorizers) {
                for (List<String> tokens : valid.values()) {
                    for (String token : tokens) { // every valid token: the newest is the one at risk
                        Verdict v = authorizer.verify(token);
                        assertTrue(v.allowed(), "false denial at " + t + ": " + v.reason());
                        verifies++;
                    }
                }
                for (String gone : revoked.subList(Math.max(0, revoked.size() - 3), revoked.size())) {
                    assertFalse(authorizer.verify(gone).allowed(), "false allow at " + t);
                }
            }
            clock.advance(Duration.ofSeconds(20));
        }
        assertTrue(verifies > 5_000, "the run verified " + verifies);
        assertTrue(loads.get() > 100, "containers refreshed on their own schedules: " + loads.get());
        assertEquals(List.of(), TableInvariants.violations(table, clock.instant()));
    }

    @Test
    void aNewPepper_hashesNewTokens_onlyAfterEveryContainerMustHaveLoadedIt(TestTable table) {
        GraceKeys core = core(table);
        core.tokens().rotate(new RotateRequest("GRACE01", null, true, null));
        putNewPepper(B);
        clock.advance(REFRESH); // this ops container has refreshed and knows B
        String early = core.tokens().rotate(new RotateRequest("GRACE01", 3600L, null, null)).token();
        assertTrue(itemExists(table, new TokenHasher(A).keyOfToken(early)), "until settled, under A (all hold it)");
        clock.advance(PepperRing.SETTLE_MARGIN);
        String settled = core.tokens().rotate(new RotateRequest("GRACE01", 3600L, null, null)).token();
        assertTrue(itemExists(table, new TokenHasher(B).keyOfToken(settled)), "settled: under B");
        assertFalse(itemExists(table, new TokenHasher(A).keyOfToken(settled)));
    }

    @Test
    void tokenUnderThePreviousPepper_verifiesWhereItIs_andTheAuthorizerWritesNothingButLastUse(TestTable table) {
        GraceKeys core = core(table);
        String token = core.tokens().rotate(new RotateRequest("GRACE01", null, true, null)).token();
        putNewPepper(B);
        clock.advance(REFRESH);
        Verifier authorizer = authorizer(table);
        table.requests().reset();
        for (int i = 0; i < 3; i++) {
            assertTrue(authorizer.verify(token).allowed());
        }
        assertEquals(6, table.requests().count("GetItem"), "a miss under B, a hit under A, every time");
        assertEquals(1, table.requests().count("UpdateItem"), "the throttled last-use write, once");
        assertEquals(table.requests().count("GetItem") + 1, table.requests().total(), "no other request");
        assertTrue(itemExists(table, new TokenHasher(A).keyOfToken(token)), "never moved");
    }

    @Test
    void unknownToken_costsOneReadWithoutAPreviousPepper_andTwoDuringARotation(TestTable table) {
        GraceKeys core = core(table);
        String stranger = new dev.gracekeys.core.token.SecureTokenGenerator(TokenFormat.defaults()).next().value();
        table.requests().reset();
        assertEquals(Verdict.DenyReason.UNKNOWN, core.verifier().verify(stranger).reason());
        assertEquals(1, table.requests().count("GetItem"));

        putNewPepper(B);
        clock.advance(REFRESH);
        core.verifier().verify(stranger); // this one may wait for the refresh: the view was stale
        table.requests().reset();
        assertEquals(Verdict.DenyReason.UNKNOWN, core.verifier().verify(stranger).reason());
        assertEquals(2, table.requests().count("GetItem"), "at most one extra round trip");
    }

    /** Documented: a token issued before the previous pepper rotation stops at the next one. */
    @Test
    void tokenIssuedTwoPepperRotationsAgo_stopsVerifying(TestTable table) {
        GraceKeys core = core(table);
        String idle = core.tokens().rotate(new RotateRequest("IDLE01", null, true, null)).token();
        putNewPepper(B);
        clock.advance(Duration.ofDays(1));
        putNewPepper(C); // A is gone
        clock.advance(REFRESH);
        core.verifier().verify(idle); // may still be served by the view loaded before (refresh under way)
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

    private static boolean itemExists(TestTable table, dev.gracekeys.core.token.TokenKey key) {
        return table.snapshot().stream()
                .anyMatch(i -> i.get(TableSchema.PK).s().equals(TableSchema.TOKEN_PREFIX + key.value()));
    }

    private static Pepper pepper(String seed) {
        return Pepper.of((seed + "-0123456789abcdef0123456789abcdef").getBytes(StandardCharsets.UTF_8));
    }
}
