package dev.gracekeys.bench;

import com.amazonaws.services.lambda.runtime.RequestHandler;

import java.util.List;
import java.util.Map;

/**
 * Runs one function from its shaded jar as Lambda would, in a fresh JVM: the handler class named
 * in template.yaml, its no-argument constructor, one invocation with a payload that does real work
 * against the table {@link SeededTable} prepared. Prints {@code OK} and the response on success.
 *
 * <p>Usage: {@code FunctionProbe <function> <token of PROBE>}
 */
public final class FunctionProbe {

    static final Map<String, String> HANDLERS = dev.gracekeys.lambda.Functions.HANDLERS;

    @SuppressWarnings("unchecked")
    public static void main(String[] args) throws Exception {
        String function = args[0];
        String token = args[1];
        Object payload = switch (function) {
            case "rotate" -> Map.of("clientId", "PROBE-NEW", "create", true);
            case "verify-authorizer" -> Map.of("version", "2.0", "type", "REQUEST",
                    "routeArn", "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/$default/POST/push",
                    "headers", Map.of("authorization", "Bearer " + token));
            case "revoke-old" -> Map.of("clientId", SeededTable.CLIENT, "graceSeconds", 0);
            case "describe" -> Map.of("clientId", SeededTable.CLIENT);
            case "set-status" -> Map.of("clientId", SeededTable.CLIENT, "active", true);
            case "backfill" -> Map.of("records", List.of(
                    Map.of("clientId", "PROBE-LEGACY", "key", "legacy-probe-key-0001-abcdefgh")));
            case "expire-sweep" -> Map.of();
            default -> throw new IllegalArgumentException("unknown function " + function);
        };
        RequestHandler<Object, Map<String, Object>> handler = (RequestHandler<Object, Map<String, Object>>)
                Class.forName(HANDLERS.get(function)).getDeclaredConstructor().newInstance();
        Map<String, Object> response = handler.handleRequest(payload, null);
        boolean ok = !function.equals("verify-authorizer") || Boolean.TRUE.equals(response.get("isAuthorized"));
        System.out.println(ok ? "OK" : "DENIED");
        System.out.println(response.keySet());
    }
}
