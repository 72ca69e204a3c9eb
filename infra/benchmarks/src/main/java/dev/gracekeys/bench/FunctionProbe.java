package dev.gracekeys.bench;

import com.amazonaws.services.lambda.runtime.RequestHandler;

import java.util.List;
import java.util.Map;

/**
 * Runs one function from its shaded jar as Lambda would, in a fresh JVM: the handler class named
 * in template.yaml, its no-argument constructor, one invocation with a payload that does real work
 * against the table {@link SeededTable} prepared. Prints {@code OK} and the response on success.
 *
 * <p>{@code rotate-secret} answers nothing and cannot finish a step without a client's delivery
 * secret, so its probe asks for a step the handler must refuse with its own named error, and OK
 * means exactly that error: with {@code SECRETSMANAGER_ENDPOINT} set (moto), a step on a secret that
 * does not exist (a real DescribeSecret round trip through the jar's SDK client, answered
 * ResourceNotFoundException); without it, an unknown Step (no AWS call). Any other failure (a
 * missing class, a bean that does not wire, an internal error) propagates: no OK.
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
            case "rotate-secret" -> Map.of("Step", System.getenv("SECRETSMANAGER_ENDPOINT") != null ? "createSecret" : "probeStep",
                    "SecretId", MISSING_SECRET, "ClientRequestToken", "5f0c7d1e-3b8a-4c2f-9e61-0a7b4d2c8f35");
            default -> throw new IllegalArgumentException("unknown function " + function);
        };
        RequestHandler<Object, Map<String, Object>> handler = (RequestHandler<Object, Map<String, Object>>)
                Class.forName(HANDLERS.get(function)).getDeclaredConstructor().newInstance();
        if (function.equals("rotate-secret")) {
            String refusal = expectedRefusal(handler, payload);
            System.out.println("OK");
            System.out.println("refused as expected: " + refusal);
            return;
        }
        Map<String, Object> response = handler.handleRequest(payload, null);
        boolean ok = !function.equals("verify-authorizer") || Boolean.TRUE.equals(response.get("isAuthorized"));
        System.out.println(ok ? "OK" : "DENIED");
        System.out.println(response.keySet());
    }

    /** The delivery secret rotate-secret's probe names: none such exists. */
    static final String MISSING_SECRET = "gracekeys/probe-missing";

    /** The handler's ValidationException for the probe's step, or what it did instead, rethrown. */
    private static String expectedRefusal(RequestHandler<Object, Map<String, Object>> handler, Object payload) {
        String expected = System.getenv("SECRETSMANAGER_ENDPOINT") != null
                ? "SecretId: there is no secret " + MISSING_SECRET + " (ResourceNotFoundException)"
                : "Step must be one of createSecret, setSecret, testSecret, finishSecret";
        try {
            handler.handleRequest(payload, null);
        } catch (dev.gracekeys.core.ValidationException e) {
            if (e.getMessage().startsWith(expected)) {
                return e.getMessage();
            }
            throw e;
        }
        throw new IllegalStateException("rotate-secret accepted a step it must refuse (" + expected + ")");
    }
}
