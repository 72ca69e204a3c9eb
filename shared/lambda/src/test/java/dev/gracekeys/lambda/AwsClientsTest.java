package dev.gracekeys.lambda;

import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.ContainerCredentialsProvider;
import software.amazon.awssdk.auth.credentials.EnvironmentVariableCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class AwsClientsTest {

    @Test
    void onLambdaWithSnapStart_usesTheContainerCredentialsEndpoint() {
        // With SnapStart, Lambda serves the role's credentials from an endpoint and does not set
        // the access-key variables: the environment provider would fail at the first call.
        assertInstanceOf(ContainerCredentialsProvider.class, provider(Map.of(
                "AWS_LAMBDA_FUNCTION_NAME", "f", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:9/creds")));
    }

    @Test
    void onLambdaWithoutSnapStart_usesTheAccessKeyVariables() {
        assertInstanceOf(EnvironmentVariableCredentialsProvider.class, provider(Map.of(
                "AWS_LAMBDA_FUNCTION_NAME", "f", "AWS_ACCESS_KEY_ID", "AKIA...", "AWS_SECRET_ACCESS_KEY", "x")));
    }

    @Test
    void locallyAgainstAnEmulator_usesDummyKeys() {
        assertInstanceOf(StaticCredentialsProvider.class, provider(Map.of("DYNAMODB_ENDPOINT", "http://127.0.0.1:8000")));
    }

    @Test
    void region_comesFromAwsRegion() {
        try (DynamoDbClient client = new AwsClients(Settings.of(Map.of("AWS_REGION", "eu-west-1",
                "DYNAMODB_ENDPOINT", "http://127.0.0.1:8000")), List.of())
                .configure(DynamoDbClient.builder(), UrlConnectionHttpClient.create(), AwsClients.DYNAMODB_ENDPOINT).build()) {
            assertEquals("eu-west-1", client.serviceClientConfiguration().region().id());
        }
    }

    private static Object provider(Map<String, String> env) {
        try (DynamoDbClient client = new AwsClients(Settings.of(env), List.of())
                .configure(DynamoDbClient.builder(), UrlConnectionHttpClient.create(), AwsClients.DYNAMODB_ENDPOINT).build()) {
            return client.serviceClientConfiguration().credentialsProvider();
        }
    }
}
