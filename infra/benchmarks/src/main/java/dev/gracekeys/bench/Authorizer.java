package dev.gracekeys.bench;

import com.amazonaws.services.lambda.runtime.Context;
import dev.gracekeys.functions.authorizer.VerifyAuthorizerHandler;
import dev.gracekeys.lambda.Settings;
import dev.gracekeys.testkit.LambdaContext;
import io.micronaut.function.aws.LambdaApplicationContextBuilder;

import java.util.Map;

/**
 * The real authorizer handler, in this JVM, as the Lambda runtime builds it (Lambda's Micronaut
 * context builder, eager singletons), with the harness's {@link Settings} and extra beans (a
 * {@link java.time.Clock}, a {@link DynamoCounter}: AwsClients attaches every registered
 * {@code ExecutionInterceptor} to the DynamoDB client). Also the HTTP API v2 event API Gateway
 * sends (as in {@code events/verify-authorizer/http-v2-current.json}) and a Lambda context.
 */
final class Authorizer {

    static final String ROUTE_ARN = "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/$default/POST/push";

    private Authorizer() {
    }

    static VerifyAuthorizerHandler handler(Map<String, String> settings, Object... beans) {
        LambdaApplicationContextBuilder builder = new LambdaApplicationContextBuilder();
        builder.singletons(Settings.of(settings));
        if (beans.length > 0) {
            builder.singletons(beans);
        }
        return new VerifyAuthorizerHandler(builder);
    }

    /** An HTTP API (payload 2.0) REQUEST authorizer event carrying {@code Authorization: Bearer <token>}. */
    static Map<String, Object> event(String token) {
        return Map.of(
                "version", "2.0",
                "type", "REQUEST",
                "routeArn", ROUTE_ARN,
                "identitySource", java.util.List.of("Bearer " + token),
                "routeKey", "POST /push",
                "rawPath", "/push",
                "headers", Map.of(
                        "content-type", "application/json",
                        "host", "abcdef1234.execute-api.us-east-1.amazonaws.com",
                        "user-agent", "fleet-agent/2.1",
                        "authorization", "Bearer " + token),
                "requestContext", Map.of(
                        "accountId", "123456789012",
                        "apiId", "abcdef1234",
                        "http", Map.of("method", "POST", "path", "/push", "protocol", "HTTP/1.1",
                                "sourceIp", "203.0.113.7", "userAgent", "fleet-agent/2.1"),
                        "routeKey", "POST /push",
                        "stage", "$default"));
    }

    /** A Lambda context with plenty of time left; its logger writes to stderr. */
    static Context lambdaContext() {
        return LambdaContext.of("verify-authorizer").withRequestId("bench-request").withLogStream("bench")
                .withLog(System.err::println);
    }
}
