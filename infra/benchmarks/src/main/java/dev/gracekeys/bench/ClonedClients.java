package dev.gracekeys.bench;

import dev.gracekeys.core.GraceKeys;
import dev.gracekeys.core.ops.ImportRecord;
import dev.gracekeys.core.ops.ImportResult;
import dev.gracekeys.store.dynamodb.TableSchema;
import dev.gracekeys.core.token.Pepper;
import dev.gracekeys.core.token.TokenHasher;
import dev.gracekeys.core.token.TokenKey;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Many backfilled clients, fast, with the real item shapes: one legacy key is imported through the
 * real {@code LegacyImporter}, its two items (client and token) are read back, and each further
 * client is a copy of them with the template's client id, item key and token id replaced wherever
 * they occur as a value, written with BatchWriteItem (25 items a request, several requests at once).
 * The keys are real: each copy's item key is the HMAC of its own legacy key under the table's pepper,
 * so a copy verifies and describes like an imported client. Whatever attributes the store writes,
 * the copies have them; a template value that a copy could not replace fails the seeding.
 */
final class ClonedClients {

    private ClonedClients() {
    }

    /**
     * Seeds {@code count} clients {@code <prefix><n>} (n from 0), each with one current token, the
     * raw key of client n being {@code LegacyKeys.records(prefix, n, n + 1, n)}'s.
     *
     * @param dynamo a client for the core's table (the writes need no interceptor)
     */
    static void seed(GraceKeys core, DynamoDbClient dynamo, String table, Pepper pepper, String prefix, int count,
                     int threads, String what) throws Exception {
        if (count <= 0) {
            return;
        }
        TokenHasher hasher = new TokenHasher(pepper);
        ImportRecord first = record(prefix, 0);
        ImportResult r = core.importer().importAll(List.of(first), false);
        if (r.imported() != 1) {
            throw new IllegalStateException("the template client was not imported: " + r);
        }
        Names template = names(hasher, first);
        Map<String, AttributeValue> clientItem = get(dynamo, table, TableSchema.clientKey(first.clientId()));
        Map<String, AttributeValue> tokenItem = get(dynamo, table, TableSchema.tokenKey(template.key()));

        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, threads), t -> {
            Thread thread = new Thread(t, "seed-batch");
            thread.setDaemon(true);
            return thread;
        });
        AtomicInteger done = new AtomicInteger(1);
        long started = System.nanoTime();
        int perBatch = 12; // two items a client, at most 25 a request
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int from = 1; from < count; from += perBatch) {
                int start = from;
                int end = Math.min(count, from + perBatch);
                futures.add(pool.submit(() -> {
                    List<WriteRequest> writes = new ArrayList<>();
                    for (int n = start; n < end; n++) {
                        Map<String, String> swap = template.to(names(hasher, record(prefix, n)));
                        writes.add(put(copy(clientItem, swap, template)));
                        writes.add(put(copy(tokenItem, swap, template)));
                    }
                    write(dynamo, table, writes);
                    int total = done.addAndGet(end - start);
                    if (total / 10_000 != (total - (end - start)) / 10_000 || total == count) {
                        Cli.progress("seeding %s: %d/%d clients (%.1f s)", what, total, count,
                                (System.nanoTime() - started) / 1e9);
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** Client n's record: its id and its own legacy key. */
    static ImportRecord record(String prefix, int n) {
        return LegacyKeys.records(prefix, n, n + 1, n).get(0);
    }

    /** The values that make an imported client that client: id, item key, token id. */
    private record Names(String clientId, TokenKey key, String tokenId) {

        Map<String, String> to(Names other) {
            return Map.of(
                    clientId, other.clientId,
                    TableSchema.CLIENT_PREFIX + clientId, TableSchema.CLIENT_PREFIX + other.clientId,
                    key.value(), other.key.value(),
                    TableSchema.TOKEN_PREFIX + key.value(), TableSchema.TOKEN_PREFIX + other.key.value(),
                    tokenId, other.tokenId);
        }

        boolean leaksInto(String s) {
            return s.contains(clientId) || s.contains(key.value()) || s.contains(tokenId);
        }
    }

    private static Names names(TokenHasher hasher, ImportRecord r) {
        TokenKey key = hasher.keyOfLegacyKey(r.key());
        return new Names(r.clientId(), key, TokenHasher.legacyTokenId(key));
    }

    private static Map<String, AttributeValue> get(DynamoDbClient dynamo, String table, Map<String, AttributeValue> key) {
        Map<String, AttributeValue> item = dynamo.getItem(g -> g.tableName(table).key(key).consistentRead(true)).item();
        if (item == null || item.isEmpty()) {
            throw new IllegalStateException("the template client's item is missing after its import");
        }
        return item;
    }

    private static Map<String, AttributeValue> copy(Map<String, AttributeValue> item, Map<String, String> swap,
                                                    Names template) {
        Map<String, AttributeValue> out = new HashMap<>();
        item.forEach((name, value) -> out.put(name, copy(value, swap, template)));
        return out;
    }

    private static AttributeValue copy(AttributeValue v, Map<String, String> swap, Names template) {
        if (v.s() != null) {
            String s = swap.getOrDefault(v.s(), v.s());
            if (template.leaksInto(s)) {
                throw new IllegalStateException("a template value is part of a longer string attribute: seed this"
                        + " table by importing every client instead");
            }
            return AttributeValue.fromS(s);
        }
        if (v.hasM()) {
            return AttributeValue.fromM(copy(v.m(), swap, template));
        }
        if (v.hasL()) {
            return AttributeValue.fromL(v.l().stream().map(e -> copy(e, swap, template)).toList());
        }
        if (v.hasSs()) {
            return AttributeValue.fromSs(v.ss().stream().map(e -> swap.getOrDefault(e, e)).toList());
        }
        return v; // numbers, booleans, binaries: nothing client-specific in them
    }

    private static WriteRequest put(Map<String, AttributeValue> item) {
        return WriteRequest.builder().putRequest(p -> p.item(item)).build();
    }

    private static void write(DynamoDbClient dynamo, String table, List<WriteRequest> writes) throws InterruptedException {
        Map<String, List<WriteRequest>> pending = Map.of(table, writes);
        for (int attempt = 0; !pending.isEmpty(); attempt++) {
            if (attempt == 10) {
                throw new IllegalStateException("DynamoDB kept items of a batch write unprocessed");
            }
            if (attempt > 0) {
                Thread.sleep(20L << attempt);
            }
            Map<String, List<WriteRequest>> request = pending;
            BatchWriteItemResponse response = dynamo.batchWriteItem(b -> b.requestItems(request));
            pending = response.hasUnprocessedItems() ? response.unprocessedItems() : Map.of();
        }
    }
}
