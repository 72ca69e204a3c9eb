package dev.gracekeys.testkit;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One in-memory {@link DynamoDbLocal} for all tests of a class, started before the first and closed
 * after the last: {@code @RegisterExtension static final OneDynamoDbLocalPerClass db = new ...()}.
 */
final class OneDynamoDbLocalPerClass implements BeforeAllCallback, AfterAllCallback {

    private DynamoDbLocal server;

    @Override
    public void beforeAll(ExtensionContext context) {
        server = DynamoDbLocal.startInMemory();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        server.close();
    }

    int port() {
        return server.port();
    }
}
