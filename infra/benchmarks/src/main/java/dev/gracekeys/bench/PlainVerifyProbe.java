package dev.gracekeys.bench;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.GetItemResponse;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

/**
 * The baseline: the least a Java authorizer can do, with no framework and no DI. Builds one
 * DynamoDB client, HMACs the token, does one strongly consistent GetItem, prints the verdict. Runs
 * in a fresh JVM launched by {@link ColdStart}; the same jar is on its classpath as for the real
 * handler, so the comparison is about what the code does at start-up, not about the classpath.
 */
public final class PlainVerifyProbe {

    public static void main(String[] args) throws Exception {
        Map<String, String> env = System.getenv();
        DynamoDbClient dynamo = DynamoDbClient.builder()
                .endpointOverride(URI.create(env.get("DYNAMODB_ENDPOINT")))
                .region(Region.of(env.get("AWS_REGION")))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                .httpClient(UrlConnectionHttpClient.create())
                .build();
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(Base64.getDecoder().decode(env.get("PEPPER")), "HmacSHA256"));
        String key = Base64.getUrlEncoder().withoutPadding()
                .encodeToString(mac.doFinal(args[0].getBytes(StandardCharsets.UTF_8)));
        GetItemResponse r = dynamo.getItem(b -> b.tableName(env.get("TABLE_NAME")).consistentRead(true)
                .key(Map.of("pk", AttributeValue.fromS("TOKEN#" + key), "sk", AttributeValue.fromS("TOKEN"))));
        System.out.println(r.hasItem() && !r.item().isEmpty() ? "ALLOWED" : "DENIED");
    }
}
