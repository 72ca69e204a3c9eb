package dev.gracekeys.bench;

import dev.gracekeys.store.dynamodb.TableSchema;
import dev.gracekeys.testkit.DynamoDbLocal;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.io.PrintStream;
import java.net.URI;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * DynamoDB Local in this JVM, in memory on a free loopback port, for the in-process harnesses: new
 * GraceKeys tables from {@link TableSchema} and SDK clients for them (URLConnection, as the functions
 * use). Like {@link SeededTable}, but a harness makes as many tables as it needs. TTL is left off:
 * harnesses move a simulated clock, and TTL is housekeeping that no figure here depends on.
 */
final class LocalDynamo implements AutoCloseable {

    private static final AtomicInteger TABLES = new AtomicInteger();

    private final DynamoDbLocal server;
    private final List<DynamoDbClient> clients = new ArrayList<>();

    private LocalDynamo(DynamoDbLocal server) {
        this.server = server;
    }

    /** Starts DynamoDB Local; its banner goes to stderr, so stdout keeps only figures. */
    static LocalDynamo start() {
        PrintStream out = System.out;
        System.setOut(System.err);
        try {
            return new LocalDynamo(DynamoDbLocal.startInMemory());
        } finally {
            System.setOut(out);
        }
    }

    URI endpoint() {
        return server.endpoint();
    }

    /** A client for this server with the given interceptors; closed with this object. */
    synchronized DynamoDbClient client(ExecutionInterceptor... interceptors) {
        DynamoDbClient client = server.client(interceptors);
        clients.add(client);
        return client;
    }

    /** Creates a new, empty GraceKeys table and returns its name. */
    String newTable(String purpose) {
        String name = "gracekeys-bench-" + purpose + "-" + TABLES.incrementAndGet();
        DynamoDbClient admin = client();
        admin.createTable(TableSchema.createTable(name));
        return name;
    }

    /** A fresh random pepper (base64), as the {@code PEPPER} setting takes it. Never printed. */
    static String newPepper() {
        byte[] bytes = new byte[48];
        new SecureRandom().nextBytes(bytes);
        return Base64.getEncoder().encodeToString(bytes);
    }

    /** The settings a function needs to run against {@code table} on this server. */
    Map<String, String> functionSettings(String table, String pepper) {
        Map<String, String> settings = new HashMap<>();
        settings.put("TABLE_NAME", table);
        settings.put("DYNAMODB_ENDPOINT", endpoint().toString());
        settings.put("AWS_REGION", "us-east-1");
        settings.put("PEPPER", pepper);
        settings.put("LEGACY_KEY_PATTERN", LegacyKeys.PATTERN);
        return settings;
    }

    @Override
    public synchronized void close() {
        clients.forEach(DynamoDbClient::close);
        clients.clear();
        server.close();
    }
}
