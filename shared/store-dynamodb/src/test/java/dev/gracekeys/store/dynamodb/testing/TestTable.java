package dev.gracekeys.store.dynamodb.testing;

import dev.gracekeys.core.GraceKeys;
import dev.gracekeys.core.GraceKeysConfig;
import dev.gracekeys.core.testing.Fixture;
import dev.gracekeys.store.dynamodb.DynamoDbGraceKeys;
import dev.gracekeys.testkit.RequestCounter;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ScanResponse;

import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * A fresh GraceKeys table in the shared DynamoDB Local, with a client whose every request is
 * counted by {@link #requests()}.
 */
public record TestTable(String name, DynamoDbClient client, RequestCounter requests, URI endpoint) implements Fixture.Backing {

    @Override
    public GraceKeys.Builder coreBuilder(GraceKeysConfig config) {
        return DynamoDbGraceKeys.builder(config, client);
    }

    @Override
    public List<String> violations(Instant now) {
        return TableInvariants.violations(this, now);
    }

    /** Every item, sorted by key: compare two snapshots to prove that nothing was written. */
    @Override
    public List<Map<String, AttributeValue>> snapshot() {
        List<Map<String, AttributeValue>> items = new ArrayList<>();
        Map<String, AttributeValue> start = null;
        do {
            Map<String, AttributeValue> from = start;
            ScanResponse page = client.scan(r -> r.tableName(name).consistentRead(true).exclusiveStartKey(from));
            items.addAll(page.items());
            start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
        } while (start != null);
        items.sort(Comparator.comparing((Map<String, AttributeValue> i) -> i.get("pk").s())
                .thenComparing(i -> i.get("sk").s()));
        return items;
    }
}
