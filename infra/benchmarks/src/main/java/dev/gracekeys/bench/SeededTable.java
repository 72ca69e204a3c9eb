package dev.gracekeys.bench;

import dev.gracekeys.core.GraceKeys;
import dev.gracekeys.core.GraceKeysConfig;
import dev.gracekeys.core.events.EventPublisher;
import dev.gracekeys.core.ops.Requests.RotateRequest;
import dev.gracekeys.store.dynamodb.DynamoDbGraceKeys;
import dev.gracekeys.store.dynamodb.TableSchema;
import dev.gracekeys.core.token.Pepper;
import dev.gracekeys.testkit.DynamoDbLocal;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.time.Clock;
import java.util.Map;

/**
 * DynamoDB Local in this JVM with a GraceKeys table, a fresh pepper and one client ({@code PROBE})
 * whose token is known: what a function launched in a child JVM needs to do real work.
 */
final class SeededTable implements AutoCloseable {

    static final String TABLE = "gracekeys-bench";
    static final String CLIENT = "PROBE";

    private final DynamoDbLocal ddb;
    private final DynamoDbClient client;
    final String token;
    /** The environment a launched function gets (like the template's, pointed at this table). */
    final Map<String, String> env;

    SeededTable() {
        ddb = DynamoDbLocal.startInMemory();
        client = ddb.client();
        client.createTable(TableSchema.createTable(TABLE));
        String pepper = LocalDynamo.newPepper();
        GraceKeys core = DynamoDbGraceKeys.builder(GraceKeysConfig.defaults(TABLE).withLegacyKeyPattern(LegacyKeys.PATTERN), client).pepper(Pepper.fromBase64(pepper)).events(EventPublisher.NONE).clock(Clock.systemUTC()).build();
        token = core.tokens().rotate(new RotateRequest(CLIENT, null, true, null)).token();
        env = Map.of("TABLE_NAME", TABLE, "DYNAMODB_ENDPOINT", ddb.endpoint().toString(), "AWS_REGION", "us-east-1",
                "PEPPER", pepper,
                // set by Lambda in every function's environment
                "AWS_LAMBDA_FUNCTION_NAME", "verify-authorizer",
                // one read per verify in every launch: the last-use write is paid once, by the first
                "LAST_USE_INTERVAL_SECONDS", "86400");
    }

    @Override
    public void close() {
        client.close();
        ddb.close();
    }
}
