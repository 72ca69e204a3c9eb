package dev.gracekeys.bench;

import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.ScanResponse;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * DynamoDB Local's own write ceiling for a backfill: the very items an import wrote (read back
 * from its table, so the shapes are the importer's), written again into an empty table of the same
 * schema by unconditional {@code BatchWriteItem}s of 25 items, from as many threads as the importer
 * keeps transactions in flight. No condition, no transaction, no read: what no importer that
 * refuses to overwrite can beat on this server. Only the writes are timed.
 */
final class BackfillCeiling {

    private static final int BATCH = 25;

    private BackfillCeiling() {
    }

    /** Every item of {@code table} (a full Scan; not timed). */
    static List<Map<String, AttributeValue>> itemsOf(DynamoDbClient dynamo, String table) {
        List<Map<String, AttributeValue>> items = new ArrayList<>();
        Map<String, AttributeValue> start = null;
        do {
            Map<String, AttributeValue> from = start;
            ScanResponse page = dynamo.scan(r -> r.tableName(table).exclusiveStartKey(from));
            items.addAll(page.items());
            start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
        } while (start != null);
        return items;
    }

    /** Writes {@code items} into {@code table} with {@code threads} writers; returns the seconds it took. */
    static double write(DynamoDbClient dynamo, String table, List<Map<String, AttributeValue>> items, int threads)
            throws Exception {
        List<List<WriteRequest>> batches = new ArrayList<>();
        for (int from = 0; from < items.size(); from += BATCH) {
            List<WriteRequest> batch = new ArrayList<>(BATCH);
            for (Map<String, AttributeValue> item : items.subList(from, Math.min(items.size(), from + BATCH))) {
                batch.add(WriteRequest.builder().putRequest(p -> p.item(item)).build());
            }
            batches.add(batch);
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            long start = System.nanoTime();
            List<Future<?>> done = new ArrayList<>();
            for (List<WriteRequest> batch : batches) {
                done.add(pool.submit(() -> writeBatch(dynamo, table, batch)));
            }
            for (Future<?> f : done) {
                f.get();
            }
            return (System.nanoTime() - start) / 1e9;
        } finally {
            pool.shutdownNow();
        }
    }

    private static void writeBatch(DynamoDbClient dynamo, String table, List<WriteRequest> batch) {
        Map<String, List<WriteRequest>> request = Map.of(table, batch);
        while (!request.isEmpty()) {
            Map<String, List<WriteRequest>> pending = request;
            BatchWriteItemResponse response = dynamo.batchWriteItem(r -> r.requestItems(pending));
            request = response.hasUnprocessedItems() ? response.unprocessedItems() : Map.of();
        }
    }
}
