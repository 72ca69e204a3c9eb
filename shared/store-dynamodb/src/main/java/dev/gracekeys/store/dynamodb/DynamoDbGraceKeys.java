package dev.gracekeys.store.dynamodb;

import dev.gracekeys.core.GraceKeys;
import dev.gracekeys.core.GraceKeysConfig;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The core wired to DynamoDB: the one place that turns a {@link DynamoDbClient} into the core's
 * store, so that {@link GraceKeys} itself needs no SDK. The Lambda wiring, the local stack, the
 * harnesses and the DynamoDB Local tests build the core here.
 *
 * <pre>{@code
 * GraceKeys core = DynamoDbGraceKeys.builder(config, dynamo)
 *         .peppers(peppers).events(events).clock(clock).delivery(delivery)
 *         .build();
 * }</pre>
 */
public final class DynamoDbGraceKeys {

    private DynamoDbGraceKeys() {
    }

    /** The store adapter on the table {@code config} names, with its TTL delay. */
    public static DynamoDbStore store(GraceKeysConfig config, DynamoDbClient dynamo) {
        return new DynamoDbStore(dynamo, config.tableName(), config.ttlDelay());
    }

    /** A {@link GraceKeys#builder()} with the settings and the DynamoDB store given: add the pepper(s) and the rest. */
    public static GraceKeys.Builder builder(GraceKeysConfig config, DynamoDbClient dynamo) {
        return GraceKeys.builder().config(config).store(store(config, dynamo));
    }
}
