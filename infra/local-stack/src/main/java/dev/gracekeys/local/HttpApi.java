package dev.gracekeys.local;

import dev.gracekeys.testkit.MutableClock;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * API Gateway's HTTP API on loopback, as template.yaml configures it: {@code POST /push} behind the
 * {@code verify-authorizer} Lambda authorizer (payload 2.0, simple responses). Like API Gateway:
 * a body over 10 MB → 413; no token → 401 without calling the authorizer; denied → 403; an authorizer error → 500; allowed →
 * the route runs — here, in place of the push backend, it answers 200 with the authorizer context as
 * JSON.
 *
 * <p>The identity source is one header, {@code Authorization} (the default) or {@code x-api-key}
 * ({@code --identity-source}), as the deployed API's AuthorizerIdentitySource names it. A request
 * without it gets 401. As API Gateway does, an answer is cached for {@code --authorizer-ttl}
 * seconds (off by default) under that header's value alone, and served to every request carrying
 * the same value, whatever its other headers.
 */
final class HttpApi implements AutoCloseable {

    static final String API_ID = "localapi01";
    /** API Gateway's payload limit for an HTTP API: 10 MB. */
    static final int MAX_BODY = 10 * 1024 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter REQUEST_TIME =
            DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.US).withZone(ZoneOffset.UTC);

    private final HttpServer server;
    private final LocalFunctions functions;
    private final MutableClock clock;
    private final Duration cacheTtl;
    private final boolean clockControl;
    private final String identityHeader;
    private final java.util.concurrent.atomic.LongAdder cacheHits = new java.util.concurrent.atomic.LongAdder();
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();

    private record Cached(Instant until, int status, byte[] body) {
    }

    HttpApi(HttpServer server, LocalFunctions functions, MutableClock clock, int cacheTtlSeconds, boolean clockControl,
            String identityHeader) {
        this.server = server;
        this.identityHeader = identityHeader;
        this.functions = functions;
        this.clock = clock;
        this.cacheTtl = Duration.ofSeconds(cacheTtlSeconds);
        this.clockControl = clockControl;
        LoopbackServers.serve(server, this::handle, 16, "http-api");
    }

    /** Pushes answered from the authorizer cache, without calling the authorizer. */
    long cacheHits() {
        return cacheHits.sum();
    }

    int port() {
        return server.getAddress().getPort();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            String method = exchange.getRequestMethod();
            if (clockControl && path.equals("/_local/clock") && method.equals("POST")) {
                advanceClock(exchange);
                return;
            }
            if (!path.equals("/push") || !method.equals("POST")) {
                send(exchange, 404, "{\"message\":\"Not Found\"}");
                return;
            }
            byte[] requestBody = LoopbackServers.bodyWithin(exchange, MAX_BODY);
            if (requestBody == null) { // API Gateway's HTTP API takes at most 10 MB
                send(exchange, 413, "{\"message\":\"Request Entity Too Large\"}");
                return;
            }
            String identity = header(exchange, identityHeader);
            if (identity == null) {
                send(exchange, 401, "{\"message\":\"Unauthorized\"}");
                return;
            }
            String cacheKey = identity.trim();
            Instant now = clock.instant();
            Cached cached = cacheTtl.isZero() ? null : cache.get(cacheKey);
            if (cached != null && cached.until.isAfter(now)) {
                cacheHits.increment();
                send(exchange, cached.status, cached.body);
                return;
            }
            Cached answer = authorize(exchange, requestBody, identity, now);
            if (!cacheTtl.isZero() && answer.status != 500) {
                cache.put(cacheKey, new Cached(now.plus(cacheTtl), answer.status, answer.body));
            }
            send(exchange, answer.status, answer.body);
        }
    }

    private Cached authorize(HttpExchange exchange, byte[] requestBody, String identity, Instant now)
            throws IOException {
        byte[] event = JSON.writeValueAsBytes(event(exchange, identity, now));
        LocalFunctions.Invocation result = functions.invoke("verify-authorizer", event);
        if (result.functionError()) {
            return new Cached(now, 500, "{\"message\":\"Internal Server Error\"}".getBytes(StandardCharsets.UTF_8));
        }
        Map<?, ?> response = JSON.readValue(result.body(), Map.class);
        if (!Boolean.TRUE.equals(response.get("isAuthorized"))) {
            return new Cached(now, 403, "{\"message\":\"Forbidden\"}".getBytes(StandardCharsets.UTF_8));
        }
        Object context = response.get("context") == null ? Map.of() : response.get("context");
        return new Cached(now, 200, JSON.writeValueAsBytes(context));
    }

    /** The HTTP API payload 2.0 authorizer event, built the way API Gateway builds it. */
    private Map<String, Object> event(HttpExchange exchange, String identityValue, Instant now) {
        Map<String, Object> headers = new LinkedHashMap<>();
        exchange.getRequestHeaders().forEach((name, values) ->
                headers.put(name.toLowerCase(Locale.ROOT), String.join(",", values)));
        List<String> identity = new ArrayList<>();
        identity.add(identityValue.trim());
        String query = exchange.getRequestURI().getRawQuery();
        Map<String, Object> http = new LinkedHashMap<>();
        http.put("method", exchange.getRequestMethod());
        http.put("path", exchange.getRequestURI().getPath());
        http.put("protocol", exchange.getProtocol());
        http.put("sourceIp", exchange.getRemoteAddress().getAddress().getHostAddress());
        http.put("userAgent", headers.getOrDefault("user-agent", ""));
        Map<String, Object> requestContext = new LinkedHashMap<>();
        requestContext.put("accountId", "000000000000");
        requestContext.put("apiId", API_ID);
        requestContext.put("domainName", "127.0.0.1");
        requestContext.put("domainPrefix", API_ID);
        requestContext.put("http", http);
        requestContext.put("requestId", UUID.randomUUID().toString());
        requestContext.put("routeKey", "POST /push");
        requestContext.put("stage", "$default");
        requestContext.put("time", REQUEST_TIME.format(now));
        requestContext.put("timeEpoch", now.toEpochMilli());
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("version", "2.0");
        event.put("type", "REQUEST");
        event.put("routeArn", "arn:aws:execute-api:us-east-1:000000000000:" + API_ID + "/$default/POST/push");
        event.put("identitySource", identity);
        event.put("routeKey", "POST /push");
        event.put("rawPath", exchange.getRequestURI().getPath());
        event.put("rawQueryString", query == null ? "" : query);
        event.put("headers", headers);
        event.put("queryStringParameters", Map.of());
        event.put("requestContext", requestContext);
        event.put("pathParameters", Map.of());
        event.put("stageVariables", Map.of());
        return event;
    }

    private void advanceClock(HttpExchange exchange) throws IOException {
        String query = exchange.getRequestURI().getQuery();
        long seconds;
        try {
            seconds = Long.parseLong(query == null ? "" : query.replaceFirst("^seconds=", ""));
        } catch (NumberFormatException e) {
            send(exchange, 400, "{\"message\":\"use POST /_local/clock?seconds=N\"}");
            return;
        }
        clock.advance(Duration.ofSeconds(seconds));
        send(exchange, 200, "{\"now\":\"" + clock.instant() + "\"}");
    }

    private static String header(HttpExchange exchange, String name) {
        String v = exchange.getRequestHeaders().getFirst(name);
        return v == null || v.isBlank() ? null : v;
    }

    private static void send(HttpExchange exchange, int status, String body) throws IOException {
        send(exchange, status, body.getBytes(StandardCharsets.UTF_8));
    }

    private static void send(HttpExchange exchange, int status, byte[] body) throws IOException {
        LoopbackServers.sendJson(exchange, status, body);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
