package dev.gracekeys.testkit;

import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;

import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The Lambda {@link Context} a handler gets when it runs outside Lambda (tests, benchmarks, the local
 * stack): the function's name and ARN, a request id, the memory, the time left (as the caller says)
 * and a logger that hands each line to the caller. Immutable: each {@code with…} returns a copy.
 */
public final class LambdaContext implements Context {

    private final String functionName;
    private final String requestId;
    private final String account;
    private final String logStream;
    private final int memoryMb;
    private final LongSupplier remainingMillis;
    private final Consumer<String> log;

    private LambdaContext(String functionName, String requestId, String account, String logStream, int memoryMb,
                          LongSupplier remainingMillis, Consumer<String> log) {
        this.functionName = functionName;
        this.requestId = requestId;
        this.account = account;
        this.logStream = logStream;
        this.memoryMb = memoryMb;
        this.remainingMillis = remainingMillis;
        this.log = log;
    }

    /**
     * A context for {@code functionName}: request id {@code test-request}, log stream {@code test},
     * account 123456789012, 512 MB, 15 minutes left, log lines to stdout.
     */
    public static LambdaContext of(String functionName) {
        return new LambdaContext(functionName, "test-request", "123456789012", "test", 512, () -> 900_000,
                System.out::println);
    }

    public LambdaContext withRequestId(String requestId) {
        return new LambdaContext(functionName, requestId, account, logStream, memoryMb, remainingMillis, log);
    }

    public LambdaContext withAccount(String account) {
        return new LambdaContext(functionName, requestId, account, logStream, memoryMb, remainingMillis, log);
    }

    public LambdaContext withLogStream(String logStream) {
        return new LambdaContext(functionName, requestId, account, logStream, memoryMb, remainingMillis, log);
    }

    public LambdaContext withMemoryMb(int memoryMb) {
        return new LambdaContext(functionName, requestId, account, logStream, memoryMb, remainingMillis, log);
    }

    /** The time left, asked each time the handler asks (capped at {@code Integer.MAX_VALUE}). */
    public LambdaContext withRemainingMillis(LongSupplier remainingMillis) {
        return new LambdaContext(functionName, requestId, account, logStream, memoryMb, remainingMillis, log);
    }

    /** Where the handler's log lines go. */
    public LambdaContext withLog(Consumer<String> log) {
        return new LambdaContext(functionName, requestId, account, logStream, memoryMb, remainingMillis, log);
    }

    @Override
    public String getAwsRequestId() {
        return requestId;
    }

    @Override
    public String getLogGroupName() {
        return "/aws/lambda/" + functionName;
    }

    @Override
    public String getLogStreamName() {
        return logStream;
    }

    @Override
    public String getFunctionName() {
        return functionName;
    }

    @Override
    public String getFunctionVersion() {
        return "$LATEST";
    }

    @Override
    public String getInvokedFunctionArn() {
        return "arn:aws:lambda:us-east-1:" + account + ":function:" + functionName;
    }

    @Override
    public CognitoIdentity getIdentity() {
        return null;
    }

    @Override
    public ClientContext getClientContext() {
        return null;
    }

    @Override
    public int getRemainingTimeInMillis() {
        return (int) Math.min(Integer.MAX_VALUE, remainingMillis.getAsLong());
    }

    @Override
    public int getMemoryLimitInMB() {
        return memoryMb;
    }

    @Override
    public LambdaLogger getLogger() {
        return new LambdaLogger() {
            @Override
            public void log(String message) {
                log.accept(message);
            }

            @Override
            public void log(byte[] message) {
                log.accept(new String(message, StandardCharsets.UTF_8));
            }
        };
    }
}
