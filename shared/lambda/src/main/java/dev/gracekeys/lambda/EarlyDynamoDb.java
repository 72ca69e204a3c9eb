package dev.gracekeys.lambda;

import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Cold-start overlap: builds the DynamoDB client on a second thread while Micronaut starts its
 * context on the first. Building the client (SDK configuration, endpoint rules, credentials provider,
 * HTTP client) and starting the context are each a large share of a cold start, and they do not
 * depend on each other, so on a machine with two cores doing them side by side takes about the
 * longer of the two instead of their sum.
 *
 * <p>A handler calls {@link #start()} when Lambda loads its class; {@link AwsClients} takes the
 * client when the context asks for its DynamoDB client bean, waiting for the build if it is still
 * running. Only the process environment's settings are used, and only on Lambda
 * ({@code AWS_LAMBDA_FUNCTION_NAME} set): tests and the local stack, which bring their own settings,
 * build their client the ordinary way. If the early build fails, {@link #take()} gives nothing and
 * the ordinary build runs (and reports the error where it always has).
 */
public final class EarlyDynamoDb {

    private static final AtomicReference<FutureTask<DynamoDbClient>> PENDING = new AtomicReference<>();

    private EarlyDynamoDb() {
    }

    /** Starts the build, once per process, when running on Lambda. */
    public static void start() {
        start(Settings.fromEnvironment());
    }

    static void start(Settings settings) {
        if (settings.get("AWS_LAMBDA_FUNCTION_NAME") == null) {
            return;
        }
        FutureTask<DynamoDbClient> task = new FutureTask<>(
                () -> new AwsClients(settings, List.of()).buildDynamoDb(AwsClients.newHttpClient()));
        if (PENDING.compareAndSet(null, task)) {
            Thread thread = new Thread(task, "gracekeys-early-dynamodb");
            thread.setDaemon(true);
            thread.start();
        }
    }

    /** The early client, at most once; {@code null} if none was started or its build failed. */
    static DynamoDbClient take() {
        FutureTask<DynamoDbClient> task = PENDING.getAndSet(null);
        if (task == null) {
            return null;
        }
        try {
            return task.get();
        } catch (ExecutionException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
