package dev.gracekeys.testkit;

import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.GetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.ScanResponse;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts the DynamoDB requests the real SDK sends (by operation) and the items they read, as an
 * SDK {@link ExecutionInterceptor}: what the tests assert about cost is what goes on the wire.
 */
public final class RequestCounter implements ExecutionInterceptor {

    /** The operations that write: what {@link #writes()} counts. */
    public static final Set<String> WRITES = Set.of("PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems",
            "BatchWriteItem");

    private final ConcurrentHashMap<String, AtomicLong> requests = new ConcurrentHashMap<>();
    private final AtomicLong itemsRead = new AtomicLong();

    @Override
    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
        String op = attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME);
        requests.computeIfAbsent(op, k -> new AtomicLong()).incrementAndGet();
    }

    @Override
    public void afterExecution(Context.AfterExecution context, ExecutionAttributes attributes) {
        Object r = context.response();
        if (r instanceof GetItemResponse g && g.hasItem() && !g.item().isEmpty()) {
            itemsRead.incrementAndGet();
        } else if (r instanceof QueryResponse q) {
            itemsRead.addAndGet(q.count());
        } else if (r instanceof ScanResponse s) {
            itemsRead.addAndGet(s.count());
        } else if (r instanceof BatchGetItemResponse b) {
            b.responses().values().forEach(items -> itemsRead.addAndGet(items.size()));
        }
    }

    /** Requests of one operation, e.g. {@code "GetItem"}. */
    public long count(String operation) {
        AtomicLong n = requests.get(operation);
        return n == null ? 0 : n.get();
    }

    /** Requests of every kind of write ({@link #WRITES}). */
    public long writes() {
        return WRITES.stream().mapToLong(this::count).sum();
    }

    public long total() {
        return requests.values().stream().mapToLong(AtomicLong::get).sum();
    }

    public long itemsRead() {
        return itemsRead.get();
    }

    public Map<String, Long> snapshot() {
        Map<String, Long> m = new TreeMap<>();
        requests.forEach((k, v) -> m.put(k, v.get()));
        return m;
    }

    public void reset() {
        requests.clear();
        itemsRead.set(0);
    }
}
