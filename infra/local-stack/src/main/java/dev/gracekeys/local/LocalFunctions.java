package dev.gracekeys.local;

import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.serialization.PojoSerializer;
import com.amazonaws.services.lambda.runtime.serialization.factories.JacksonFactory;
import dev.gracekeys.core.events.EventPublisher;
import dev.gracekeys.lambda.Functions;
import dev.gracekeys.lambda.Settings;
import io.micronaut.context.ApplicationContextBuilder;
import io.micronaut.function.aws.LambdaApplicationContextBuilder;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Every function's real handler, in this JVM, invoked the way the Lambda Java runtime invokes it:
 * the payload deserialized with the runtime's own serializer ({@code aws-lambda-java-serialization}),
 * a {@link Context} that reports the time left, the result serialized back the same way, and an
 * exception turned into Lambda's function-error body {@code {"errorType","errorMessage"}}.
 */
final class LocalFunctions implements Closeable {

    /** Timeouts as in template.yaml: API Gateway allows an authorizer 10 s at most. */
    static final Map<String, Duration> TIMEOUTS = Map.of(
            "verify-authorizer", Duration.ofSeconds(10),
            "backfill", Duration.ofMinutes(15),
            "expire-sweep", Duration.ofMinutes(5));
    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    /** A function's answer: the JSON body, and whether it is a function error. */
    record Invocation(byte[] body, boolean functionError) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private final Map<String, RequestHandler<Object, Object>> handlers = new LinkedHashMap<>();
    private final PojoSerializer<Object> serializer = JacksonFactory.getInstance().getSerializer(Object.class);
    private final ExecutorService workers = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "lambda");
        t.setDaemon(true);
        return t;
    });
    private final PrintStream log;

    /** Builds every handler now, so a broken one fails the start-up, not the first request. */
    @SuppressWarnings("unchecked")
    LocalFunctions(Map<String, String> settings, Clock clock, EventPublisher events, PrintStream log) {
        this.log = log;
        for (Map.Entry<String, String> f : Functions.HANDLERS.entrySet()) {
            ApplicationContextBuilder context = new LambdaApplicationContextBuilder();
            context.singletons(Settings.of(settings), clock, events);
            try {
                handlers.put(f.getKey(), (RequestHandler<Object, Object>) Class.forName(f.getValue())
                        .getConstructor(ApplicationContextBuilder.class).newInstance(context));
            } catch (ReflectiveOperationException e) {
                Throwable cause = e.getCause() == null ? e : e.getCause();
                throw new IllegalStateException("function " + f.getKey() + " did not start: " + cause, cause);
            }
        }
    }

    boolean exists(String name) {
        return handlers.containsKey(name);
    }

    Iterable<String> names() {
        return handlers.keySet();
    }

    /** Invokes {@code name} with a JSON payload (empty for none) and waits for the answer. */
    Invocation invoke(String name, byte[] payload) {
        RequestHandler<Object, Object> handler = handlers.get(name);
        Duration timeout = TIMEOUTS.getOrDefault(name, DEFAULT_TIMEOUT);
        Object input;
        try {
            input = payload.length == 0 ? null : serializer.fromJson(new ByteArrayInputStream(payload));
        } catch (RuntimeException e) {
            // The Lambda runtime rejects a body that is not JSON before any handler code runs.
            return error("Runtime.SerializationError", "the payload is not valid JSON");
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        Context context = context(name, deadline, timeout);
        Future<Object> result = workers.submit(() -> handler.handleRequest(input, context));
        try {
            Object output = result.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            serializer.toJson(output, body);
            return new Invocation(body.toByteArray(), false);
        } catch (TimeoutException e) {
            result.cancel(true);
            return error("Sandbox.Timedout", String.format("Task timed out after %.2f seconds", timeout.toMillis() / 1000.0));
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            return error(cause.getClass().getName(), String.valueOf(cause.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return error("Runtime.Interrupted", "the local stack is stopping");
        }
    }

    private Invocation error(String type, String message) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("errorMessage", message);
        body.put("errorType", type);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        serializer.toJson(body, out);
        return new Invocation(out.toByteArray(), true);
    }

    private Context context(String name, long deadlineNanos, Duration timeout) {
        String requestId = UUID.randomUUID().toString();
        return new Context() {
            public String getAwsRequestId() { return requestId; }
            public String getLogGroupName() { return "/aws/lambda/" + name; }
            public String getLogStreamName() { return "local"; }
            public String getFunctionName() { return name; }
            public String getFunctionVersion() { return "$LATEST"; }
            public String getInvokedFunctionArn() { return "arn:aws:lambda:us-east-1:000000000000:function:" + name; }
            public CognitoIdentity getIdentity() { return null; }
            public ClientContext getClientContext() { return null; }
            public int getRemainingTimeInMillis() {
                return (int) Math.max(0, (deadlineNanos - System.nanoTime()) / 1_000_000);
            }
            public int getMemoryLimitInMB() { return 512; }
            public LambdaLogger getLogger() {
                return new LambdaLogger() {
                    public void log(String message) { log.println("[" + name + "] " + message); }
                    public void log(byte[] message) { log(new String(message, StandardCharsets.UTF_8)); }
                };
            }
        };
    }

    @Override
    public void close() throws IOException {
        workers.shutdownNow();
        for (RequestHandler<Object, Object> h : handlers.values()) {
            if (h instanceof Closeable c) {
                c.close();
            }
        }
    }
}
