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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

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

    static final String AUTHORIZER = "verify-authorizer";

    private final Map<String, RequestHandler<Object, Object>> handlers = new LinkedHashMap<>();
    /** verify-authorizer's instances, each with its own application context (caches, clients). */
    private final List<RequestHandler<Object, Object>> authorizers = new ArrayList<>();
    private final AtomicInteger nextAuthorizer = new AtomicInteger();
    private final java.util.concurrent.atomic.AtomicLongArray authorizerCalls = new java.util.concurrent.atomic.AtomicLongArray(16);
    private final PojoSerializer<Object> serializer = JacksonFactory.getInstance().getSerializer(Object.class);
    private final ExecutorService workers = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "lambda");
        t.setDaemon(true);
        return t;
    });
    private final PrintStream log;

    LocalFunctions(Map<String, String> settings, Clock clock, EventPublisher events, PrintStream log) {
        this(settings, clock, events, log, 1);
    }

    /**
     * Builds every handler now, so a broken one fails the start-up, not the first request; and
     * {@code authorizerInstances} independent verify-authorizer handlers, as Lambda runs several
     * containers at once: each has its own context, so its own pepper ring, last-use throttle and
     * SDK client.
     */
    LocalFunctions(Map<String, String> settings, Clock clock, EventPublisher events, PrintStream log,
                   int authorizerInstances) {
        this.log = log;
        for (Map.Entry<String, String> f : Functions.HANDLERS.entrySet()) {
            handlers.put(f.getKey(), build(f.getKey(), f.getValue(), settings, clock, events));
        }
        authorizers.add(handlers.get(AUTHORIZER));
        for (int i = 1; i < authorizerInstances; i++) {
            authorizers.add(build(AUTHORIZER, Functions.HANDLERS.get(AUTHORIZER), settings, clock, events));
        }
    }

    @SuppressWarnings("unchecked")
    private static RequestHandler<Object, Object> build(String name, String handlerClass, Map<String, String> settings,
                                                        Clock clock, EventPublisher events) {
        ApplicationContextBuilder context = new LambdaApplicationContextBuilder();
        context.singletons(Settings.of(settings), clock, events);
        try {
            return (RequestHandler<Object, Object>) Class.forName(handlerClass)
                    .getConstructor(ApplicationContextBuilder.class).newInstance(context);
        } catch (ReflectiveOperationException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new IllegalStateException("function " + name + " did not start: " + cause, cause);
        }
    }

    int authorizerInstances() {
        return authorizers.size();
    }

    /** Invocations of each verify-authorizer instance so far. */
    long[] authorizerCalls() {
        long[] calls = new long[authorizers.size()];
        for (int i = 0; i < calls.length; i++) {
            calls[i] = authorizerCalls.get(i);
        }
        return calls;
    }

    boolean exists(String name) {
        return handlers.containsKey(name);
    }

    Iterable<String> names() {
        return handlers.keySet();
    }

    /** Invokes {@code name} with a JSON payload (empty for none) and waits for the answer. */
    Invocation invoke(String name, byte[] payload) {
        RequestHandler<Object, Object> handler;
        if (name.equals(AUTHORIZER)) {
            int instance = Math.floorMod(nextAuthorizer.getAndIncrement(), authorizers.size());
            authorizerCalls.incrementAndGet(instance);
            handler = authorizers.get(instance);
        } else {
            handler = handlers.get(name);
        }
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
        for (RequestHandler<Object, Object> h : authorizers.subList(1, authorizers.size())) {
            if (h instanceof Closeable c) {
                c.close();
            }
        }
        for (RequestHandler<Object, Object> h : handlers.values()) {
            if (h instanceof Closeable c) {
                c.close();
            }
        }
    }
}
