package dev.gracekeys.bench;

import com.amazonaws.services.lambda.runtime.RequestHandler;

import java.util.Map;

/**
 * What the Lambda runtime does on a cold start: load the handler class, construct it (Micronaut
 * builds its context and the core), then invoke it once with an HTTP API v2 event. Runs in a fresh
 * JVM launched by {@link ColdStart}, with only the authorizer's shaded jar (and this class) on the
 * classpath. Reflection keeps this module from compiling against the handler.
 */
public final class AuthorizerProbe {

    @SuppressWarnings("unchecked")
    public static void main(String[] args) throws Exception {
        Class<?> type = Class.forName("dev.gracekeys.functions.authorizer.VerifyAuthorizerHandler");
        RequestHandler<Object, Map<String, Object>> handler =
                (RequestHandler<Object, Map<String, Object>>) type.getDeclaredConstructor().newInstance();
        Map<String, Object> event = Map.of(
                "version", "2.0", "type", "REQUEST",
                "routeArn", "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/$default/POST/push",
                "headers", Map.of("authorization", "Bearer " + args[0]));
        Map<String, Object> response = handler.handleRequest(event, null);
        System.out.println(Boolean.TRUE.equals(response.get("isAuthorized")) ? "ALLOWED" : "DENIED");
    }
}
