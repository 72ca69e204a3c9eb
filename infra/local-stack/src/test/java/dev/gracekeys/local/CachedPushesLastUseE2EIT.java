package dev.gracekeys.local;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.lambda.LambdaClient;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static dev.gracekeys.local.E2EStack.ids;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The rotation day of {@link GraceWindowE2EIT} with API Gateway's authorizer cache on, as on AWS:
 * two verify-authorizer instances (Lambda containers) behind the local HTTP API, which caches each
 * answer for {@value #CACHE_TTL} s under the token's header ({@code --authorizer-ttl}). Pushes the
 * cache answers never reach the authorizer, so they are never recorded as last use. The pusher
 * keeps using the old token: one verify is recorded (t0), one more near the end of
 * LAST_USE_INTERVAL_SECONDS is not (the item says it was used within the interval), and the pushes
 * after it come from the cache, past t0 + interval. Then, with the clock past t0 + interval +
 * ifUnusedForSeconds but before t0 + interval + TTL + ifUnusedForSeconds, and the last push less
 * than ifUnusedForSeconds ago, revoke-old with ifUnusedForSeconds is still refused and describe's
 * usedWithinSeconds still lists the client; after that line the same call revokes.
 *
 * <p>The HTTP API's cache runs on the stack's clock (the system time plus what
 * {@code POST /_local/clock} added): moving the clock expires cached answers, and real seconds
 * count too. So every step is placed relative to the recorded t0 from the clock's own answer, the
 * cached pushes follow the verify that cached them within milliseconds, and each step asserts the
 * cache (hits, authorizer calls) did what the step says. The TTL is not the code's default (60),
 * so the functions only count with it if the stack passes it to them.
 */
class CachedPushesLastUseE2EIT {

    private static final String CLIENT = "CACHED01";
    /** LAST_USE_INTERVAL_SECONDS, the default. */
    private static final long INTERVAL = 300;
    /** --authorizer-ttl: API Gateway's AuthorizerResultTtlSeconds, on purpose not the default 60. */
    private static final int CACHE_TTL = 120;
    /** revoke-old's ifUnusedForSeconds and describe's usedWithinSeconds. */
    private static final long WINDOW = 120;

    @TempDir
    static Path dataDir;

    private static E2EStack e2e;
    private static LocalSystem stack;

    @BeforeAll
    static void start() throws Exception {
        LocalOptions options = new LocalOptions(dataDir, true, 0, 0, 0, CACHE_TTL, true).withAuthorizerInstances(2);
        e2e = E2EStack.start(options, Map.of("AUTHORIZER_CACHE_TTL_SECONDS", "5"));
        stack = e2e.system();
    }

    @AfterAll
    static void stop() {
        e2e.close();
    }

    @Test
    void theOpsFunctions_getTheStacksAuthorizerCacheTtl_asTheTemplatePassesAuthorizerResultTtlSeconds() {
        try (LambdaClient lambda = Ops.lambdaClient(stack.lambdaEndpoint(), UrlConnectionHttpClient.create())) {
            for (String function : List.of("describe", "revoke-old", "verify-authorizer")) {
                assertEquals(String.valueOf(CACHE_TTL), lambda.getFunctionConfiguration(b -> b.functionName(function))
                                .environment().variables().get("AUTHORIZER_CACHE_TTL_SECONDS"),
                        function + ": --authorizer-ttl, over what the environment said (5)");
            }
        }
    }

    @Test
    void pushesAnsweredFromTheCache_keepTheOldTokenInUse_pastTheLastUseInterval() throws Exception {
        String oldToken = (String) e2e.ok("rotate", "{\"clientId\":\"" + CLIENT + "\",\"create\":true}").get("token");
        Ops.Answer rotated = e2e.ok("rotate", "{\"clientId\":\"" + CLIENT + "\",\"graceSeconds\":7200}");
        String newToken = (String) rotated.get("token");

        // The first push reaches an authorizer, which records the use (t0); the next ones come from the cache.
        long[] calls = stack.authorizerCalls();
        long hits = stack.authorizerCacheHits();
        e2e.assertPush(oldToken, 200, "previous");
        for (int i = 0; i < 3; i++) {
            e2e.assertPush(oldToken, 200, "previous");
        }
        assertEquals(total(calls) + 1, total(stack.authorizerCalls()), "one authorizer call");
        assertEquals(hits + 3, stack.authorizerCacheHits(), "three pushes answered from the cache");
        Instant t0 = lastUsedAt();

        // Near the end of the interval the cached answer has long run out: the other authorizer instance
        // verifies the token and allows it, but writes no last use (the item says t0, within the
        // interval), and API Gateway caches this allow for CACHE_TTL s.
        moveTo(t0.plusSeconds(INTERVAL - 5));
        calls = stack.authorizerCalls();
        e2e.assertPush(oldToken, 200, "previous");
        assertEquals(total(calls) + 1, total(stack.authorizerCalls()), "the cache ran out: verified again");
        assertTrue(Arrays.stream(stack.authorizerCalls()).allMatch(n -> n >= 1),
                "both authorizer instances verified the token: " + Arrays.toString(stack.authorizerCalls()));

        // Pushes go on, answered from the cache, past t0 + interval.
        Instant lastPush = moveTo(t0.plusSeconds(INTERVAL + CACHE_TTL - 10));
        calls = stack.authorizerCalls();
        hits = stack.authorizerCacheHits();
        for (int i = 0; i < 3; i++) {
            e2e.assertPush(oldToken, 200, "previous");
        }
        assertEquals(total(calls), total(stack.authorizerCalls()), "no authorizer call");
        assertEquals(hits + 3, stack.authorizerCacheHits(), "answered from the cache");
        assertEquals(t0, lastUsedAt(), "the pushes after t0 are not recorded");

        // Past t0 + interval + ifUnusedForSeconds (and past the line the default TTL of 60 would
        // draw), the old token was really pushed with less than ifUnusedForSeconds ago: the guard
        // refuses and describe lists the client.
        Instant probe = moveTo(t0.plusSeconds(INTERVAL + 60 + WINDOW + 10));
        assertTrue(probe.isAfter(t0.plusSeconds(INTERVAL + WINDOW)));
        String guarded = "{\"clientId\":\"" + CLIENT + "\",\"ifUnusedForSeconds\":" + WINDOW + "}";
        Ops.Answer refused = e2e.invoke("revoke-old", guarded);
        assertEquals("Unhandled", refused.functionError(), "a push was answered "
                + Duration.between(lastPush, probe).toSeconds() + " s before: " + refused.body());
        assertTrue(((String) refused.get("errorType")).endsWith("PreviousTokenInUseException"), refused.body().toString());
        String message = (String) refused.get("errorMessage");
        assertTrue(message.contains("last used at " + second(t0)), message);
        assertTrue(message.contains("for up to " + CACHE_TTL + " s, AUTHORIZER_CACHE_TTL_SECONDS"), message);
        assertTrue(message.contains("Wait until " + second(t0.plusSeconds(INTERVAL + CACHE_TTL + WINDOW))), message);
        assertFalse(message.contains(oldToken.substring(9)), "no token in the error");
        assertEquals(List.of(CLIENT), ids(e2e.ok("describe", "{\"inGrace\":true,\"usedWithinSeconds\":" + WINDOW + "}")),
                "describe agrees");
        assertTrue(now().isBefore(lastPush.plusSeconds(WINDOW)),
                "the answers above came while the last push was less than ifUnusedForSeconds ago (else this machine"
                        + " is too slow for the test's margins)");

        // Past t0 + interval + TTL + ifUnusedForSeconds no push can have been unseen: the same call revokes.
        moveTo(t0.plusSeconds(INTERVAL + CACHE_TTL + WINDOW + 5));
        assertEquals(List.of(), ids(e2e.ok("describe", "{\"inGrace\":true,\"usedWithinSeconds\":" + WINDOW + "}")));
        Ops.Answer revoked = e2e.ok("revoke-old", guarded);
        assertEquals(true, revoked.get("revoked"), revoked.body().toString());
        e2e.assertPush(oldToken, 403, null);
        e2e.assertPush(newToken, 200, "current");

        e2e.assertNoTokenInEventsOrConsole(List.of(oldToken, newToken));
    }

    private static Instant lastUsedAt() throws Exception {
        Map<?, ?> previous = (Map<?, ?>) e2e.ok("describe", "{\"clientId\":\"" + CLIENT + "\"}").get("previous");
        assertNotNull(previous.get("lastUsedAt"), "the first push was recorded");
        return Instant.parse((String) previous.get("lastUsedAt"));
    }

    /** As the functions print a time: to the second, ISO-8601 UTC. */
    private static String second(Instant t) {
        return t.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
    }

    private static long total(long[] calls) {
        return Arrays.stream(calls).sum();
    }

    /** The stack's clock now. */
    private static Instant now() throws Exception {
        return e2e.advanceClock(0);
    }

    /** Moves the stack's clock to {@code target} (it only moves forward), to the second; returns the new time. */
    private static Instant moveTo(Instant target) throws Exception {
        Instant now = now();
        assertTrue(now.isBefore(target), "the clock is already past " + target + ": " + now);
        long millis = Duration.between(now, target).toMillis();
        Instant moved = e2e.advanceClock((millis + 999) / 1000);
        assertFalse(moved.isBefore(target), moved + " before " + target);
        return moved;
    }
}
