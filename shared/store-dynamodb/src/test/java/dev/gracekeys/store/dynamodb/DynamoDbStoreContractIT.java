package dev.gracekeys.store.dynamodb;

import dev.gracekeys.core.store.StoreContract;
import dev.gracekeys.store.dynamodb.testing.DynamoDbLocalExtension;
import dev.gracekeys.store.dynamodb.testing.TestTable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;

/**
 * The store contract against the DynamoDB adapter, on a fresh DynamoDB Local table per test with the
 * real SDK: the reference the in-memory store is held to.
 */
@ExtendWith(DynamoDbLocalExtension.class)
class DynamoDbStoreContractIT extends StoreContract<DynamoDbStore> {

    private TestTable table;

    @BeforeEach
    void table(TestTable table) {
        this.table = table;
    }

    @Override
    protected DynamoDbStore newStore(int expiryPage) {
        return new DynamoDbStore(table.client(), table.name(), Duration.ofDays(2), expiryPage);
    }

    /** Every store of a test shares the table's client, whose requests are counted. */
    @Override
    protected long expiryIndexReads() {
        return table.requests().count("Query");
    }
}
