package dev.gracekeys.functions.authorizer;

import dev.gracekeys.core.model.Times;
import dev.gracekeys.core.model.TokenSlot;
import dev.gracekeys.core.verify.Verdict;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * API Gateway's side of the authorizer: which event this is, where its token is, and the response
 * that event expects. Pure and total: any input, however malformed, gives a request (possibly with
 * no token) and every verdict gives a response.
 *
 * <ul>
 *   <li>HTTP API, payload 2.0 ({@code "version":"2.0"}): simple response
 *       {@code {"isAuthorized", "context"}}.</li>
 *   <li>REST API TOKEN ({@code "type":"TOKEN"}), REST REQUEST and HTTP API payload 1.0: an IAM
 *       policy. Its resource is the whole API ({@code arn:...:<apiId>/*}), not the method, because
 *       API Gateway caches the policy per token and reuses it for other routes.</li>
 * </ul>
 * The token is read from the API's identity source only ({@link IdentitySource}): the header API
 * Gateway caches the decision under. Never from another header: API Gateway would serve an allow
 * cached under one header's value to every caller sending that value, whatever else they send.
 * template.yaml gives the function the API's own identity source setting (template-check keeps the
 * two in step). Header names are matched case-insensitively.
 */
final class AuthorizerProtocol {

    private static final Pattern EXECUTE_API_ARN =
            Pattern.compile("arn:aws[a-z-]*:execute-api:[a-z0-9-]+:\\d{12}:[A-Za-z0-9]+/.*");
    private static final int MAX_HEADER_CHARS = 8192;

    private AuthorizerProtocol() {
    }

    /** What the handler needs from an event. Its {@code toString} never shows the token. */
    record Request(boolean simpleResponse, String token, String methodArn) {
        @Override
        public String toString() {
            return "Request[simpleResponse=" + simpleResponse + ", token=" + (token == null ? "none" : "<redacted>")
                    + ", methodArn=" + methodArn + "]";
        }
    }

    /** As {@link #parse(Object, IdentitySource)} with the default identity source, {@code Authorization}. */
    static Request parse(Object event) {
        return parse(event, IdentitySource.AUTHORIZATION);
    }

    static Request parse(Object event, IdentitySource source) {
        if (!(event instanceof Map<?, ?> e)) {
            return new Request(false, null, null);
        }
        boolean v2 = "2.0".equals(e.get("version"));
        String methodArn = str(v2 ? e.get("routeArn") : e.get("methodArn"));
        String token;
        if ("TOKEN".equals(e.get("type"))) {
            // A TOKEN authorizer's source is one header, whose value API Gateway passes and caches by.
            token = fromAuthorizationValue(str(e.get("authorizationToken")), true);
        } else {
            Map<?, ?> headers = e.get("headers") instanceof Map<?, ?> h ? h : Map.of();
            String value = header(headers, source.header());
            token = source == IdentitySource.AUTHORIZATION ? fromAuthorizationValue(value, false) : trimmed(value);
        }
        return new Request(v2, token, methodArn);
    }

    static Map<String, Object> respond(Request request, Verdict verdict) {
        Map<String, Object> context = new LinkedHashMap<>();
        if (verdict.allowed()) {
            context.put("clientId", verdict.clientId());
            context.put("tokenSlot", tokenSlot(verdict.slot()));
            if (verdict.previousExpiresAt() != null) {
                context.put("previousExpiresAt", Times.format(verdict.previousExpiresAt()));
            }
        }
        Map<String, Object> response = new LinkedHashMap<>();
        if (request.simpleResponse()) {
            response.put("isAuthorized", verdict.allowed());
            response.put("context", context);
            return response;
        }
        String resource = apiWildcard(request.methodArn());
        boolean allow = verdict.allowed() && resource != null; // never allow on a garbled ARN
        response.put("principalId", allow ? verdict.clientId() : "unauthorized");
        response.put("policyDocument", Map.of(
                "Version", "2012-10-17",
                "Statement", List.of(Map.of(
                        "Action", "execute-api:Invoke",
                        "Effect", allow ? "Allow" : "Deny",
                        "Resource", resource == null ? "*" : resource))));
        if (allow) {
            response.put("context", context);
        }
        return response;
    }

    /**
     * The context's {@code tokenSlot}: DESIGN.md fixes {@code current|previous}, so a pending token (a
     * scheduled rotation's, which verifies like the current one until it is promoted) is "current".
     */
    static String tokenSlot(TokenSlot slot) {
        return slot == TokenSlot.PREVIOUS ? TokenSlot.PREVIOUS.wireName() : TokenSlot.CURRENT.wireName();
    }

    /** {@code arn:aws:execute-api:region:account:apiId/stage/METHOD/path} to {@code ...:apiId/*}. */
    static String apiWildcard(String methodArn) {
        if (methodArn == null || methodArn.length() > 2048 || !EXECUTE_API_ARN.matcher(methodArn).matches()) {
            return null;
        }
        return methodArn.substring(0, methodArn.indexOf('/')) + "/*";
    }

    /**
     * {@code Bearer <token>} (scheme case-insensitive) gives the token. Another scheme gives nothing;
     * a bare value counts only for a TOKEN authorizer, whose source may be a plain key header.
     */
    private static String fromAuthorizationValue(String value, boolean bareAllowed) {
        String v = trimmed(value);
        if (v == null) {
            return null;
        }
        if (v.length() > 7 && v.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return trimmed(v.substring(7));
        }
        return bareAllowed && v.indexOf(' ') < 0 ? v : null;
    }

    private static String header(Map<?, ?> headers, String name) {
        Object direct = headers.get(name);
        if (direct != null) {
            return str(direct);
        }
        for (Map.Entry<?, ?> h : headers.entrySet()) {
            if (h.getKey() instanceof String k && k.toLowerCase(Locale.ROOT).equals(name)) {
                return str(h.getValue());
            }
        }
        return null;
    }

    private static String str(Object o) {
        return o instanceof String s && s.length() <= MAX_HEADER_CHARS ? s : null;
    }

    private static String trimmed(String s) {
        if (s == null) {
            return null;
        }
        String t = s.trim();
        return t.isEmpty() ? null : t;
    }
}
