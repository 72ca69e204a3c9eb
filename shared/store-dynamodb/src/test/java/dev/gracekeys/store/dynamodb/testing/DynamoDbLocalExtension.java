package dev.gracekeys.store.dynamodb.testing;

import dev.gracekeys.testkit.RequestCounter;

import dev.gracekeys.store.dynamodb.TableSchema;
import dev.gracekeys.testkit.DynamoDbLocal;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.net.URI;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Gives a test a {@link TestTable}: a new table, created from {@link TableSchema} with TTL on, in
 * one DynamoDB Local server per test JVM (in memory, on a free loopback port). The table is deleted
 * after the test.
 */
public final class DynamoDbLocalExtension implements ParameterResolver, AfterEachCallback {

    private static final AtomicInteger TABLES = new AtomicInteger();
    private static DynamoDbLocal server;

    /** The JVM's DynamoDB Local, started on first use. */
    public static synchronized URI endpoint() {
        if (server == null) {
            server = DynamoDbLocal.startInMemory();
            Runtime.getRuntime().addShutdownHook(new Thread(server::close));
        }
        return server.endpoint();
    }

    /** A real SDK client for DynamoDB Local, counting its requests. */
    public static DynamoDbClient client(URI endpoint, RequestCounter counter) {
        return DynamoDbLocal.client(endpoint, counter);
    }

    /** Creates a new GraceKeys table (with TTL) and returns it. */
    public static TestTable newTable() {
        URI endpoint = endpoint();
        RequestCounter counter = new RequestCounter();
        DynamoDbClient client = client(endpoint, counter);
        String name = "gracekeys-test-" + TABLES.incrementAndGet();
        client.createTable(TableSchema.createTable(name));
        client.updateTimeToLive(TableSchema.enableTtl(name));
        counter.reset();
        return new TestTable(name, client, counter, endpoint);
    }

    @Override
    public boolean supportsParameter(ParameterContext p, ExtensionContext e) {
        return p.getParameter().getType() == TestTable.class;
    }

    @Override
    public Object resolveParameter(ParameterContext p, ExtensionContext e) {
        TestTable table = newTable();
        e.getStore(ExtensionContext.Namespace.create(DynamoDbLocalExtension.class)).put("table", table);
        return table;
    }

    @Override
    public void afterEach(ExtensionContext e) {
        TestTable table = e.getStore(ExtensionContext.Namespace.create(DynamoDbLocalExtension.class))
                .remove("table", TestTable.class);
        if (table != null) {
            table.client().deleteTable(r -> r.tableName(table.name()));
            table.client().close();
        }
    }
}
