package dev.gracekeys.testkit;

import com.sun.net.httpserver.HttpServer;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiFunction;

/**
 * A loopback stand-in for an AWS JSON-protocol service (Secrets Manager, EventBridge): records each
 * request the real SDK client sends (its {@code X-Amz-Target} and raw body) and answers with what
 * the test says, including the service's error shape. What we send is checked at the wire.
 */
public final class LoopbackAws implements AutoCloseable {

    /** One request: operation (the X-Amz-Target after the dot) and the JSON body as sent. */
    public record Call(String operation, String body) {
    }

    /** The answer: HTTP status, JSON body, and for errors the error type (e.g. ResourceNotFoundException). */
    public record Reply(int status, String json, String errorType) {
        public static Reply ok(String json) {
            return new Reply(200, json, null);
        }

        public static Reply error(int status, String type) {
            return new Reply(status, "{\"__type\":\"" + type + "\",\"message\":\"" + type + "\"}", type);
        }
    }

    private final HttpServer server;
    private final List<Call> calls = new CopyOnWriteArrayList<>();

    public LoopbackAws(BiFunction<String, String, Reply> answer) {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/", exchange -> {
            String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
            String operation = target == null ? "" : target.substring(target.indexOf('.') + 1);
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            calls.add(new Call(operation, body));
            Reply reply = answer.apply(operation, body);
            byte[] bytes = reply.json().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/x-amz-json-1.1");
            if (reply.errorType() != null) {
                exchange.getResponseHeaders().set("x-amzn-ErrorType", reply.errorType());
            }
            exchange.sendResponseHeaders(reply.status(), bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        });
        server.start();
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    public List<Call> calls() {
        return List.copyOf(calls);
    }

    public List<String> operations() {
        return calls.stream().map(Call::operation).toList();
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
