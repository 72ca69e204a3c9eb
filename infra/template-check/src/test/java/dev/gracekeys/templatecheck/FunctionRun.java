package dev.gracekeys.templatecheck;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.sun.net.httpserver.HttpServer;
import dev.gracekeys.core.testing.TestTable;
import dev.gracekeys.lambda.AwsClients;
import dev.gracekeys.lambda.LambdaTestKit;
import dev.gracekeys.lambda.PepperSource;
import dev.gracekeys.lambda.Settings;
import io.micronaut.context.ApplicationContext;
import io.micronaut.context.ApplicationContextBuilder;

import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One function as the template deploys it, run locally: the handler class the template names,
 * built like the Lambda runtime builds it but with a Micronaut context whose {@link Settings} are
 * the template's environment for that function. Only what cannot exist here is swapped:
 * <ul>
 *   <li>the table is a DynamoDB Local table ({@code Ref TokensTable} evaluates to its name, and
 *       {@code DYNAMODB_ENDPOINT} points at it);</li>
 *   <li>the pepper is given inline as {@code PEPPER} instead of read from the secret that
 *       {@code PEPPER_SECRET_ID} names;</li>
 *   <li>{@code AWS_REGION}, which Lambda sets, is set here;</li>
 *   <li>for backfill, {@code S3_ENDPOINT} points at a loopback server that answers GetObject.</li>
 * </ul>
 * The run records every AWS request the code makes ({@link AwsCallRecorder}) and every setting it
 * reads ({@link Settings#requested()}).
 *
 * <p>All seven function modules share this test's classpath, unlike their jars; Micronaut creates
 * beans on demand, so a handler's context still builds only what that handler uses.
 */
final class FunctionRun implements AutoCloseable {

    /** What the loopback S3 serves: one JSON-lines import of two legacy keys. */
    private static final String S3_IMPORT = """
            {"clientId":"S3DEV01","key":"legacy-s3-key-0001-abcdefgh"}
            {"clientId":"S3DEV02","key":"legacy-s3-key-0002-abcdefgh"}
            """;

    final LambdaTestKit kit;
    private final Settings settings;
    private final AwsCallRecorder recorder = new AwsCallRecorder();
    private final HttpServer s3;
    private final RequestHandler<Object, Object> handler;

    private FunctionRun(Deployment.Function function, TestTable table, boolean withS3) {
        this.kit = new LambdaTestKit(table);
        Map<String, String> local = kit.settings();
        if (!table.name().equals(function.environment().get("TABLE_NAME"))) {
            throw new AssertionError(function.logicalId() + ": TABLE_NAME should be the stack's table (Ref "
                    + Template.TABLE + "), is " + function.environment().get("TABLE_NAME"));
        }
        Map<String, String> values = new HashMap<>(function.environment());
        values.remove(PepperSource.PEPPER_SECRET_ID); // no Secrets Manager here: the pepper comes inline
        values.put(PepperSource.PEPPER, local.get(PepperSource.PEPPER));
        values.put(AwsClients.DYNAMODB_ENDPOINT, local.get(AwsClients.DYNAMODB_ENDPOINT));
        values.put(AwsClients.REGION, local.get(AwsClients.REGION));
        this.s3 = withS3 ? startS3() : null;
        if (s3 != null) {
            values.put("S3_ENDPOINT", "http://127.0.0.1:" + s3.getAddress().getPort());
        }
        this.settings = Settings.of(values);
        ApplicationContextBuilder context = ApplicationContext.builder()
                .singletons(settings, kit.clock, kit.events, recorder);
        try {
            this.handler = newHandler(function, context);
        } catch (RuntimeException | Error e) {
            if (s3 != null) {
                s3.stop(0);
            }
            throw e;
        }
    }

    static FunctionRun start(Deployment.Function function, TestTable table, boolean withS3) {
        return new FunctionRun(function, table, withS3);
    }

    /** Invokes the handler with {@code events/<sample>}, as the Lambda runtime would. */
    @SuppressWarnings("unchecked")
    Map<String, Object> invoke(String sample) {
        return (Map<String, Object>) handler.handleRequest(LambdaTestKit.event(sample), LambdaTestKit.lambdaContext());
    }

    /** Every setting the code has read so far. */
    Set<String> settingsRead() {
        return settings.requested();
    }

    /** Every permission the code's AWS requests have needed so far. */
    List<AwsCallRecorder.Call> calls() {
        return recorder.calls();
    }

    @Override
    public void close() throws IOException {
        try {
            ((Closeable) handler).close(); // the handler's Micronaut context
        } finally {
            if (s3 != null) {
                s3.stop(0);
            }
        }
    }

    /** The template's Handler ({@code <class>::handleRequest}), built with the test's context. */
    @SuppressWarnings("unchecked")
    private static RequestHandler<Object, Object> newHandler(Deployment.Function function,
                                                            ApplicationContextBuilder context) {
        String className = function.handler().substring(0, function.handler().indexOf("::"));
        try {
            Class<?> type = Class.forName(className);
            return (RequestHandler<Object, Object>) type.getConstructor(ApplicationContextBuilder.class)
                    .newInstance(context);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(function.logicalId() + ": cannot build " + className
                    + " with a Micronaut context builder", e);
        }
    }

    private static HttpServer startS3() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.createContext("/", exchange -> {
                byte[] body = S3_IMPORT.getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Content-Type", "application/octet-stream");
                exchange.sendResponseHeaders(200, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            });
            server.start();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the loopback S3", e);
        }
    }
}
