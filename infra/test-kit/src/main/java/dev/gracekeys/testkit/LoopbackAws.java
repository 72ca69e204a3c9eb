package dev.gracekeys.testkit;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * A loopback stand-in (127.0.0.1, a free port) for AWS services: records each request the real SDK
 * client sends (for the JSON protocol, its {@code X-Amz-Target} and raw body) and answers with what
 * the test says, including the service's error shape. What we send is checked at the wire. An answer
 * that throws is listed in {@link #failures()} and answered 500, so a run cannot pass on it.
 */
public final class LoopbackAws implements AutoCloseable {

    private static final String JSON_1_1 = "application/x-amz-json-1.1";

    /** One request: operation (the X-Amz-Target after the dot) and the JSON body as sent. */
    public record Call(String operation, String body) {
    }

    /**
     * One request in full: method, URI, the whole {@code X-Amz-Target} ({@code null} without one,
     * as for S3), the operation (the target after the dot, or "") and the body.
     */
    public record Request(String method, URI uri, String target, String operation, String body) {
    }

    /** The answer: HTTP status, content type, body, and for errors the error type (e.g. ResourceNotFoundException). */
    public record Reply(int status, String contentType, String body, String errorType) {
        public static Reply ok(String json) {
            return new Reply(200, JSON_1_1, json, null);
        }

        public static Reply error(int status, String type) {
            return error(status, type, type);
        }

        public static Reply error(int status, String type, String message) {
            return new Reply(status, JSON_1_1, "{\"__type\":\"" + type + "\",\"message\":\""
                    + message.replace('"', '\'') + "\"}", type);
        }

        /** Any other content, e.g. an S3 object. */
        public static Reply content(String contentType, String body) {
            return new Reply(200, contentType, body, null);
        }
    }

    private final HttpServer server;
    private final List<Call> calls = new CopyOnWriteArrayList<>();
    private final List<String> failures = new CopyOnWriteArrayList<>();

    /** Answers JSON-protocol requests by operation and body. */
    public LoopbackAws(BiFunction<String, String, Reply> answer) {
        this((Function<Request, Reply>) r -> answer.apply(r.operation(), r.body()));
    }

    /** Answers any request (JSON protocol or not) from all of it. */
    public LoopbackAws(Function<Request, Reply> answer) {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the loopback AWS endpoint", e);
        }
        server.createContext("/", exchange -> {
            try (exchange) {
                String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
                String operation = target == null ? "" : target.substring(target.indexOf('.') + 1);
                String body;
                try (InputStream in = exchange.getRequestBody()) {
                    body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                }
                calls.add(new Call(operation, body));
                Reply reply;
                try {
                    reply = answer.apply(new Request(exchange.getRequestMethod(), exchange.getRequestURI(), target,
                            operation, body));
                } catch (RuntimeException e) {
                    failures.add("failed to answer: " + e);
                    reply = Reply.error(500, "InternalFailure", String.valueOf(e));
                }
                send(exchange, reply);
            }
        });
        server.start();
    }

    private static void send(HttpExchange exchange, Reply reply) throws IOException {
        byte[] bytes = reply.body().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", reply.contentType());
        if (reply.errorType() != null) {
            exchange.getResponseHeaders().set("x-amzn-ErrorType", reply.errorType());
        }
        exchange.sendResponseHeaders(reply.status(), bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** The endpoint to give an SDK client (or a function's {@code *_ENDPOINT} setting). */
    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    public List<Call> calls() {
        return List.copyOf(calls);
    }

    public List<String> operations() {
        return calls.stream().map(Call::operation).toList();
    }

    /** Answers that threw, in order. */
    public List<String> failures() {
        return List.copyOf(failures);
    }

    /**
     * An SDK client builder pointed here: this endpoint, us-east-1, test credentials, the
     * url-connection HTTP client, as the production factory builds them.
     */
    public <B extends AwsClientBuilder<B, ?> & AwsSyncClientBuilder<B, ?>> B configure(B builder) {
        return builder.endpointOverride(endpoint())
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .httpClient(UrlConnectionHttpClient.create());
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
