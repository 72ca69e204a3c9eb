package dev.gracekeys.local;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The local HTTP API passes and caches the way API Gateway does: only the identity source's header
 * reaches the authorizer, a decision is cached under that header's value alone for the TTL and
 * served to every request carrying it, and several authorizer instances run side by side.
 */
class LocalAuthorizerCacheIT {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path dataDir;

    /**
     * Issue 11, defect 1, through the local API with its cache on: a valid key in x-api-key next to
     * "Authorization: Basic x" is denied, so no allow is cached under "Basic x", and a second caller
     * sending only "Basic x" is denied too.
     */
    @Test
    void aKeyOutsideTheIdentitySource_isNeverCached_asAnAllowForItsValue() throws Exception {
        LocalOptions options = new LocalOptions(dataDir, true, 0, 0, 0, 300, true).withAuthorizerInstances(3);
        try (LocalSystem stack = LocalSystem.start(options, Map.of(), quiet());
             Ops ops = Ops.forEndpoint(stack.lambdaEndpoint(), dataDir)) {
            String token = token(ops, "CACHE01");
            assertEquals(403, push(stack, "Authorization", "Basic dXNlcjpwYXNz", "x-api-key", token).statusCode());
            assertEquals(403, push(stack, "Authorization", "Basic dXNlcjpwYXNz").statusCode(),
                    "a second caller with the same Authorization and no key");
            assertEquals(401, push(stack, "x-api-key", token).statusCode(), "no identity source: 401, as API Gateway");
            HttpResponse<String> allowed = push(stack, "Authorization", "Bearer " + token);
            assertEquals(200, allowed.statusCode(), allowed.body());
            assertTrue(allowed.body().contains("\"clientId\":\"CACHE01\""), allowed.body());
        }
    }

    /**
     * The cache is keyed by the identity value: a revoked token's cached allow is served until the
     * TTL ends (the documented revocation latency), then the authorizer denies it.
     */
    @Test
    void aCachedAllow_outlivesARevocation_byAtMostTheTtl() throws Exception {
        LocalOptions options = new LocalOptions(dataDir, true, 0, 0, 0, 300, true).withAuthorizerInstances(2);
        try (LocalSystem stack = LocalSystem.start(options, Map.of(), quiet());
             Ops ops = Ops.forEndpoint(stack.lambdaEndpoint(), dataDir)) {
            String old = token(ops, "CACHE02");
            assertEquals(200, push(stack, "Authorization", "Bearer " + old).statusCode());
            assertNull(ops.invoke("rotate", "{\"clientId\":\"CACHE02\",\"graceSeconds\":3600}").functionError());
            assertNull(ops.invoke("revoke-old", "{\"clientId\":\"CACHE02\"}").functionError());
            assertEquals(200, push(stack, "Authorization", "Bearer " + old).statusCode(), "served from the cache");
            advanceClock(stack, 240); // the ops calls above took real time too: stay well inside the TTL
            assertEquals(200, push(stack, "Authorization", "Bearer " + old).statusCode(), "still within the TTL");
            advanceClock(stack, 60);
            assertEquals(403, push(stack, "Authorization", "Bearer " + old).statusCode(), "TTL over: verified again");
        }
    }

    @Test
    void withXApiKeyAsTheIdentitySource_onlyXApiKeyIsPassed() throws Exception {
        LocalOptions options = new LocalOptions(dataDir, true, 0, 0, 0, 60, true).withIdentitySource("x-api-key");
        try (LocalSystem stack = LocalSystem.start(options, Map.of(), quiet());
             Ops ops = Ops.forEndpoint(stack.lambdaEndpoint(), dataDir)) {
            String token = token(ops, "CACHE03");
            assertEquals(200, push(stack, "x-api-key", token).statusCode());
            assertEquals(401, push(stack, "Authorization", "Bearer " + token).statusCode());
            assertEquals(403, push(stack, "x-api-key", "Bearer " + token, "Authorization", "Bearer " + token).statusCode(),
                    "x-api-key holds the bare token");
        }
    }

    private static String token(Ops ops, String clientId) throws Exception {
        Ops.Answer a = ops.invoke("rotate", "{\"clientId\":\"" + clientId + "\",\"create\":true}");
        assertNull(a.functionError(), String.valueOf(a.body()));
        return (String) a.get("token");
    }

    private static HttpResponse<String> push(LocalSystem stack, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(stack.httpEndpoint().resolve("/push"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"temp\":21.5}"));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void advanceClock(LocalSystem stack, int seconds) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(stack.httpEndpoint().resolve("/_local/clock?seconds=" + seconds))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
    }

    private static PrintStream quiet() {
        return new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    }
}
