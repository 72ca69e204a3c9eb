package dev.gracekeys.bench;

import dev.gracekeys.store.dynamodb.TableSchema;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.GetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.ScanResponse;
import software.amazon.awssdk.services.dynamodb.model.TransactGetItemsResponse;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsRequest;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * Counts what a DynamoDB client really sends, as an SDK {@link ExecutionInterceptor}: requests by
 * operation name (one per execution, retries not counted twice), items read (from the unmarshalled
 * responses: a GetItem hit, the {@code ScannedCount} of a Query or Scan page, the items of a batch
 * or transactional read), and client items written (for progress lines). Attached to the very
 * client the code under measurement uses, so a figure is what went on the wire.
 *
 * <p>Never keeps or prints an item's content; the optional listener sees each request as it leaves.
 */
final class DynamoCounter implements ExecutionInterceptor {

    static final Set<String> READS = Set.of("GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems");
    static final Set<String> WRITES = Set.of("PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem",
            "TransactWriteItems");

    private final ConcurrentHashMap<String, LongAdder> requests = new ConcurrentHashMap<>();
    private final LongAdder reads = new LongAdder();
    private final LongAdder writes = new LongAdder();
    private final LongAdder itemsRead = new LongAdder();
    private final LongAdder clientItemsWritten = new LongAdder();
    private final Consumer<SdkRequest> listener;

    DynamoCounter() {
        this(null);
    }

    /** @param listener sees every request before it is sent (e.g. to note an UpdateItem's key) */
    DynamoCounter(Consumer<SdkRequest> listener) {
        this.listener = listener;
    }

    @Override
    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
        String op = attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME);
        requests.computeIfAbsent(op, k -> new LongAdder()).increment();
        if (READS.contains(op)) {
            reads.increment();
        } else if (WRITES.contains(op)) {
            writes.increment();
        }
        if (listener != null) {
            listener.accept(context.request());
        }
    }

    @Override
    public void afterUnmarshalling(Context.AfterUnmarshalling context, ExecutionAttributes attributes) {
        Object r = context.response();
        if (r instanceof GetItemResponse g) {
            if (g.hasItem() && !g.item().isEmpty()) {
                itemsRead.increment();
            }
        } else if (r instanceof QueryResponse q) {
            itemsRead.add(q.scannedCount() != null ? q.scannedCount() : q.count() == null ? 0 : q.count());
        } else if (r instanceof ScanResponse s) {
            itemsRead.add(s.scannedCount() != null ? s.scannedCount() : s.count() == null ? 0 : s.count());
        } else if (r instanceof BatchGetItemResponse b) {
            b.responses().values().forEach(items -> itemsRead.add(items.size()));
        } else if (r instanceof TransactGetItemsResponse t) {
            t.responses().forEach(i -> {
                if (i.hasItem() && !i.item().isEmpty()) {
                    itemsRead.increment();
                }
            });
        }
    }

    @Override
    public void afterExecution(Context.AfterExecution context, ExecutionAttributes attributes) {
        Object request = context.request();
        if (request instanceof TransactWriteItemsRequest t) {
            t.transactItems().forEach(i -> {
                if (i.put() != null && isClientItem(i.put().item())) {
                    clientItemsWritten.increment();
                }
            });
        } else if (request instanceof BatchWriteItemRequest b) {
            for (List<WriteRequest> writes : b.requestItems().values()) {
                writes.forEach(w -> {
                    if (w.putRequest() != null && isClientItem(w.putRequest().item())) {
                        clientItemsWritten.increment();
                    }
                });
            }
        } else if (request instanceof PutItemRequest p && isClientItem(p.item())) {
            clientItemsWritten.increment();
        }
    }

    private static boolean isClientItem(Map<String, AttributeValue> item) {
        AttributeValue pk = item == null ? null : item.get(TableSchema.PK);
        return pk != null && pk.s() != null && pk.s().startsWith(TableSchema.CLIENT_PREFIX);
    }

    /** Requests of one operation, e.g. {@code "GetItem"}. */
    long count(String operation) {
        LongAdder n = requests.get(operation);
        return n == null ? 0 : n.sum();
    }

    long total() {
        return requests.values().stream().mapToLong(LongAdder::sum).sum();
    }

    /** Read requests (GetItem, BatchGetItem, Query, Scan, TransactGetItems). */
    long reads() {
        return reads.sum();
    }

    /** Write requests (PutItem, UpdateItem, DeleteItem, BatchWriteItem, TransactWriteItems). */
    long writes() {
        return writes.sum();
    }

    long itemsRead() {
        return itemsRead.sum();
    }

    /** Client items put (a progress measure for seeding and backfill). */
    long clientItemsWritten() {
        return clientItemsWritten.sum();
    }

    Map<String, Long> byOperation() {
        Map<String, Long> m = new TreeMap<>();
        requests.forEach((k, v) -> m.put(k, v.sum()));
        return m;
    }

    void reset() {
        requests.clear();
        reads.reset();
        writes.reset();
        itemsRead.reset();
        clientItemsWritten.reset();
    }
}
