package dev.gracekeys.functions.backfill;

import com.sun.net.httpserver.HttpServer;
import dev.gracekeys.core.ValidationException;
import dev.gracekeys.core.events.DomainEvent;
import dev.gracekeys.store.dynamodb.testing.DynamoDbLocalExtension;
import dev.gracekeys.store.dynamodb.testing.TestTable;
import dev.gracekeys.lambda.LambdaTestKit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static dev.gracekeys.lambda.LambdaTestKit.*;
import static org.junit.jupiter.api.Assertions.*;

@ExtendWith(DynamoDbLocalExtension.class)
class BackfillHandlerIT {

    @Test
    void recordsSample_importsLegacyKeys_thatThenVerify(TestTable table) {
        LambdaTestKit kit = new LambdaTestKit(table);
        try (BackfillHandler handler = new BackfillHandler(kit.context())) {
            Map<String, Object> out = handler.handleRequest(event("backfill/records.json"), lambdaContext());
            assertEquals(List.of("dryRun", "read", "imported", "skipped", "conflicts", "rejected", "conflictCount",
                    "rejectedCount", "truncated", "nextCursor", "error"), List.copyOf(out.keySet()));
            assertNull(out.get("error"));
            assertEquals(0, out.get("conflictCount"));
            assertEquals(false, out.get("truncated"));
            assertEquals(2, out.get("imported"));
            assertNull(out.get("nextCursor"));
            assertTrue(kit.core().verifier().verify("legacy-sample-key-0001-abcdefgh").allowed());
            assertTrue(kit.core().verifier().verify("legacy-sample-key-0002-abcdefgh").allowed(),
                    "LEGACY02 was imported from its SHA-256; the raw key verifies");
            assertEquals(1, kit.events.ofType(DomainEvent.BACKFILL_COMPLETED).size());

            Map<String, Object> again = handler.handleRequest(event("backfill/records.json"), lambdaContext());
            assertEquals(0, again.get("imported"));
            assertEquals(2, again.get("skipped"));
        }
    }

    @Test
    void dryRunSample_reportsButWritesNothing(TestTable table) {
        LambdaTestKit kit = new LambdaTestKit(table);
        try (BackfillHandler handler = new BackfillHandler(kit.context())) {
            Map<String, Object> out = handler.handleRequest(event("backfill/dry-run.json"), lambdaContext());
            assertEquals(true, out.get("dryRun"));
            assertEquals(1, out.get("imported"));
            assertEquals(List.of(), table.snapshot());
        }
    }

    @Test
    void bothSourcesSample_isAValidationError(TestTable table) {
        LambdaTestKit kit = new LambdaTestKit(table);
        try (BackfillHandler handler = new BackfillHandler(kit.context())) {
            assertThrows(ValidationException.class,
                    () -> handler.handleRequest(event("backfill/invalid-both-sources.json"), lambdaContext()));
        }
    }

    /** The S3 sample through the real S3 client, against a loopback server that answers GetObject. */
    @Test
    void s3Sample_readsJsonLines_rejectingBadLinesByNumber(TestTable table) throws Exception {
        String body = String.join("\n",
                "{\"clientId\":\"S3DEV01\",\"key\":\"legacy-s3-key-0001-abcdefgh\"}",
                "",
                "not json at all",
                "{\"clientId\":\"S3DEV02\",\"sha256\":\"" + "ab".repeat(32) + "\"}",
                "[1,2,3]",
                "{\"clientId\":\"S3DEV03\",\"key\":42}") + "\n";
        AtomicReference<String> requested = new AtomicReference<>();
        HttpServer s3 = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        s3.createContext("/", exchange -> {
            requested.set(exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath());
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/octet-stream");
            exchange.sendResponseHeaders(200, bytes.length);
            try (OutputStream os = exchange.getResponseBody()) {
                os.write(bytes);
            }
        });
        s3.start();
        try {
            LambdaTestKit kit = new LambdaTestKit(table).with("S3_ENDPOINT", "http://127.0.0.1:" + s3.getAddress().getPort());
            try (BackfillHandler handler = new BackfillHandler(kit.context())) {
                Map<String, Object> out = handler.handleRequest(event("backfill/s3.json"), lambdaContext());
                assertEquals("GET /gracekeys-import/legacy-keys.jsonl", requested.get());
                assertEquals(5, out.get("read"));
                assertEquals(2, out.get("imported"));
                List<?> rejected = (List<?>) out.get("rejected");
                assertEquals(List.of(2, 4, 5), rejected.stream().map(r -> ((Map<?, ?>) r).get("index")).toList());
                assertFalse(out.toString().contains("legacy-s3-key"), "a key is echoed");
            }
        } finally {
            s3.stop(0);
        }
    }

    @Test
    void nearTheDeadline_itStopsCleanly_andTheCursorResumesToTheSameTable(TestTable table) {
        List<Map<String, Object>> records = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            records.add(Map.of("clientId", String.format("BULK%03d", i), "key", String.format("legacy-bulk-key-%04d-abcdef", i)));
        }
        LambdaTestKit kit = new LambdaTestKit(table).with("BACKFILL_CONCURRENCY", "4")
                .with("BACKFILL_DEADLINE_MARGIN_MILLIS", "10000");
        AtomicInteger calls = new AtomicInteger();
        // Plenty of time for the first 15 checks, then under the margin.
        var context = lambdaContext(() -> calls.incrementAndGet() <= 15 ? 60_000 : 5_000);
        try (BackfillHandler handler = new BackfillHandler(kit.context())) {
            Map<String, Object> first = handler.handleRequest(new java.util.HashMap<>(Map.of("records", records)), context);
            String cursor = (String) first.get("nextCursor");
            assertNotNull(cursor, "paused before the deadline");
            int done = Integer.parseInt(cursor);
            assertTrue(done > 0 && done < 40, "cursor " + done);
            assertEquals(done, first.get("imported"), "everything before the cursor is done, nothing after it");
            assertEquals(0, kit.events.ofType(DomainEvent.BACKFILL_COMPLETED).size(), "not complete yet");

            Map<String, Object> rest = handler.handleRequest(
                    new java.util.HashMap<>(Map.of("records", records, "cursor", cursor)), lambdaContext());
            assertNull(rest.get("nextCursor"));
            assertEquals(40 - done, rest.get("imported"));
        }
        var resumed = table.snapshot();
        assertEquals(40 * 2, resumed.size());
        assertTrue(kit.core().verifier().verify("legacy-bulk-key-0039-abcdef").allowed());
    }

    /**
     * 600 records, several transactions in flight, repeats of clients and keys on both sides of the
     * pause: the cursor marks a point before which every record is done and after which none is;
     * resumed from it, the table is the one a clean run gives, item for item.
     */
    @Test
    void nearTheDeadline_withRepeatsAroundTheCursor_itStopsCleanly_andResumingGivesTheCleanRunsTable(TestTable table) {
        List<Map<String, Object>> records = new ArrayList<>();
        for (int i = 0; i < 600; i++) {
            int n = i % 9 == 4 ? i - 120 : i % 7 == 2 ? i - 1 : i; // repeats 1 and 120 records back
            String key = i % 25 == 3 ? "legacy-bulk-key-%04d-other" : "legacy-bulk-key-%04d-abcdef";
            records.add(bulk(String.format("BULK%04d", Math.max(0, n)), String.format(key, Math.max(0, n))));
        }
        LambdaTestKit kit = new LambdaTestKit(table).with("BACKFILL_CONCURRENCY", "4")
                .with("BACKFILL_DEADLINE_MARGIN_MILLIS", "10000");
        AtomicInteger checks = new AtomicInteger();
        var context = lambdaContext(() -> checks.incrementAndGet() <= 330 ? 60_000 : 5_000);
        try (BackfillHandler handler = new BackfillHandler(kit.context())) {
            Map<String, Object> first = handler.handleRequest(new java.util.HashMap<>(Map.of("records", records)), context);
            int done = Integer.parseInt((String) first.get("nextCursor"));
            assertTrue(done > 200 && done < 600, "cursor " + done);
            assertEquals(done, first.get("read"), "every record before the cursor is done, none after it");
            java.util.Set<String> before = new java.util.HashSet<>();
            records.subList(0, done).forEach(r -> before.add((String) r.get("clientId")));
            for (var item : table.snapshot()) {
                if (item.get("pk").s().startsWith("CLIENT#")) {
                    assertTrue(before.contains(item.get("clientId").s()), "imported from after the cursor: "
                            + item.get("clientId").s());
                }
            }

            Map<String, Object> rest = handler.handleRequest(
                    new java.util.HashMap<>(Map.of("records", records, "cursor", first.get("nextCursor"))), lambdaContext());
            assertNull(rest.get("nextCursor"));
            assertEquals(600 - done, rest.get("read"));
        }
        assertEquals(cleanRun(records), table.snapshot(), "paused + resumed == one clean run");
    }

    /**
     * Record 150's client cannot be written (DynamoDB unreachable for it): the run stops there and
     * answers what it did, as a result and not a function error, so the report is not lost: the
     * counts and the conflict of record 30 (before the stop), the error's type and message, and
     * {@code nextCursor} 150, everything before it done. The record after it with the same client
     * (151) and a later one with its key (260) are never imported in its place. Resumed from the
     * cursor, the table is the clean run's, and the two answers add up to the clean run's.
     */
    @Test
    void aFailingRecord_answersTheReportSoFar_withTheErrorAndTheCursor_andNothingLaterTakesItsClientOrKey(
            TestTable table) {
        List<Map<String, Object>> records = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            records.add(bulk(String.format("BULK%04d", i), String.format("legacy-bulk-key-%04d-abcdef", i)));
        }
        records.set(30, bulk("BULK0030", "legacy-bulk-key-0010-abcdef")); // BULK0010's key: a conflict
        records.set(40, Map.of("clientId", "BULK0040"));                   // no key: rejected
        records.set(150, bulk("FAILING", "legacy-bulk-key-0150-abcdef"));
        records.set(151, bulk("FAILING", "legacy-bulk-key-0151-abcdef"));
        records.set(260, bulk("TAKER", "legacy-bulk-key-0150-abcdef"));
        Unreachable fault = new Unreachable("FAILING");
        LambdaTestKit kit = new LambdaTestKit(table).with("BACKFILL_CONCURRENCY", "4");
        try (BackfillHandler handler = new BackfillHandler(kit.context(fault))) {
            Map<String, Object> stopped = handler.handleRequest(new java.util.HashMap<>(Map.of("records", records)),
                    lambdaContext());
            assertEquals("150", stopped.get("nextCursor"), stopped.toString());
            Map<?, ?> error = (Map<?, ?>) stopped.get("error");
            assertNotNull(error, "the answer says why it stopped");
            assertEquals(150, error.get("index"));
            assertEquals("StoreUnavailableException", error.get("errorType"));
            assertEquals(true, error.get("retryable"));
            assertTrue(((String) error.get("errorMessage")).contains("DynamoDB"), error.toString());
            assertEquals(150, stopped.get("read"), "the records before the cursor, no more");
            assertEquals(148, stopped.get("imported"));
            assertEquals(List.of(30), indexes(stopped.get("conflicts")));
            assertEquals(List.of(40), indexes(stopped.get("rejected")));
            assertEquals(1, stopped.get("conflictCount"));
            assertEquals(0, kit.events.ofType(DomainEvent.BACKFILL_COMPLETED).size(), "not complete");
            java.util.Set<String> clients = new java.util.HashSet<>();
            table.snapshot().forEach(item -> {
                if (item.get("pk").s().startsWith("CLIENT#")) {
                    clients.add(item.get("clientId").s());
                }
            });
            for (int i = 0; i < 150; i++) {
                assertEquals(i != 30 && i != 40, clients.contains(String.format("BULK%04d", i)), "record " + i);
            }
            assertFalse(clients.contains("FAILING"));
            assertFalse(clients.contains("TAKER"));

            fault.off();
            Map<String, Object> rest = handler.handleRequest(
                    new java.util.HashMap<>(Map.of("records", records, "cursor", stopped.get("nextCursor"))),
                    lambdaContext());
            assertNull(rest.get("nextCursor"));
            assertNull(rest.get("error"));
            assertEquals(List.of(151, 260), indexes(rest.get("conflicts")), "as in a clean run");
            assertEquals(300, (int) stopped.get("read") + (int) rest.get("read"), "the two answers add up");
        }
        assertEquals(cleanRun(records), table.snapshot(), "stopped + resumed == one clean run");
    }

    /**
     * A Lambda answer is at most 6 MB: the conflicts and rejections are listed up to the first 100
     * each, in input order; the counts are exact and {@code truncated} says the lists were cut.
     */
    @Test
    void manyConflictsAndRejections_listTheFirst100InInputOrder_andCountThemAll(TestTable table) {
        List<Map<String, Object>> taken = new ArrayList<>();
        for (int i = 0; i < 180; i++) {
            taken.add(bulk(String.format("HOLDER%04d", i), String.format("legacy-bulk-key-%04d-abcdef", i)));
        }
        List<Map<String, Object>> records = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            if (i % 2 == 0 && i < 360) {        // 180 keys that other clients hold: conflicts
                records.add(bulk(String.format("BULK%04d", i), String.format("legacy-bulk-key-%04d-abcdef", i / 2)));
            } else if (i % 2 == 1 && i < 300) { // 150 records without a key: rejected
                records.add(Map.of("clientId", String.format("BULK%04d", i)));
            } else {                            // 70 new: imported
                records.add(bulk(String.format("BULK%04d", i), String.format("legacy-new-key-%04d-abcdef", i)));
            }
        }
        LambdaTestKit kit = new LambdaTestKit(table);
        try (BackfillHandler handler = new BackfillHandler(kit.context())) {
            handler.handleRequest(new java.util.HashMap<>(Map.of("records", taken)), lambdaContext());
            Map<String, Object> out = handler.handleRequest(new java.util.HashMap<>(Map.of("records", records)),
                    lambdaContext());
            assertEquals(400, out.get("read"));
            assertEquals(70, out.get("imported"));
            assertEquals(180, out.get("conflictCount"));
            assertEquals(150, out.get("rejectedCount"));
            assertEquals(true, out.get("truncated"));
            List<Integer> conflicts = indexes(out.get("conflicts"));
            List<Integer> rejected = indexes(out.get("rejected"));
            assertEquals(100, conflicts.size());
            assertEquals(100, rejected.size());
            for (int n = 0; n < 100; n++) {
                assertEquals(2 * n, conflicts.get(n), "the first 100 conflicts in input order");
                assertEquals(2 * n + 1, rejected.get(n), "the first 100 rejections in input order");
            }

            Map<String, Object> few = handler.handleRequest(new java.util.HashMap<>(Map.of("records",
                    records.subList(0, 10))), lambdaContext());
            assertEquals(5, few.get("conflictCount"));
            assertEquals(5, ((List<?>) few.get("conflicts")).size());
            assertEquals(false, few.get("truncated"));
        }
    }

    /**
     * The S3 object's stream breaks off after three records: the run answers what it did (not a
     * function error) with the cursor at the line it could not read, and resuming finishes it.
     */
    @Test
    void s3StreamBreakingOff_answersTheReportSoFar_withTheCursorOfTheUnreadLine(TestTable table) throws Exception {
        String lines = "{\"clientId\":\"S3DEV01\",\"key\":\"legacy-s3-key-0001-abcdefgh\"}\n"
                + "\n"
                + "{\"clientId\":\"S3DEV02\",\"key\":\"legacy-s3-key-0002-abcdefgh\"}\n"
                + "{\"clientId\":\"S3DEV03\",\"key\":\"legacy-s3-key-0003-abcdefgh\"}\n";
        String rest = "{\"clientId\":\"S3DEV04\",\"key\":\"legacy-s3-key-0004-abcdefgh\"}\n";
        AtomicInteger gets = new AtomicInteger();
        HttpServer s3 = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        s3.createContext("/", exchange -> {
            byte[] all = (lines + rest).getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/octet-stream");
            exchange.sendResponseHeaders(200, all.length);
            OutputStream os = exchange.getResponseBody();
            if (gets.incrementAndGet() == 1) { // the first GET breaks off after the first four lines
                os.write(lines.getBytes(StandardCharsets.UTF_8));
                os.flush();
                exchange.close();
                return;
            }
            os.write(all);
            os.close();
        });
        s3.start();
        try {
            LambdaTestKit kit = new LambdaTestKit(table).with("S3_ENDPOINT", "http://127.0.0.1:" + s3.getAddress().getPort());
            try (BackfillHandler handler = new BackfillHandler(kit.context())) {
                Map<String, Object> out = handler.handleRequest(event("backfill/s3.json"), lambdaContext());
                assertEquals(3, out.get("imported"), out.toString());
                assertEquals("4", out.get("nextCursor"), "line 4 (0-based) could not be read");
                Map<?, ?> error = (Map<?, ?>) out.get("error");
                assertEquals("StoreUnavailableException", error.get("errorType"));
                assertEquals(4, error.get("index"));

                Map<String, Object> resumed = handler.handleRequest(new java.util.HashMap<>(Map.of(
                        "s3", Map.of("bucket", "gracekeys-import", "key", "legacy-keys.jsonl"),
                        "cursor", out.get("nextCursor"))), lambdaContext());
                assertEquals(1, resumed.get("imported"), resumed.toString());
                assertNull(resumed.get("nextCursor"));
                assertNull(resumed.get("error"));
            }
        } finally {
            s3.stop(0);
        }
    }

    private static List<Integer> indexes(Object problems) {
        return ((List<?>) problems).stream().map(p -> (Integer) ((Map<?, ?>) p).get("index")).toList();
    }

    private static Map<String, Object> bulk(String clientId, String key) {
        return Map.of("clientId", clientId, "key", key, "createdAt", "2024-03-01T00:00:00Z");
    }

    /** The table one uninterrupted run of {@code records} gives, through the handler, on a fresh table. */
    private static List<Map<String, software.amazon.awssdk.services.dynamodb.model.AttributeValue>> cleanRun(
            List<Map<String, Object>> records) {
        TestTable fresh = DynamoDbLocalExtension.newTable();
        try (BackfillHandler handler = new BackfillHandler(new LambdaTestKit(fresh).context())) {
            assertNull(handler.handleRequest(new java.util.HashMap<>(Map.of("records", records)), lambdaContext())
                    .get("nextCursor"));
            return fresh.snapshot();
        } finally {
            fresh.client().deleteTable(r -> r.tableName(fresh.name()));
            fresh.client().close();
        }
    }

    /** Fails every transaction that writes an item of this client, before it is sent (until off). */
    private static final class Unreachable implements software.amazon.awssdk.core.interceptor.ExecutionInterceptor {
        private final String clientId;
        private volatile boolean on = true;

        Unreachable(String clientId) {
            this.clientId = clientId;
        }

        void off() {
            on = false;
        }

        @Override
        public void beforeExecution(software.amazon.awssdk.core.interceptor.Context.BeforeExecution context,
                                    software.amazon.awssdk.core.interceptor.ExecutionAttributes attributes) {
            if (on && context.request() instanceof software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsRequest r
                    && r.transactItems().stream().anyMatch(i -> i.put() != null && i.put().item().containsKey("clientId")
                    && clientId.equals(i.put().item().get("clientId").s()))) {
                throw software.amazon.awssdk.core.exception.SdkClientException.create("injected: DynamoDB unreachable");
            }
        }
    }
}
