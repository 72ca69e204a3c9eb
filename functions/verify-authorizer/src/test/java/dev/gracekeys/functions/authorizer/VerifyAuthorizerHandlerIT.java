package dev.gracekeys.functions.authorizer;

import dev.gracekeys.store.dynamodb.testing.DynamoDbLocalExtension;
import dev.gracekeys.store.dynamodb.testing.TestTable;
import dev.gracekeys.lambda.LambdaTestKit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.gracekeys.lambda.LambdaTestKit.*;
import static org.junit.jupiter.api.Assertions.*;

/** Every authorizer sample through the real handler against DynamoDB Local. */
@ExtendWith(DynamoDbLocalExtension.class)
class VerifyAuthorizerHandlerIT {

    @Test
    void httpApiSamples_allowCurrentAndPrevious_denyExpiredMissingAndMalformed(TestTable table) {
        LambdaTestKit kit = new LambdaTestKit(table);
        kit.seedSamples();
        try (VerifyAuthorizerHandler handler = new VerifyAuthorizerHandler(kit.context())) {
            assertEquals(Map.of("isAuthorized", true, "context", Map.of("clientId", "SAMPLE01", "tokenSlot", "current")),
                    handler.handleRequest(event("verify-authorizer/http-v2-current.json"), lambdaContext()));
            assertEquals(false, handler.handleRequest(event("verify-authorizer/http-v2-x-api-key.json"), lambdaContext())
                    .get("isAuthorized"), "x-api-key is not this API's identity source");

            Map<String, Object> previous = handler.handleRequest(event("verify-authorizer/http-v2-previous.json"), lambdaContext());
            assertEquals(true, previous.get("isAuthorized"));
            Map<?, ?> context = (Map<?, ?>) previous.get("context");
            assertEquals("previous", context.get("tokenSlot"));
            assertNotNull(context.get("previousExpiresAt"));

            table.requests().reset();
            for (String denied : List.of("http-v2-missing-header.json", "http-v2-malformed.json")) {
                assertEquals(false, handler.handleRequest(event("verify-authorizer/" + denied), lambdaContext()).get("isAuthorized"), denied);
            }
            assertEquals(0, table.requests().total(), "missing or malformed tokens cost no DynamoDB request");
            assertEquals(false, handler.handleRequest(event("verify-authorizer/http-v2-expired-previous.json"),
                    lambdaContext()).get("isAuthorized"));
        }
    }

    @Test
    void xApiKeySample_isAllowed_whenTheApiUsesXApiKey(TestTable table) {
        LambdaTestKit kit = new LambdaTestKit(table).with("IDENTITY_SOURCE", "$request.header.x-api-key");
        kit.seedSamples();
        try (VerifyAuthorizerHandler handler = new VerifyAuthorizerHandler(kit.context())) {
            assertEquals(Map.of("isAuthorized", true, "context", Map.of("clientId", "SAMPLE01", "tokenSlot", "current")),
                    handler.handleRequest(event("verify-authorizer/http-v2-x-api-key.json"), lambdaContext()));
            assertEquals(false, handler.handleRequest(event("verify-authorizer/http-v2-current.json"), lambdaContext())
                    .get("isAuthorized"), "Authorization is not this API's identity source");
        }
    }

    /**
     * Issue 11, defect 1. API Gateway caches the decision under the identity source's value alone
     * ({@code Authorization}) and serves it to every request with that value. If a valid key in
     * {@code x-api-key} next to {@code Authorization: Basic x} were allowed, the allow would be
     * cached under "Basic x", and a second caller sending only "Basic x" would be let in as that
     * client. Modelled with API Gateway's cache: one entry per identity value.
     */
    @Test
    @SuppressWarnings("unchecked")
    void basicAuthorizationPlusAValidXApiKey_isDenied_soNoAllowIsCachedUnderTheBasicValue(TestTable table) {
        LambdaTestKit kit = new LambdaTestKit(table);
        kit.seedSamples();
        Map<String, Map<String, Object>> apiGatewayCache = new HashMap<>();
        try (VerifyAuthorizerHandler handler = new VerifyAuthorizerHandler(kit.context())) {
            Map<String, Object> attacker = event("verify-authorizer/http-v2-basic-plus-x-api-key.json");
            String cacheKey = String.valueOf(((List<?>) attacker.get("identitySource")).get(0));
            Map<String, Object> first = apiGatewayCache.computeIfAbsent(cacheKey,
                    k -> handler.handleRequest(attacker, lambdaContext()));
            assertEquals(false, first.get("isAuthorized"), "the key in x-api-key is not the identity source");

            Map<String, Object> second = new HashMap<>(attacker);
            Map<String, Object> headers = new HashMap<>((Map<String, Object>) attacker.get("headers"));
            headers.remove("x-api-key");
            second.put("headers", headers);
            Map<String, Object> served = apiGatewayCache.computeIfAbsent(cacheKey,
                    k -> handler.handleRequest(second, lambdaContext()));
            assertEquals(false, served.get("isAuthorized"), "a second caller with the same Authorization and no key");
        }
    }

    @Test
    void aBadIdentitySourceSetting_failsTheStartUp(TestTable table) {
        LambdaTestKit kit = new LambdaTestKit(table).with("IDENTITY_SOURCE", "$request.header.X-Token");
        RuntimeException e = assertThrows(RuntimeException.class, () -> new VerifyAuthorizerHandler(kit.context()));
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        assertTrue(root.getMessage().contains("IDENTITY_SOURCE"), root.getMessage());
    }

    @Test
    void restSamples_answerWithAnIamPolicy(TestTable table) {
        LambdaTestKit kit = new LambdaTestKit(table);
        kit.seedSamples();
        try (VerifyAuthorizerHandler handler = new VerifyAuthorizerHandler(kit.context())) {
            Map<String, Object> token = handler.handleRequest(event("verify-authorizer/rest-token.json"), lambdaContext());
            assertEquals("SAMPLE01", token.get("principalId"));
            assertEquals("Allow", effect(token));
            assertEquals("current", ((Map<?, ?>) token.get("context")).get("tokenSlot"));

            Map<String, Object> request = handler.handleRequest(event("verify-authorizer/rest-request.json"), lambdaContext());
            assertEquals("Allow", effect(request));
            assertEquals("previous", ((Map<?, ?>) request.get("context")).get("tokenSlot"));

            kit.core().tokens().setStatus(new dev.gracekeys.core.ops.Requests.StatusRequest("SAMPLE01", false));
            assertEquals("Deny", effect(handler.handleRequest(event("verify-authorizer/rest-token.json"), lambdaContext())));
        }
    }

    @Test
    void garbageEvents_areDenied_neverThrown(TestTable table) {
        LambdaTestKit kit = new LambdaTestKit(table);
        try (VerifyAuthorizerHandler handler = new VerifyAuthorizerHandler(kit.context())) {
            Map<String, Object> nulls = new HashMap<>();
            nulls.put("version", "2.0");
            nulls.put("headers", null);
            for (Object garbage : new Object[]{null, "just a string", List.of(1, 2), 3.14, nulls,
                    Map.of("version", "2.0", "headers", Map.of("authorization", "Bearer \u0000\u0001\uFFFF"))}) {
                @SuppressWarnings("unchecked")
                Map<String, Object> out = ((com.amazonaws.services.lambda.runtime.RequestHandler<Object, Map<String, Object>>) handler)
                        .handleRequest(garbage, lambdaContext());
                assertNotEquals(true, out.get("isAuthorized"));
                assertNotEquals("Allow", out.containsKey("policyDocument") ? effect(out) : null);
            }
        }
    }

    @Test
    void storeDown_isADeny_notAnError(TestTable table) {
        LambdaTestKit kit = new LambdaTestKit(table).with("DYNAMODB_ENDPOINT", "http://127.0.0.1:9").with("VERIFY_TIMEOUT_MILLIS", "300");
        try (VerifyAuthorizerHandler handler = new VerifyAuthorizerHandler(kit.context())) {
            assertEquals(false, handler.handleRequest(event("verify-authorizer/http-v2-current.json"), lambdaContext())
                    .get("isAuthorized"));
        }
    }

    private static String effect(Map<String, Object> response) {
        Map<?, ?> doc = (Map<?, ?>) response.get("policyDocument");
        return (String) ((Map<?, ?>) ((List<?>) doc.get("Statement")).get(0)).get("Effect");
    }
}
