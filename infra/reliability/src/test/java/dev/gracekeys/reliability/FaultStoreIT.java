package dev.gracekeys.reliability;

import dev.gracekeys.testkit.Loopback;

import dev.gracekeys.core.GraceKeysException;
import dev.gracekeys.core.StoreUnavailableException;
import dev.gracekeys.store.dynamodb.TableSchema;
import dev.gracekeys.store.dynamodb.testing.DynamoDbLocalExtension;
import dev.gracekeys.testkit.RequestCounter;
import dev.gracekeys.store.dynamodb.testing.TableInvariants;
import dev.gracekeys.store.dynamodb.testing.TestTable;
import dev.gracekeys.core.verify.Verdict;
import dev.gracekeys.core.verify.Verifier;
import dev.gracekeys.testkit.DynamoDbLocal;
import dev.gracekeys.functions.authorizer.VerifyAuthorizerHandler;
import dev.gracekeys.functions.revokeold.RevokeOldHandler;
import dev.gracekeys.functions.rotate.RotateHandler;
import dev.gracekeys.lambda.LambdaTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.*;

/**
 * DynamoDB slow, resetting connections, black-holed, or stopped: the real handlers (their own
 * Micronaut contexts, the production AWS client factory and retry settings) talk to DynamoDB Local
 * through {@link FaultProxy}, with {@code VERIFY_TIMEOUT_MILLIS=500}.
 *
 * <ul>
 *   <li>The authorizer denies in every fault mode (fail closed, reason STORE_UNAVAILABLE) and
 *       answers within the budget plus a margin; the bound asserted, 5 s, only proves it never
 *       hangs near API Gateway's 10 s limit. Measured times are printed for docs/reliability.md.</li>
 *   <li>Ops functions fail with the retryable {@link StoreUnavailableException} within their 30 s
 *       Lambda timeout, also into a black hole, and leave the table as it was (same snapshot, no
 *       invariant broken) once the proxy heals. A store slower than the budget but answering is
 *       only slow for ops: the rotation completes whole.</li>
 *   <li>After healing, the same handler instances work again: no restart.</li>
 * </ul>
 */
class FaultStoreIT {

    private static final String TABLE = "gracekeys-faults";
    private static final String BUDGET_MILLIS = "500";
    /** Far below API Gateway's 10 s authorizer limit; not a performance figure. */
    private static final long NO_HANG_MILLIS = 5_000;
    /** The ops functions' Lambda timeout in template.yaml (Globals). */
    private static final long OPS_LAMBDA_TIMEOUT_MILLIS = 30_000;

    private static final List<String> FIGURES = new CopyOnWriteArrayList<>();

    @AfterAll
    static void printFigures() {
        System.out.println("---- FaultStoreIT figures (VERIFY_TIMEOUT_MILLIS=" + BUDGET_MILLIS + ") ----");
        FIGURES.forEach(System.out::println);
    }

    @Test
    void slowDroppingOrBlackholedStore_authorizerDeniesWithinBudget_opsFailWhole_andHealWithoutRestart() throws Exception {
        try (DynamoDbLocal db = DynamoDbLocal.start(0, null);
             FaultProxy proxy = new FaultProxy(db.port());
             Handlers h = Handlers.start(db, proxy.endpoint().toString())) {
            String clientId = "FAULT01";
            Map<String, Object> created = h.rotate(Map.of("clientId", clientId, "create", true));
            String previous = (String) created.get("token");
            String current = (String) h.rotate(Map.of("clientId", clientId, "graceSeconds", 3600)).get("token");

            // Healthy, and slow but within the budget: both allowed (the deny below is not a hair trigger).
            figure("pass", "allow", h.timedAuthorize(current, true));
            assertTrue(h.authorize(previous), "previous token within its grace window");
            proxy.delay(Duration.ofMillis(100));
            figure("delay 100 ms (inside the budget)", "allow", h.timedAuthorize(current, true));

            // ---- DELAY 2 s: a store slower than the budget.
            proxy.delay(Duration.ofSeconds(2));
            figure("delay 2000 ms", "deny", h.timedAuthorize(current, false));
            assertEquals(Verdict.DenyReason.STORE_UNAVAILABLE, h.verifier().verify(current).reason());
            // Ops allow a DynamoDB call 3 s an attempt: an answer 2 s late is slow, not an error. The
            // rotation lands whole.
            List<Map<String, AttributeValue>> before = h.table.snapshot();
            long t0 = System.nanoTime();
            Map<String, Object> slow = h.rotate(Map.of("clientId", clientId, "graceSeconds", 3600));
            FIGURES.add(String.format("mode=delay 2000 ms  rotate: succeeded in %d ms (whole: new current %s)",
                    millisSince(t0), slow.get("tokenId")));
            proxy.pass();
            assertNoViolations(h);
            assertTrue(h.authorize((String) slow.get("token")));
            assertTrue(h.authorize(current), "the demoted token is the previous one now");
            assertFalse(h.authorize(previous), "the older previous token was dropped (MAX_PREVIOUS_TOKENS=1)");
            assertNotEquals(before, h.table.snapshot());
            previous = current;
            current = (String) slow.get("token");

            // ---- DROP: connections closed as soon as they are accepted.
            before = h.table.snapshot();
            proxy.drop();
            figure("drop", "deny", h.timedAuthorize(current, false));
            assertEquals(Verdict.DenyReason.STORE_UNAVAILABLE, h.verifier().verify(current).reason());
            opsFigure("drop", "rotate", h.timedStoreUnavailable(() -> h.rotate(Map.of("clientId", clientId, "graceSeconds", 3600))));
            opsFigure("drop", "revoke-old", h.timedStoreUnavailable(() -> h.revokeOld(Map.of("clientId", clientId))));
            proxy.pass();
            assertEquals(before, h.table.snapshot(), "a failed op leaves the table exactly as it was");
            assertNoViolations(h);
            assertTrue(h.authorize(current), "healed: the same authorizer instance allows again");
            assertTrue(h.authorize(previous));

            // ---- BLACKHOLE: connections accepted, never answered.
            before = h.table.snapshot();
            proxy.blackhole();
            figure("blackhole", "deny", h.timedAuthorize(current, false));
            assertEquals(Verdict.DenyReason.STORE_UNAVAILABLE, h.verifier().verify(current).reason());
            // Every DynamoDB call of the ops functions is bounded (AwsClients: 3 s an attempt, 10 s in
            // all), so an op into a black hole fails with the retryable error inside its 30 s Lambda
            // timeout (before that bound existed it waited ~91 s: 9 attempts x the 10 s socket timeout).
            opsFigure("blackhole", "rotate", h.timedStoreUnavailable(() -> h.rotate(Map.of("clientId", clientId, "graceSeconds", 3600))));
            proxy.pass();
            assertEquals(before, h.table.snapshot(), "failed whole: nothing written");
            assertNoViolations(h);

            // ---- healed: everything works, same handler instances.
            figure("healed", "allow", h.timedAuthorize(current, true));
            assertTrue(h.authorize(previous));
            Map<String, Object> after = h.rotate(Map.of("clientId", clientId, "graceSeconds", 3600));
            assertTrue(h.authorize((String) after.get("token")));
            assertEquals(Boolean.TRUE, h.revokeOld(Map.of("clientId", clientId)).get("revoked"));
            assertFalse(h.authorize(current), "revoked");
            assertNoViolations(h);
        }
    }

    @Test
    void dynamoDbStoppedMidRun_authorizerDeniesWhileDown_andAllowsAgainAfterRestart_sameHandler(@TempDir Path dataDir)
            throws Exception {
        int port = freePort();
        DynamoDbLocal db = DynamoDbLocal.start(port, dataDir);
        try (Handlers h = Handlers.start(db, db.endpoint().toString())) {
            String clientId = "RESTART01";
            String previous = (String) h.rotate(Map.of("clientId", clientId, "create", true)).get("token");
            String current = (String) h.rotate(Map.of("clientId", clientId, "graceSeconds", 3600)).get("token");
            assertTrue(h.authorize(current));
            assertTrue(h.authorize(previous));
            List<Map<String, AttributeValue>> before = h.table.snapshot();

            db.close();
            figure("DynamoDB Local stopped", "deny", h.timedAuthorize(current, false));
            assertEquals(Verdict.DenyReason.STORE_UNAVAILABLE, h.verifier().verify(current).reason());
            opsFigure("DynamoDB Local stopped", "rotate",
                    h.timedStoreUnavailable(() -> h.rotate(Map.of("clientId", clientId, "graceSeconds", 3600))));

            db = DynamoDbLocal.start(port, dataDir); // same port, same data folder
            figure("DynamoDB Local restarted", "allow", h.timedAuthorize(current, true));
            assertTrue(h.authorize(previous), "the data survived the restart, and the handler needed none");
            assertEquals(before, h.table.snapshot(), "the rotate while it was down wrote nothing");
            Map<String, Object> rotated = h.rotate(Map.of("clientId", clientId, "graceSeconds", 3600));
            assertTrue(h.authorize((String) rotated.get("token")));
            assertTrue(h.authorize(current));
            assertFalse(h.authorize(previous));
            assertNoViolations(h);
        } finally {
            db.close();
        }
    }

    // ---- helpers ----------------------------------------------------------------------------------

    private static void figure(String mode, String what, List<Long> millis) {
        FIGURES.add(String.format("mode=%s  %s: %s ms", mode, what, millis));
        for (long ms : millis) {
            assertTrue(ms < NO_HANG_MILLIS, mode + ": " + what + " took " + ms + " ms");
        }
    }

    /** An op's time to fail; bounded by the Lambda timeout in {@link Handlers#timedStoreUnavailable}. */
    private static void opsFigure(String mode, String what, long millis) {
        FIGURES.add(String.format("mode=%s  %s: StoreUnavailableException after %d ms", mode, what, millis));
    }

    private static void assertNoViolations(Handlers h) {
        assertEquals(List.of(), TableInvariants.violations(h.table, h.kit.clock.instant()));
    }

    private static long millisSince(long nanos) {
        return (System.nanoTime() - nanos) / 1_000_000;
    }

    private static int freePort() {
        return Loopback.freePort();
    }

    /** The real rotate, revoke-old and authorizer handlers, all pointed at {@code endpoint}. */
    private static final class Handlers implements AutoCloseable {
        final TestTable table;
        final LambdaTestKit kit;
        final RotateHandler rotate;
        final RevokeOldHandler revokeOld;
        final VerifyAuthorizerHandler authorizer;

        private Handlers(TestTable table, LambdaTestKit kit) {
            this.table = table;
            this.kit = kit;
            this.rotate = new RotateHandler(kit.context());
            this.revokeOld = new RevokeOldHandler(kit.context());
            this.authorizer = new VerifyAuthorizerHandler(kit.context());
        }

        /** Creates the table in {@code db}; the handlers reach DynamoDB at {@code endpoint}. */
        static Handlers start(DynamoDbLocal db, String endpoint) {
            DynamoDbClient direct = DynamoDbLocalExtension.client(db.endpoint(), new RequestCounter());
            direct.createTable(TableSchema.createTable(TABLE));
            TestTable table = new TestTable(TABLE, direct, new RequestCounter(), db.endpoint());
            LambdaTestKit kit = new LambdaTestKit(table)
                    .with("DYNAMODB_ENDPOINT", endpoint)
                    .with("VERIFY_TIMEOUT_MILLIS", BUDGET_MILLIS);
            return new Handlers(table, kit);
        }

        Map<String, Object> rotate(Map<String, Object> payload) {
            return rotate.handleRequest(new HashMap<>(payload), LambdaTestKit.lambdaContext());
        }

        Map<String, Object> revokeOld(Map<String, Object> payload) {
            return revokeOld.handleRequest(new HashMap<>(payload), LambdaTestKit.lambdaContext());
        }

        /** The authorizer's own Verifier bean (same instance the handler uses), for the deny reason. */
        Verifier verifier() {
            return authorizer.getApplicationContext().getBean(Verifier.class);
        }

        boolean authorize(String token) {
            return Boolean.TRUE.equals(authorizer.handleRequest(event(token), LambdaTestKit.lambdaContext()).get("isAuthorized"));
        }

        /** Three pushes' authorizer calls, each timed; all must give {@code expected}. */
        List<Long> timedAuthorize(String token, boolean expected) {
            List<Long> times = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                long t0 = System.nanoTime();
                boolean allowed = authorize(token);
                times.add(millisSince(t0));
                assertEquals(expected, allowed, (expected ? "allow" : "deny") + " expected");
            }
            return times;
        }

        /** Runs an op that must fail with the retryable StoreUnavailableException, and times it. */
        long timedStoreUnavailable(org.junit.jupiter.api.function.Executable op) {
            long t0 = System.nanoTime();
            StoreUnavailableException e = assertThrows(StoreUnavailableException.class, op);
            long ms = millisSince(t0);
            assertTrue(((GraceKeysException) e).retryable());
            assertTrue(ms < OPS_LAMBDA_TIMEOUT_MILLIS, "failed within the Lambda timeout: " + ms + " ms");
            return ms;
        }

        @SuppressWarnings("unchecked")
        private static Map<String, Object> event(String token) {
            Map<String, Object> event = new HashMap<>(LambdaTestKit.event("verify-authorizer/http-v2-current.json"));
            Map<String, Object> headers = new HashMap<>((Map<String, Object>) event.get("headers"));
            headers.put("authorization", "Bearer " + token);
            event.put("headers", headers);
            event.put("identitySource", List.of("Bearer " + token));
            return event;
        }

        @Override
        public void close() {
            authorizer.close();
            revokeOld.close();
            rotate.close();
            table.client().close();
        }
    }
}
