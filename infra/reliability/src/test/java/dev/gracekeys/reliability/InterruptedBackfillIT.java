package dev.gracekeys.reliability;

import dev.gracekeys.core.events.DomainEvent;
import dev.gracekeys.store.dynamodb.testing.DynamoDbLocalExtension;
import dev.gracekeys.store.dynamodb.testing.TableInvariants;
import dev.gracekeys.store.dynamodb.testing.TestTable;
import dev.gracekeys.core.verify.Verifier;
import dev.gracekeys.functions.backfill.BackfillHandler;
import dev.gracekeys.lambda.LambdaTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsRequest;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Backfill interrupted midway and run again gives the same table as one uninterrupted run, with no
 * duplicate: 2,000 legacy records (raw keys and unpeppered SHA-256 hashes, each with its createdAt,
 * so the tables compare item for item), through the real backfill handler.
 * <ul>
 *   <li>the Lambda deadline: a context whose remaining time drops under the margin after about 700
 *       records; then resumed from the returned cursor;</li>
 *   <li>DynamoDB failing for some records (an SDK fault on their transaction: some never sent,
 *       some committed with the answer lost), which stops the run; then the whole input again, which
 *       recognises what is done (skipped, never a conflict or a duplicate).</li>
 * </ul>
 * Each final snapshot must equal, item for item, the reference run's on a fresh table.
 */
@ExtendWith(DynamoDbLocalExtension.class)
class InterruptedBackfillIT {

    private static final int RECORDS = 2_000;
    private static final List<Map<String, Object>> INPUT = records();
    private static final List<String> FIGURES = new CopyOnWriteArrayList<>();
    private static List<Map<String, AttributeValue>> reference;

    @AfterAll
    static void printFigures() {
        System.out.println("---- InterruptedBackfillIT figures (" + RECORDS + " records) ----");
        FIGURES.forEach(System.out::println);
    }

    @Test
    void deadlineMidway_resumedFromTheCursor_givesTheReferenceTable(TestTable table) {
        List<Map<String, AttributeValue>> expected = reference();
        LambdaTestKit kit = kit(table);
        AtomicInteger checks = new AtomicInteger();
        // Plenty of time for the first 700 records, then under the margin (15 s by default).
        var deadline = LambdaTestKit.lambdaContext(() -> checks.incrementAndGet() <= 700 ? 600_000 : 5_000);
        try (BackfillHandler backfill = new BackfillHandler(kit.context())) {
            long t0 = System.nanoTime();
            Map<String, Object> first = backfill.handleRequest(payload(null), deadline);
            String cursor = (String) first.get("nextCursor");
            assertNotNull(cursor, "paused before the deadline");
            int done = Integer.parseInt(cursor);
            // 700 checks of the time left, one of them by the handler itself before the first record.
            assertTrue(done >= 690 && done <= 700, "paused near record 700: " + done);
            assertEquals(done, first.get("imported"), "everything before the cursor is done, nothing after it");
            assertEquals(2 * done, table.snapshot().size(), "no half-imported record");
            assertEquals(0, kit.events.ofType(DomainEvent.BACKFILL_COMPLETED).size());

            Map<String, Object> resumed = backfill.handleRequest(payload(cursor), LambdaTestKit.lambdaContext());
            assertNull(resumed.get("nextCursor"));
            assertEquals(RECORDS - done, resumed.get("imported"));
            assertEquals(0, resumed.get("skipped"));
            assertEquals(expected, table.snapshot(), "interrupted + resumed == one uninterrupted run");
            assertEquals(1, kit.events.ofType(DomainEvent.BACKFILL_COMPLETED).size());
            FIGURES.add(String.format("Lambda deadline after %d records -> nextCursor %s (%d items written, no half"
                            + " record); resumed from the cursor: %s imported, %s skipped; final table == reference"
                            + " (%d items): true; %d ms in all", done, cursor, 2 * done, resumed.get("imported"),
                    resumed.get("skipped"), expected.size(), (System.nanoTime() - t0) / 1_000_000));
        }
        assertKeysVerify(kit);
        assertEquals(List.of(), TableInvariants.violations(table, kit.clock.instant()));
    }

    @Test
    void storeFailingForSomeRecords_stopsTheRun_thenRerunWhole_givesTheReferenceTable(TestTable table) {
        List<Map<String, AttributeValue>> expected = reference();
        LambdaTestKit kit = kit(table);
        // Records 1000 and 1001: the request never reaches DynamoDB; 1002 and 1003: committed, answer
        // lost. On every attempt, so the SDK's retries give up and the run stops.
        Set<String> neverSent = Set.of(clientId(1000), clientId(1001));
        Set<String> answerLost = Set.of(clientId(1002), clientId(1003));
        InterruptedFaultInterceptor before = new InterruptedFaultInterceptor();
        InterruptedFaultInterceptor after = new InterruptedFaultInterceptor();
        before.arm(InterruptedFaultInterceptor.Point.BEFORE_TRANSMISSION, Integer.MAX_VALUE, creating(neverSent));
        after.arm(InterruptedFaultInterceptor.Point.AFTER_TRANSMISSION, Integer.MAX_VALUE, creating(answerLost));
        try (BackfillHandler backfill = new BackfillHandler(kit.context(new FaultPair(before, after)))) {
            long t0 = System.nanoTime();
            // A failed run answers what it did, with the error and the cursor (not a function error).
            Map<String, Object> stopped = backfill.handleRequest(payload(null), LambdaTestKit.lambdaContext());
            Map<?, ?> error = (Map<?, ?>) stopped.get("error");
            assertNotNull(error, stopped.toString());
            assertEquals("StoreUnavailableException", error.get("errorType"));
            int cursor = Integer.parseInt((String) stopped.get("nextCursor"));
            assertEquals(cursor, error.get("index"));
            assertTrue(cursor >= 1000 && cursor <= 1003, "stopped at the first failing record: " + cursor);
            assertEquals(cursor, stopped.get("read"), "the answer covers the records before the cursor");
            List<Map<String, AttributeValue>> interrupted = table.snapshot();
            assertTrue(interrupted.size() < expected.size(), "the run stopped midway");
            assertTrue(interrupted.size() % 2 == 0, "client and token items come in pairs: no half-imported record");
            assertEquals(List.of(), TableInvariants.violations(table, kit.clock.instant()));
            assertTrue(interrupted.stream().anyMatch(i -> i.get("pk").s().equals("CLIENT#" + clientId(1002))),
                    "a record whose answer was lost is stored nonetheless");
            assertTrue(interrupted.stream().noneMatch(i -> i.get("pk").s().equals("CLIENT#" + clientId(1000))));

            before.disarm();
            after.disarm();
            Map<String, Object> rerun = backfill.handleRequest(payload(null), LambdaTestKit.lambdaContext());
            assertNull(rerun.get("nextCursor"));
            assertEquals(List.of(), rerun.get("conflicts"), "the lost-answer records are recognised as done");
            assertEquals(RECORDS, (int) rerun.get("imported") + (int) rerun.get("skipped"));
            assertEquals(expected, table.snapshot(), "interrupted + re-run whole == one uninterrupted run");
            FIGURES.add(String.format("DynamoDB failing for records 1000-1003 (2 never sent, 2 committed with the answer"
                            + " lost) -> run stopped at cursor %d with %d items written; whole re-run: %s imported, %s"
                            + " skipped, 0 conflicts; final table == reference: true; %d ms in all",
                    cursor, interrupted.size(), rerun.get("imported"), rerun.get("skipped"),
                    (System.nanoTime() - t0) / 1_000_000));
        }
        assertKeysVerify(kit);
    }

    /** The reference: one uninterrupted run on a fresh table, computed once. */
    private static synchronized List<Map<String, AttributeValue>> reference() {
        if (reference == null) {
            TestTable fresh = DynamoDbLocalExtension.newTable();
            try {
                LambdaTestKit kit = kit(fresh);
                try (BackfillHandler backfill = new BackfillHandler(kit.context())) {
                    long t0 = System.nanoTime();
                    Map<String, Object> out = backfill.handleRequest(payload(null), LambdaTestKit.lambdaContext());
                    assertEquals(RECORDS, out.get("imported"));
                    assertNull(out.get("nextCursor"));
                    FIGURES.add(String.format("reference: one uninterrupted run imported %s records in %d ms",
                            out.get("imported"), (System.nanoTime() - t0) / 1_000_000));
                }
                reference = fresh.snapshot();
                assertEquals(2 * RECORDS, reference.size(), "one client and one token item per record");
            } finally {
                fresh.client().deleteTable(r -> r.tableName(fresh.name()));
                fresh.client().close();
            }
        }
        return reference;
    }

    private static LambdaTestKit kit(TestTable table) {
        return new LambdaTestKit(table).with("BACKFILL_CONCURRENCY", "8").with("BACKFILL_PROGRESS_EVERY", "100000");
    }

    private static Map<String, Object> payload(String cursor) {
        Map<String, Object> p = new HashMap<>();
        p.put("records", INPUT);
        if (cursor != null) {
            p.put("cursor", cursor);
        }
        return p;
    }

    private static String clientId(int i) {
        return String.format("LEG%05d", i);
    }

    private static String key(int i) {
        return String.format("legacy-key-%05d-abcdefgh", i);
    }

    /** Every third record by its SHA-256 (the raw key gone), the others by the raw key. */
    private static List<Map<String, Object>> records() {
        List<Map<String, Object>> list = new ArrayList<>();
        Instant base = Instant.parse("2024-01-15T10:00:00Z");
        for (int i = 0; i < RECORDS; i++) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("clientId", clientId(i));
            if (i % 3 == 2) {
                r.put("sha256", sha256(key(i)));
            } else {
                r.put("key", key(i));
            }
            r.put("name", "Legacy device " + i);
            r.put("createdAt", base.plusSeconds(3600L * i).toString());
            list.add(r);
        }
        return List.copyOf(list);
    }

    private static void assertKeysVerify(LambdaTestKit kit) {
        Verifier verifier = kit.core().verifier();
        for (int i : new int[]{0, 1, 2, 999, 1000, 1001, 1002, 1003, RECORDS - 1}) {
            assertTrue(verifier.verify(key(i)).allowed(), "legacy key " + i + " verifies");
        }
    }

    private static Predicate<TransactWriteItemsRequest> creating(Set<String> clientIds) {
        return r -> {
            var first = r.transactItems().get(0).put();
            return first != null && first.item().containsKey("clientId")
                    && clientIds.contains(first.item().get("clientId").s());
        };
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Two fault points at once, as one interceptor bean. */
    private static final class FaultPair implements software.amazon.awssdk.core.interceptor.ExecutionInterceptor {
        private final InterruptedFaultInterceptor a;
        private final InterruptedFaultInterceptor b;

        FaultPair(InterruptedFaultInterceptor a, InterruptedFaultInterceptor b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public void beforeTransmission(software.amazon.awssdk.core.interceptor.Context.BeforeTransmission context,
                                       software.amazon.awssdk.core.interceptor.ExecutionAttributes attributes) {
            a.beforeTransmission(context, attributes);
            b.beforeTransmission(context, attributes);
        }

        @Override
        public void afterTransmission(software.amazon.awssdk.core.interceptor.Context.AfterTransmission context,
                                      software.amazon.awssdk.core.interceptor.ExecutionAttributes attributes) {
            a.afterTransmission(context, attributes);
            b.afterTransmission(context, attributes);
        }
    }
}
