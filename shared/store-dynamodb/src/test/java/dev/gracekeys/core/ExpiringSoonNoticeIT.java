package dev.gracekeys.core;

import dev.gracekeys.testkit.DynamoDbLocal;

import dev.gracekeys.testkit.RequestCounter;

import dev.gracekeys.core.events.DomainEvent;
import dev.gracekeys.core.events.EventPublisher;
import dev.gracekeys.core.model.Times;
import dev.gracekeys.core.ops.ExpirySweeper;
import dev.gracekeys.core.ops.Requests.RevokeRequest;
import dev.gracekeys.core.ops.Results.RotateResult;
import dev.gracekeys.core.ops.Results.SweepResult;
import dev.gracekeys.store.dynamodb.DynamoDbStore;
import dev.gracekeys.store.dynamodb.TableSchema;
import dev.gracekeys.store.dynamodb.testing.DynamoDbLocalExtension;
import dev.gracekeys.core.testing.Fixture;
import dev.gracekeys.store.dynamodb.testing.TestTable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static dev.gracekeys.core.testing.Fixture.hours;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Rule: {@code PreviousTokenExpiringSoon} is sent once per previous token, whatever the number of
 * sweeps and however they overlap; its detail carries the token's {@code lastUsedAt}, never a token
 * or a hash.
 */
@ExtendWith(DynamoDbLocalExtension.class)
class ExpiringSoonNoticeIT {

    /** A token (56 characters after its prefix) or a hash (43 of base64url) in an event's text. */
    private static final Pattern LONG_RUN = Pattern.compile("[A-Za-z0-9_-]{40,}");

    @Test
    void sweepingTwice_sendsOneNoticePerToken_carryingItsLastUse(TestTable table) {
        Fixture f = new Fixture(table);
        String usedOld = f.create("USED01");
        RotateResult used = f.rotateResult("USED01", hours(20));
        f.create("IDLE01");
        RotateResult idle = f.rotateResult("IDLE01", hours(20));
        f.clock.advance(Duration.ofMinutes(10));
        assertTrue(f.allowed(usedOld), "a pusher still on the previous token");
        Instant lastUse = f.clock.instant();
        f.clock.advance(hours(1));
        f.events.clear();

        SweepResult first = f.core.sweeper().sweep();
        var afterFirst = table.snapshot();
        table.requests().reset();
        SweepResult second = f.core.sweeper().sweep();

        assertEquals(afterFirst, table.snapshot());
        assertEquals(0, RequestCounter.WRITES.stream().mapToLong(table.requests()::count).sum(),
                "a re-run reads past the notices sent, not even a refused write: " + table.requests().snapshot());

        assertEquals(2, first.expiringSoon());
        assertEquals(2, second.expiringSoon(), "the second run still finds them expiring soon");
        assertTrue(first.complete() && second.complete());
        List<DomainEvent> notices = f.events.ofType(DomainEvent.PREVIOUS_TOKEN_EXPIRING_SOON);
        assertEquals(2, notices.size(), "one notice per token, not one per run: " + notices);
        Map<Object, DomainEvent> byClient = notices.stream()
                .collect(Collectors.toMap(e -> e.detail().get("clientId"), Function.identity()));
        DomainEvent usedNotice = byClient.get("USED01");
        assertEquals(used.previous().tokenId(), usedNotice.detail().get("tokenId"));
        assertEquals(Times.format(used.previous().expiresAt()), usedNotice.detail().get("expiresAt"));
        assertEquals(Times.format(lastUse), usedNotice.detail().get("lastUsedAt"));
        DomainEvent idleNotice = byClient.get("IDLE01");
        assertEquals(idle.previous().tokenId(), idleNotice.detail().get("tokenId"));
        assertFalse(idleNotice.detail().containsKey("lastUsedAt"), "never used: no lastUsedAt");
        for (DomainEvent e : notices) {
            assertFalse(LONG_RUN.matcher(e.detail().toString()).find(), "a token or hash in " + e);
            assertFalse(e.detail().toString().contains(usedOld));
        }
        assertEquals(List.of(), f.violations());
    }

    @Test
    void concurrentSweepers_sendOneNoticePerToken_andRemoveEachExpiredTokenOnce(TestTable table) throws Exception {
        Fixture f = new Fixture(table);
        int soon = 30;
        int gone = 10;
        for (int i = 0; i < soon; i++) {
            f.create(String.format("SOON%03d", i));
            f.rotate(String.format("SOON%03d", i), hours(20));
        }
        for (int i = 0; i < gone; i++) {
            f.create(String.format("GONE%03d", i));
            f.rotate(String.format("GONE%03d", i), hours(1));
        }
        f.clock.advance(hours(2));
        f.events.clear();

        int sweepers = 4;
        CyclicBarrier start = new CyclicBarrier(sweepers);
        CyclicBarrier firstClaims = new CyclicBarrier(sweepers);
        List<DynamoDbClient> clients = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(sweepers);
        List<SweepResult> results = new ArrayList<>();
        try {
            List<Future<SweepResult>> runs = new ArrayList<>();
            for (int s = 0; s < sweepers; s++) {
                // Each its own sweeper and DynamoDB client, as each Lambda container has, over the one
                // table. Each client holds its first claim until all four are ready to send theirs:
                // so all four race for the same token's notice at the same moment.
                DynamoDbClient dynamo = clientHoldingFirstClaim(table, firstClaims);
                clients.add(dynamo);
                ExpirySweeper sweeper = new ExpirySweeper(
                        new DynamoDbStore(dynamo, table.name(), f.config.ttlDelay()), f.events, f.clock);
                runs.add(pool.submit(() -> {
                    start.await(10, TimeUnit.SECONDS);
                    return sweeper.sweep(Duration.ofMinutes(5));
                }));
            }
            for (Future<SweepResult> run : runs) {
                results.add(run.get(60, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
            clients.forEach(DynamoDbClient::close);
        }
        // A sweeper that lost the race for a client three times leaves it to the next run.
        SweepResult after = f.core.sweeper().sweep();

        List<DomainEvent> notices = f.events.ofType(DomainEvent.PREVIOUS_TOKEN_EXPIRING_SOON);
        assertEquals(soon, notices.size(), "one notice per token across " + sweepers + " concurrent sweepers");
        assertEquals(soon, countDistinct(notices));
        List<DomainEvent> expired = f.events.ofType(DomainEvent.PREVIOUS_TOKEN_EXPIRED);
        assertEquals(gone, expired.size(), "each expired token removed and announced once");
        assertEquals(gone, countDistinct(expired));
        assertEquals(gone, results.stream().mapToInt(SweepResult::expired).sum() + after.expired());
        for (SweepResult r : results) {
            assertEquals(soon, r.expiringSoon(), "each sweeper checked every token expiring soon");
        }
        assertTrue(after.complete());
        assertEquals(List.of(), f.violations());
    }

    @Test
    void failedPublish_givesTheClaimBack_andTheNextRunSendsTheNotice(TestTable table) {
        Fixture f = new Fixture(table);
        f.create("SOON01");
        f.rotate("SOON01", hours(20));
        f.create("SOON02");
        f.rotate("SOON02", hours(20));
        f.clock.advance(hours(1));
        f.events.clear();
        AtomicBoolean busDown = new AtomicBoolean(true);
        EventPublisher flaky = batch -> {
            if (busDown.get()) {
                throw new IllegalStateException("EventBridge did not take 1 event(s)");
            }
            f.events.publish(batch);
        };
        ExpirySweeper sweeper = new ExpirySweeper(f.core.store(), flaky, f.clock);

        SweepResult failed = sweeper.sweep(Duration.ofMinutes(5));

        assertFalse(failed.complete(), "a notice was not sent: the run is not complete");
        assertEquals(List.of(), f.events.events());
        assertTrue(table.snapshot().stream().noneMatch(i -> i.containsKey(TableSchema.SOON_SENT_FOR)),
                "no claim is kept for a notice that was not sent");

        busDown.set(false);
        SweepResult next = sweeper.sweep(Duration.ofMinutes(5));

        assertTrue(next.complete());
        assertEquals(2, f.events.ofType(DomainEvent.PREVIOUS_TOKEN_EXPIRING_SOON).size());
        sweeper.sweep(Duration.ofMinutes(5));
        assertEquals(2, f.events.ofType(DomainEvent.PREVIOUS_TOKEN_EXPIRING_SOON).size());
    }

    /** The notice is for an expiry: moving it (revoke-old with graceSeconds) announces the new one, once. */
    @Test
    void movedExpiry_isAnnouncedOnceMore(TestTable table) {
        Fixture f = new Fixture(table);
        f.create("GRACE01");
        f.rotate("GRACE01", hours(20));
        f.clock.advance(hours(1));
        f.events.clear();
        f.core.sweeper().sweep();
        assertEquals(1, f.events.ofType(DomainEvent.PREVIOUS_TOKEN_EXPIRING_SOON).size());

        f.core.tokens().revokeOld(new RevokeRequest("GRACE01", hours(6).toSeconds(), null));
        f.core.sweeper().sweep();
        f.core.sweeper().sweep();

        List<DomainEvent> notices = f.events.ofType(DomainEvent.PREVIOUS_TOKEN_EXPIRING_SOON);
        assertEquals(2, notices.size(), "the moved expiry announced once: " + notices);
        assertEquals(Times.format(f.clock.instant().plus(hours(6))), notices.get(1).detail().get("expiresAt"));
        assertEquals(List.of(), f.violations());
    }

    /** A client of the test's DynamoDB Local whose first UpdateItem waits at the barrier. */
    private static DynamoDbClient clientHoldingFirstClaim(TestTable table, CyclicBarrier barrier) {
        AtomicBoolean first = new AtomicBoolean(true);
        ExecutionInterceptor hold = new ExecutionInterceptor() {
            @Override
            public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
                if ("UpdateItem".equals(attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME))
                        && first.getAndSet(false)) {
                    try {
                        barrier.await(30, TimeUnit.SECONDS);
                    } catch (Exception e) {
                        throw new IllegalStateException("the sweepers did not all reach their first claim", e);
                    }
                }
            }
        };
        return DynamoDbLocal.client(table.endpoint(), hold);
    }

    private static long countDistinct(List<DomainEvent> events) {
        Map<Object, Integer> byToken = new HashMap<>();
        events.forEach(e -> byToken.merge(e.detail().get("tokenId"), 1, Integer::sum));
        return byToken.size();
    }
}
