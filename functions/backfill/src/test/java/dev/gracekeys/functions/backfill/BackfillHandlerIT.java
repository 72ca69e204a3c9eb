package dev.gracekeys.functions.backfill;

import com.sun.net.httpserver.HttpServer;
import dev.gracekeys.core.ValidationException;
import dev.gracekeys.core.events.DomainEvent;
import dev.gracekeys.core.testing.DynamoDbLocalExtension;
import dev.gracekeys.core.testing.TestTable;
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
            assertEquals(List.of("dryRun", "read", "imported", "skipped", "conflicts", "rejected", "nextCursor"),
                    List.copyOf(out.keySet()));
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
}
