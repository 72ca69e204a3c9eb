package dev.gracekeys.lambda;

import dev.gracekeys.store.dynamodb.testing.DynamoDbLocalExtension;
import dev.gracekeys.store.dynamodb.testing.TestTable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The DynamoDB client built on a second thread during a cold start, against DynamoDB Local. */
@ExtendWith(DynamoDbLocalExtension.class)
class EarlyDynamoDbIT {

    private final SdkHttpClient http = AwsClients.newHttpClient();

    @AfterEach
    void clear() {
        closeQuietly(EarlyDynamoDb.take());
        http.close();
    }

    @Test
    void onLambda_theEarlyClientIsTakenOnce_andWorks(TestTable table) {
        EarlyDynamoDb.start(lambda(table));
        try (DynamoDbClient early = EarlyDynamoDb.take()) {
            assertNotNull(early);
            assertEquals(table.name(), early.describeTable(b -> b.tableName(table.name())).table().tableName());
        }
        assertNull(EarlyDynamoDb.take(), "taken once");
    }

    @Test
    void theFunctionsClientBean_isTheEarlyOne_whenSettingsAreTheProcessEnvironment(TestTable table) {
        EarlyDynamoDb.start(lambda(table));
        // This process's environment points nowhere near DynamoDB Local: only the early client reaches it.
        try (DynamoDbClient bean = new AwsClients(Settings.fromEnvironment(), List.of()).dynamoDb(http)) {
            assertEquals(table.name(), bean.describeTable(b -> b.tableName(table.name())).table().tableName());
        }
    }

    @Test
    void testsAndTheLocalStack_withTheirOwnSettings_neverTakeIt(TestTable table) {
        EarlyDynamoDb.start(lambda(table));
        try (DynamoDbClient own = new AwsClients(Settings.of(Map.of("DYNAMODB_ENDPOINT", "http://127.0.0.1:9")), List.of())
                .dynamoDb(http)) {
            assertEquals("http://127.0.0.1:9", own.serviceClientConfiguration().endpointOverride().orElseThrow().toString());
        }
        assertNotNull(EarlyDynamoDb.take(), "still waiting for the Lambda path");
    }

    @Test
    void offLambda_nothingIsStarted() {
        EarlyDynamoDb.start(Settings.of(Map.of("DYNAMODB_ENDPOINT", "http://127.0.0.1:9")));
        assertNull(EarlyDynamoDb.take());
    }

    @Test
    void aFailedEarlyBuild_fallsBackToTheOrdinaryOne() {
        EarlyDynamoDb.start(Settings.of(Map.of("AWS_LAMBDA_FUNCTION_NAME", "f", "DYNAMODB_ENDPOINT", "not a uri")));
        assertNull(EarlyDynamoDb.take(), "the ordinary build then reports the error where it always has");
    }

    private static Settings lambda(TestTable table) {
        return Settings.of(Map.of("AWS_LAMBDA_FUNCTION_NAME", "verify-authorizer", "AWS_REGION", "us-east-1",
                "DYNAMODB_ENDPOINT", table.endpoint().toString()));
    }

    private static void closeQuietly(DynamoDbClient client) {
        if (client != null) {
            client.close();
        }
    }
}
