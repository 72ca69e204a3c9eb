package dev.gracekeys.core.verify;

import dev.gracekeys.core.model.TokenRecord;
import dev.gracekeys.core.model.TokenSlot;
import dev.gracekeys.core.store.TokenLookup;
import dev.gracekeys.testkit.MutableClock;
import dev.gracekeys.core.token.Pepper;
import dev.gracekeys.core.token.PepperRing;
import dev.gracekeys.core.token.PepperSource.Peppers;
import dev.gracekeys.core.token.SecureTokenGenerator;
import dev.gracekeys.core.token.TokenFormat;
import dev.gracekeys.core.token.TokenGenerator;
import dev.gracekeys.core.token.TokenHasher;
import dev.gracekeys.core.token.TokenKey;
import dev.gracekeys.core.verify.Verdict.DenyReason;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The verify decision over a scripted token lookup, with no DynamoDB: the paths a real store rarely
 * shows on demand (a pepper refresh racing a push, a read that eats the budget, an item that still
 * looks unused after its last-use write). {@code VerifyIT} covers the same rules against DynamoDB
 * Local.
 */
class VerifierTest {

    private static final Duration BUDGET = Duration.ofMillis(1500);
    private static final Duration INTERVAL = Duration.ofSeconds(300);
    private static final Duration REFRESH = Duration.ofSeconds(300);
    private static final Pepper OLD = pepper("old");
    private static final Pepper NEW = pepper("new");

    private final TokenFormat format = TokenFormat.defaults();
    private final TokenGenerator generator = new SecureTokenGenerator(format);
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-23T17:00:00Z"));
    private final AtomicReference<Peppers> secret = new AtomicReference<>(Peppers.of(OLD));
    private final Lookup store = new Lookup();

    private static Pepper pepper(String name) {
        return Pepper.of((name + "-pepper-0123456789abcdef0123456789abcdef").getBytes(StandardCharsets.UTF_8));
    }

    /** A token store as the verifier sees it: items by key, every read and write recorded. */
    private static final class Lookup implements TokenLookup {
        final Map<TokenKey, TokenRecord> items = new ConcurrentHashMap<>();
        final List<TokenKey> reads = new ArrayList<>();
        final List<TokenKey> writes = new ArrayList<>();
        final List<Duration> writeBudgets = new ArrayList<>();
        /** Answers for keys with no item; null: a miss. */
        Function<TokenKey, TokenRecord> otherwise = k -> null;
        /** How long each read takes. */
        Duration readTime = Duration.ZERO;
        RuntimeException writeFailure;

        @Override
        public synchronized TokenRecord findToken(TokenKey key, Duration budget) {
            reads.add(key);
            sleep(readTime);
            TokenRecord found = items.get(key);
            return found != null ? found : otherwise.apply(key);
        }

        @Override
        public synchronized void recordLastUse(TokenKey key, Instant now, Instant notUsedSince, Duration budget) {
            writes.add(key);
            writeBudgets.add(budget);
            if (writeFailure != null) {
                throw writeFailure;
            }
        }

        long writesOf(TokenKey key) {
            return writes.stream().filter(key::equals).count();
        }
    }

    private static void sleep(Duration d) {
        if (d.isZero()) {
            return;
        }
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A current token of client C1, never used, stored under {@code pepper}. */
    private TokenKey store(String token, Pepper pepper) {
        TokenKey key = new TokenHasher(pepper).keyOfToken(token);
        store.items.put(key, current(key));
        return key;
    }

    private TokenRecord current(TokenKey key) {
        return new TokenRecord(key, "C1", "gk_id", TokenSlot.CURRENT, true, clock.instant(), null, null);
    }

    private Verifier verifier(Executor refresher, Duration budget) {
        PepperRing ring = new PepperRing(secret::get, clock, REFRESH, refresher);
        return Verifier.builder().lookup(store).format(format).peppers(ring).clock(clock).budget(budget)
                .lastUseInterval(INTERVAL).build();
    }

    private Verifier verifier() {
        return verifier(Runnable::run, BUDGET);
    }

    /** Another container made NEW current (OLD is previous), and this one's view is now due a refresh. */
    private void pepperRotatedElsewhere() {
        secret.set(new Peppers(NEW, OLD, clock.instant()));
        clock.advance(REFRESH);
    }

    @Test
    void aTokenIssuedUnderANewPepper_isAllowed_byAContainerThatHasNotRefreshedYet() {
        Verifier verifier = verifier();
        String token = generator.next().value();
        TokenKey underNew = store(token, NEW);
        pepperRotatedElsewhere();

        Verdict v = verifier.verify(token);

        assertTrue(v.allowed(), "a miss on a stale view waits for the refresh and looks under the new pepper: " + v);
        assertEquals(List.of(new TokenHasher(OLD).keyOfToken(token), underNew), store.reads,
                "one read under the pepper it had, one under the new one; none twice");
    }

    @Test
    void aHit_onAViewDueARefresh_isAllowed_afterOneRead() {
        Verifier verifier = verifier();
        String token = generator.next().value();
        store(token, OLD);
        pepperRotatedElsewhere();

        Verdict v = verifier.verify(token);

        assertTrue(v.allowed(), "hits never wait for a refresh: " + v);
        assertEquals(1, store.reads.size());
    }

    @Test
    void anUnknownToken_duringAPepperRotation_costsOneReadPerPepper() {
        secret.set(new Peppers(NEW, OLD, clock.instant()));
        Verifier verifier = verifier();
        String unknown = generator.next().value();

        assertEquals(DenyReason.UNKNOWN, verifier.verify(unknown).reason());
        assertEquals(List.of(new TokenHasher(NEW).keyOfToken(unknown), new TokenHasher(OLD).keyOfToken(unknown)),
                store.reads, "current pepper first, then the previous one");
    }

    @Test
    void aRefreshThatDoesNotFinishInTheBudget_deniesTheMissAsUnknown_withinTheBudget() {
        Executor stuck = task -> { }; // Secrets Manager never answers
        Verifier verifier = verifier(stuck, Duration.ofMillis(200));
        pepperRotatedElsewhere();
        String unknown = generator.next().value();

        long start = System.nanoTime();
        Verdict v = verifier.verify(unknown);
        long tookMillis = (System.nanoTime() - start) / 1_000_000;

        assertEquals(DenyReason.UNKNOWN, v.reason(), "the store answered (a miss); only the refresh is late");
        assertEquals(1, store.reads.size());
        assertTrue(tookMillis < 200 + 1_000, "the wait for the refresh is bounded by the budget: " + tookMillis + " ms");
    }

    @Test
    void aReadThatSpendsTheBudget_deniesWithoutASecondRead() {
        secret.set(new Peppers(NEW, OLD, clock.instant())); // two peppers: two reads for a miss
        Verifier verifier = verifier(Runnable::run, Duration.ofMillis(50));
        store.readTime = Duration.ofMillis(80);

        Verdict v = verifier.verify(generator.next().value());

        assertEquals(DenyReason.STORE_UNAVAILABLE, v.reason(), "fail closed: " + v);
        assertEquals(1, store.reads.size(), "no read is started once the budget is spent");
    }

    @Test
    void aStoreFailingWithAnError_deniesInsteadOfThrowing() {
        Verifier verifier = verifier();
        store.otherwise = k -> {
            throw new NoClassDefFoundError("software/amazon/awssdk/core/SdkBytes"); // a broken deployment
        };

        Verdict v = verifier.verify(generator.next().value());

        assertNotNull(v);
        assertFalse(v.allowed());
        assertEquals(DenyReason.STORE_UNAVAILABLE, v.reason());
    }

    @Test
    void primingToken_isWellFormedAndUnknown_soPrimingRunsTheWholeReadPath() {
        Verifier verifier = verifier();
        String priming = verifier.primingToken();
        assertEquals(format.primingToken(), priming);

        assertEquals(DenyReason.UNKNOWN, verifier.verify(priming).reason());
        assertEquals(List.of(new TokenHasher(OLD).keyOfToken(priming)), store.reads);
    }

    /**
     * The item read says the token was never used (the write failed, or verifies in flight read it
     * before the write landed): the container's own memory is then what stops a write per push.
     */
    @Test
    void lastUse_isWrittenOncePerIntervalByAContainer_evenWhileTheItemStillLooksUnused() {
        Verifier verifier = verifier();
        String token = generator.next().value();
        TokenKey key = store(token, OLD);
        store.writeFailure = new IllegalStateException("throttled");

        for (int i = 0; i < 3; i++) {
            assertTrue(verifier.verify(token).allowed(), "a failed last-use write never changes the verdict");
        }
        assertEquals(1, store.writesOf(key));

        clock.advance(INTERVAL.minusSeconds(1));
        assertTrue(verifier.verify(token).allowed());
        assertEquals(1, store.writesOf(key), "still within the interval");

        clock.advance(Duration.ofSeconds(1));
        verifier.verify(token);
        verifier.verify(token);
        assertEquals(2, store.writesOf(key), "once more per interval");
    }

    @Test
    void aMalformedToken_isDeniedAsSuch_withoutAnyRead() {
        Verifier verifier = verifier();
        String token = generator.next().value();
        store(token, OLD);
        String broken = token.substring(0, token.length() - 1) + (token.endsWith("A") ? "B" : "A");
        for (String presented : new String[]{null, "", "x", broken}) {
            Verdict v = verifier.verify(presented);
            assertFalse(v.allowed());
            assertEquals(DenyReason.MALFORMED, v.reason(), String.valueOf(presented));
        }
        assertTrue(store.reads.isEmpty(), "a malformed token costs no read");
    }

    @Test
    void lastUse_isNotWritten_whileTheItemSaysItWasUsedWithinTheInterval() {
        Verifier verifier = verifier();
        String token = generator.next().value();
        TokenKey key = new TokenHasher(OLD).keyOfToken(token);
        store.items.put(key, new TokenRecord(key, "C1", "gk_id", TokenSlot.CURRENT, true, clock.instant(), null,
                clock.instant().minus(INTERVAL).plusSeconds(1))); // another container wrote it just inside

        assertTrue(verifier.verify(token).allowed());
        assertEquals(0, store.writesOf(key), "the item's last use is recent: no write, not even a refused one");

        store.items.put(key, new TokenRecord(key, "C1", "gk_id", TokenSlot.CURRENT, true, clock.instant(), null,
                clock.instant().minus(INTERVAL))); // exactly one interval ago: due
        assertTrue(verifier.verify(token).allowed());
        assertEquals(1, store.writesOf(key));
    }

    @Test
    void lastUse_sharesTheVerifyBudget_andIsSkippedWhenTooLittleIsLeft() {
        Duration budget = Duration.ofMillis(300);
        Verifier verifier = verifier(Runnable::run, budget);
        String token = generator.next().value();
        TokenKey key = store(token, OLD);

        store.readTime = budget.minusMillis(10); // leaves at most 10 ms
        assertTrue(verifier.verify(token).allowed());
        assertEquals(0, store.writesOf(key), "no write started with less than 20 ms left");

        store.readTime = Duration.ZERO;
        assertTrue(verifier.verify(token).allowed());
        assertEquals(1, store.writesOf(key), "the skipped write is not remembered as done: the next verify writes");
        Duration given = store.writeBudgets.get(0);
        assertTrue(given.compareTo(budget) <= 0 && given.compareTo(Duration.ofMillis(20)) >= 0,
                "the write gets what is left of the verify's budget, not a budget of its own: " + given);
    }

    /**
     * The container's memory of last-use writes is bounded (100,000 tokens): past that it forgets
     * all of them, and the write's condition in the table still holds the line.
     */
    @Test
    void lastUseMemory_holds100000Tokens_thenForgets() {
        Verifier verifier = verifier();
        store.otherwise = this::current; // every well-formed token is a known, never-used one
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i <= 100_000; i++) {
            tokens.add(generator.next().value());
        }
        TokenKey first = new TokenHasher(OLD).keyOfToken(tokens.get(0));
        for (int i = 0; i < 100_000; i++) {
            verifier.verify(tokens.get(i));
        }
        verifier.verify(tokens.get(0));
        assertEquals(1, store.writesOf(first), "100,000 tokens are remembered");

        verifier.verify(tokens.get(100_000));
        verifier.verify(tokens.get(0));
        assertEquals(2, store.writesOf(first), "one more and the memory is cleared");
    }

    // A pending token (a scheduled rotation's) is allowed like the current one while live, with its
    // own slot in the verdict and the metric line; the outcome is AllowedCurrent (the catalogue's).
    @Test
    void pendingToken_isAllowedWhileLive_asPendingSlot_countedAsAllowedCurrent() {
        List<Map<String, String>> lines = new ArrayList<>();
        List<String> outcomes = new ArrayList<>();
        dev.gracekeys.core.metrics.Metrics metrics = new dev.gracekeys.core.metrics.Metrics() {
            @Override
            public void record(dev.gracekeys.core.metrics.Metric metric, String dimension, double value,
                               Map<String, String> properties) {
                if (metric == dev.gracekeys.core.metrics.Metric.VERIFY_DECISIONS) {
                    outcomes.add(dimension);
                    lines.add(properties);
                }
            }
        };
        PepperRing ring = new PepperRing(secret::get, clock, REFRESH, Runnable::run);
        Verifier verifier = Verifier.builder().lookup(store).format(format).peppers(ring).clock(clock)
                .lastUseInterval(INTERVAL).metrics(metrics).build();
        String token = generator.next().value();
        TokenKey key = new TokenHasher(OLD).keyOfToken(token);
        Instant expiresAt = clock.instant().plus(Duration.ofHours(24));
        store.items.put(key, new TokenRecord(key, "C1", "gk_pend", TokenSlot.PENDING, true, clock.instant(), expiresAt, null));

        Verdict v = verifier.verify(token);
        assertEquals(Verdict.allow("C1", TokenSlot.PENDING, "gk_pend", null), v);
        assertEquals("AllowedCurrent", Verifier.outcome(v));
        assertEquals(List.of("AllowedCurrent"), outcomes);
        assertEquals(Map.of("clientId", "C1", "tokenId", "gk_pend", "slot", "pending"), lines.get(0));

        clock.set(expiresAt.minusSeconds(1));
        assertTrue(verifier.verify(token).allowed());
        clock.set(expiresAt);
        assertEquals(DenyReason.EXPIRED, verifier.verify(token).reason(), "a pending token stops at its expiry");

        store.items.put(key, new TokenRecord(key, "C1", "gk_pend", TokenSlot.PENDING, false, clock.instant(),
                expiresAt.plusSeconds(60), null));
        assertEquals(DenyReason.INACTIVE, verifier.verify(token).reason());
        // Finishing (finishSecret marked it before moving AWSCURRENT): no expiry, verifies however late.
        store.items.put(key, new TokenRecord(key, "C1", "gk_pend", TokenSlot.PENDING, true, clock.instant(), null, null));
        clock.set(expiresAt.plus(Duration.ofDays(400)));
        assertEquals(Verdict.allow("C1", TokenSlot.PENDING, "gk_pend", null), verifier.verify(token),
                "a finishing pending token (no expiry) verifies until promoted");
        store.items.put(key, new TokenRecord(key, "C1", "gk_pend", TokenSlot.PENDING, false, clock.instant(), null, null));
        assertEquals(DenyReason.INACTIVE, verifier.verify(token).reason(), "but not for an inactive client");
        store.items.put(key, new TokenRecord(key, "C1", "gk_prev", TokenSlot.PREVIOUS, true, clock.instant(), null, null));
        assertEquals(DenyReason.EXPIRED, verifier.verify(token).reason(), "a previous token without expiry never passes");
        assertEquals("AllowedPrevious", Verifier.outcome(Verdict.allow("C1", TokenSlot.PREVIOUS, "gk_p", expiresAt)));
        assertEquals("AllowedCurrent", Verifier.outcome(Verdict.allow("C1", TokenSlot.CURRENT, "gk_c", null)));
    }
}
