package dev.gracekeys.local;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.serialization.PojoSerializer;
import com.amazonaws.services.lambda.runtime.serialization.factories.JacksonFactory;
import dev.gracekeys.core.events.EventPublisher;
import dev.gracekeys.lambda.Functions;
import dev.gracekeys.lambda.Settings;
import dev.gracekeys.testkit.LambdaContext;
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

    /**
     * A function's answer: the JSON body, whether it is a function error, and the last 4 KB of what
     * the invocation logged (Lambda's {@code --log-type Tail}).
     */
    record Invocation(byte[] body, boolean functionError, byte[] logTail) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /** The invocation's payload is not JSON: Lambda refuses it before any code runs. */
    static final class InvalidPayloadException extends Exception {
        private static final long serialVersionUID = 1L;

        InvalidPayloadException(String message) {
            super(message);
        }
    }

    static final String AUTHORIZER = "verify-authorizer";

    /** Token delivery in a stack without an AWS emulator: refused, saying how to get it. */
    static final dev.gracekeys.core.ops.TokenDelivery NO_SECRETS_MANAGER = new dev.gracekeys.core.ops.TokenDelivery() {
        @Override
        public String stage(String secretId, String clientId, dev.gracekeys.core.token.IssuedToken token) {
            throw new dev.gracekeys.core.ops.TokenDeliveryException("the local stack has no Secrets Manager to deliver"
                    + " the token into, so nothing was rotated: leave deliverToSecretId out, or start the stack with"
                    + " --aws-endpoint and an emulator such as moto_server (docs/operations.md)", null);
        }

        @Override
        public void promote(String secretId, String versionId) {
            stage(secretId, null, null);
        }
    };

    /** rotate-secret in a stack without an AWS emulator: every step refused, saying how to get one. */
    static final dev.gracekeys.core.ops.RotationSecret NO_SECRETS_MANAGER_TO_ROTATE = dev.gracekeys.core.ops.RotationSecret.refusing(
            "the local stack has no Secrets Manager, so rotate-secret has no secret to rotate and nothing was changed:"
                    + " start the stack with --aws-endpoint and an emulator such as moto_server (docs/operations.md,"
                    + " \"Scheduled rotation\")");

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
    private final Map<String, String> settings;

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
        this.settings = Map.copyOf(settings);
        InvocationLogs.install();
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
        if (LocalSystem.NO_AWS.equals(settings.get(dev.gracekeys.lambda.AwsClients.SECRETSMANAGER_ENDPOINT))) {
            context.singletons(NO_SECRETS_MANAGER, NO_SECRETS_MANAGER_TO_ROTATE);
        }
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

    /** Lambda's FunctionConfiguration of {@code name}, with the environment this stack gives it. */
    Map<String, Object> configuration(String name) {
        return FunctionCatalog.configuration(FunctionCatalog.get(name), settings);
    }

    Iterable<String> names() {
        return handlers.keySet();
    }

    /** Invokes {@code name} with a JSON payload (empty for none) under a new request id. */
    Invocation invoke(String name, byte[] payload) {
        try {
            return invoke(name, payload, UUID.randomUUID().toString());
        } catch (InvalidPayloadException e) {
            return error("Runtime.SerializationError", e.getMessage(), new byte[0]);
        }
    }

    /**
     * Invokes {@code name} with a JSON payload (empty for none) and waits for the answer, as Lambda
     * does: the handler gets a Context with {@code requestId} and the time left; its log lines, framed
     * by START / END / REPORT lines carrying the request id, make up the answer's log tail.
     *
     * @throws InvalidPayloadException when the payload is not JSON (nothing ran)
     */
    Invocation invoke(String name, byte[] payload, String requestId) throws InvalidPayloadException {
        RequestHandler<Object, Object> handler;
        if (name.equals(AUTHORIZER)) {
            int instance = Math.floorMod(nextAuthorizer.getAndIncrement(), authorizers.size());
            authorizerCalls.incrementAndGet(instance);
            handler = authorizers.get(instance);
        } else {
            handler = handlers.get(name);
        }
        Duration timeout = FunctionCatalog.get(name).timeout();
        Object input;
        try {
            input = payload.length == 0 ? null : serializer.fromJson(new ByteArrayInputStream(payload));
        } catch (RuntimeException e) {
            // Never the payload itself in the message: it may hold a key.
            throw new InvalidPayloadException("Could not parse request body into json: the payload is not valid"
                    + " JSON (" + payload.length + " bytes)");
        }
        InvocationLogs.Capture capture = new InvocationLogs.Capture();
        // The authorizer runs on every push: its frame lines go to the log tail only, not the console.
        boolean frameOnConsole = !name.equals(AUTHORIZER);
        frame(capture, frameOnConsole, "START RequestId: " + requestId + " Version: $LATEST");
        long started = System.nanoTime();
        long deadline = started + timeout.toNanos();
        Context context = context(name, requestId, deadline, capture);
        Future<Object> result = workers.submit(() -> {
            InvocationLogs.attach(capture);
            try {
                return handler.handleRequest(input, context);
            } finally {
                InvocationLogs.end();
            }
        });
        Invocation answer;
        try {
            Object output = result.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            serializer.toJson(output, body);
            answer = new Invocation(body.toByteArray(), false, null);
        } catch (TimeoutException e) {
            result.cancel(true);
            answer = error("Sandbox.Timedout", String.format("Task timed out after %.2f seconds",
                    timeout.toMillis() / 1000.0), null);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            answer = error(cause.getClass().getName(), String.valueOf(cause.getMessage()), null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            answer = error("Runtime.Interrupted", "the local stack is stopping", null);
        }
        if (answer.functionError()) {
            // As the Lambda Java runtime does: the error goes into the invocation's log, so
            // --log-type Tail shows why a call failed.
            capture.line(answer.text());
        }
        long millis = (System.nanoTime() - started) / 1_000_000;
        frame(capture, frameOnConsole, "END RequestId: " + requestId);
        frame(capture, frameOnConsole, String.format("REPORT RequestId: %s\tDuration: %d ms\tBilled Duration: %d ms"
                + "\tMemory Size: %d MB", requestId, millis, Math.max(1, millis), FunctionCatalog.get(name).memoryMb()));
        return new Invocation(answer.body(), answer.functionError(), capture.tail());
    }

    private void frame(InvocationLogs.Capture capture, boolean console, String line) {
        capture.line(line);
        if (console) {
            log.println(line);
        }
    }

    private Invocation error(String type, String message, byte[] logTail) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("errorMessage", message);
        body.put("errorType", type);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        serializer.toJson(body, out);
        return new Invocation(out.toByteArray(), true, logTail);
    }

    private Context context(String name, String requestId, long deadlineNanos, InvocationLogs.Capture capture) {
        return LambdaContext.of(name).withRequestId(requestId).withAccount("000000000000").withLogStream("local")
                .withMemoryMb(FunctionCatalog.get(name).memoryMb())
                .withRemainingMillis(() -> Math.max(0, (deadlineNanos - System.nanoTime()) / 1_000_000))
                .withLog(message -> {
                    if (!InvocationLogs.captures(log)) {
                        capture.line(message); // else the tee copies it, as this thread writes it
                    }
                    log.println("[" + name + "] " + message);
                });
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
