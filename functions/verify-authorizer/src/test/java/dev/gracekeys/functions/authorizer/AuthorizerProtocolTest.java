package dev.gracekeys.functions.authorizer;

import dev.gracekeys.core.model.TokenSlot;
import dev.gracekeys.core.verify.Verdict;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class AuthorizerProtocolTest {

    private static final String ARN = "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/POST/push";

    @Test
    void tokenIsRead_fromBearerAuthorization_caseInsensitively_andFromNoOtherHeader() {
        assertEquals("t1", parse(Map.of("Authorization", "Bearer t1")).token());
        assertEquals("t1", parse(Map.of("AUTHORIZATION", "bearer   t1  ")).token());
        assertEquals("t1", parse(Map.of("authorization", "Bearer t1", "x-api-key", "k1")).token());
        // Issue 11, defect 1: API Gateway caches under the Authorization value alone, so a key in
        // another header must never be what is verified.
        assertNull(parse(Map.of("x-api-key", "k1")).token());
        assertNull(parse(Map.of("authorization", "Basic dXNlcjpwdw==", "X-Api-Key", "k1")).token());
        assertNull(parse(Map.of("authorization", "Basic dXNlcjpwdw==")).token());
        assertNull(parse(Map.of("authorization", "Bearer ")).token());
    }

    @Test
    void withXApiKeyAsTheIdentitySource_onlyXApiKeyIsRead() {
        assertEquals("k1", parse(Map.of("X-Api-Key", " k1 "), IdentitySource.X_API_KEY).token());
        assertNull(parse(Map.of("authorization", "Bearer t1"), IdentitySource.X_API_KEY).token());
        assertEquals("k1", parse(Map.of("authorization", "Bearer t1", "x-api-key", "k1"), IdentitySource.X_API_KEY).token());
    }

    @Test
    void identitySourceSetting_acceptsTheTemplateValues_andRejectsOthers() {
        assertEquals(IdentitySource.AUTHORIZATION, IdentitySource.fromSetting(null));
        assertEquals(IdentitySource.AUTHORIZATION, IdentitySource.fromSetting("$request.header.Authorization"));
        assertEquals(IdentitySource.X_API_KEY, IdentitySource.fromSetting("$request.header.x-api-key"));
        assertEquals(IdentitySource.X_API_KEY, IdentitySource.fromSetting("X-API-KEY"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> IdentitySource.fromSetting("$request.header.X-Token"));
        assertTrue(e.getMessage().startsWith("IDENTITY_SOURCE must be"), e.getMessage());
    }

    @Test
    void requestToString_neverShowsTheToken() {
        String text = parse(Map.of("authorization", "Bearer gk_secretsecret")).toString();
        assertFalse(text.contains("gk_secretsecret"), text);
        assertTrue(text.contains("<redacted>"), text);
    }

    @Test
    void restTokenEvent_takesBearerOrBareToken_andAnswersWithAPolicy() {
        assertEquals("t1", AuthorizerProtocol.parse(Map.of("type", "TOKEN", "authorizationToken", "Bearer t1", "methodArn", ARN)).token());
        assertEquals("t1", AuthorizerProtocol.parse(Map.of("type", "TOKEN", "authorizationToken", "t1", "methodArn", ARN)).token());
        var request = AuthorizerProtocol.parse(Map.of("type", "TOKEN", "authorizationToken", "Bearer t1", "methodArn", ARN));
        assertFalse(request.simpleResponse());
    }

    @Test
    void allowPolicy_coversTheWholeApi_soACachedPolicyFitsEveryRoute() {
        var request = AuthorizerProtocol.parse(Map.of("type", "TOKEN", "authorizationToken", "Bearer t1", "methodArn", ARN));
        Instant exp = Instant.parse("2026-11-24T17:00:00Z");
        Map<String, Object> out = AuthorizerProtocol.respond(request, Verdict.allow("GRACE01", TokenSlot.PREVIOUS, "gk_x", exp));
        assertEquals("GRACE01", out.get("principalId"));
        Map<?, ?> statement = (Map<?, ?>) ((List<?>) ((Map<?, ?>) out.get("policyDocument")).get("Statement")).get(0);
        assertEquals("Allow", statement.get("Effect"));
        assertEquals("arn:aws:execute-api:us-east-1:123456789012:abcdef1234/*", statement.get("Resource"));
        assertEquals(Map.of("clientId", "GRACE01", "tokenSlot", "previous", "previousExpiresAt", "2026-11-24T17:00:00Z"),
                out.get("context"));
    }

    @Test
    void allow_becomesDeny_whenTheMethodArnIsGarbled() {
        var request = AuthorizerProtocol.parse(Map.of("type", "TOKEN", "authorizationToken", "t1", "methodArn", "arn:aws:s3:::bucket"));
        Map<String, Object> out = AuthorizerProtocol.respond(request, Verdict.allow("GRACE01", TokenSlot.CURRENT, "gk_x", null));
        Map<?, ?> statement = (Map<?, ?>) ((List<?>) ((Map<?, ?>) out.get("policyDocument")).get("Statement")).get(0);
        assertEquals("Deny", statement.get("Effect"));
        assertFalse(out.containsKey("context"));
    }

    @Test
    void httpApiV2_getsASimpleResponse() {
        var request = AuthorizerProtocol.parse(Map.of("version", "2.0", "type", "REQUEST", "routeArn", ARN,
                "headers", Map.of("authorization", "Bearer t1")));
        assertTrue(request.simpleResponse());
        assertEquals(Map.of("isAuthorized", true, "context", Map.of("clientId", "C", "tokenSlot", "current")),
                AuthorizerProtocol.respond(request, Verdict.allow("C", TokenSlot.CURRENT, "gk_x", null)));
        assertEquals(Map.of("isAuthorized", false, "context", Map.of()),
                AuthorizerProtocol.respond(request, Verdict.deny(Verdict.DenyReason.UNKNOWN)));
    }

    // DESIGN.md fixes tokenSlot as current|previous: a pending token (a scheduled rotation's) is
    // "current" on the wire, in the simple response and in the policy's context alike.
    @Test
    void pendingToken_isCurrentOnTheWire() {
        var v2 = AuthorizerProtocol.parse(Map.of("version", "2.0", "type", "REQUEST", "routeArn", ARN,
                "headers", Map.of("authorization", "Bearer t1")));
        assertEquals(Map.of("isAuthorized", true, "context", Map.of("clientId", "C", "tokenSlot", "current")),
                AuthorizerProtocol.respond(v2, Verdict.allow("C", TokenSlot.PENDING, "gk_x", null)));
        var rest = AuthorizerProtocol.parse(Map.of("type", "TOKEN", "authorizationToken", "Bearer t1", "methodArn", ARN));
        assertEquals(Map.of("clientId", "C", "tokenSlot", "current"),
                AuthorizerProtocol.respond(rest, Verdict.allow("C", TokenSlot.PENDING, "gk_x", null)).get("context"));
        for (TokenSlot slot : TokenSlot.values()) {
            assertTrue(Set.of("current", "previous").contains(AuthorizerProtocol.tokenSlot(slot)), slot.name());
        }
    }

    @Test
    void garbageEvents_parseWithoutAToken_neverThrow() {
        Map<String, Object> wrongTypes = new HashMap<>();
        wrongTypes.put("version", 2.0);
        wrongTypes.put("headers", List.of("authorization", "Bearer t1"));
        wrongTypes.put("type", null);
        Map<String, Object> nestedWrong = new HashMap<>();
        nestedWrong.put("headers", Map.of("authorization", Map.of("value", "Bearer t1"), "x-api-key", 42));
        for (Object garbage : new Object[]{null, "Bearer t1", 42, List.of(), Map.of(), wrongTypes, nestedWrong,
                Map.of("headers", Map.of("authorization", "Bearer " + "x".repeat(20_000)))}) {
            var request = AuthorizerProtocol.parse(garbage);
            assertNull(request.token(), String.valueOf(garbage).length() + " chars");
            assertNotNull(AuthorizerProtocol.respond(request, Verdict.deny(Verdict.DenyReason.MALFORMED)));
        }
    }

    private static AuthorizerProtocol.Request parse(Map<String, Object> headers) {
        return parse(headers, IdentitySource.AUTHORIZATION);
    }

    private static AuthorizerProtocol.Request parse(Map<String, Object> headers, IdentitySource source) {
        return AuthorizerProtocol.parse(Map.of("type", "REQUEST", "methodArn", ARN, "headers", headers), source);
    }
}
