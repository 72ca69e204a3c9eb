package dev.gracekeys.lambda.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * Logback, configured in code (found through {@code META-INF/services}, so no logback.xml is
 * parsed at start-up): one JSON object per line on stdout ({@link JsonLineEncoder}), which is what CloudWatch Logs keeps and
 * Logs Insights queries. Fields: {@code timestamp} (RFC 3339, UTC), {@code level}, {@code message},
 * {@code logger}, {@code functionName} (once), the MDC ({@code awsRequestId}, and {@code clientId},
 * {@code tokenId} where an invocation knows them), a line's own key/values, and {@code stack_trace}.
 *
 * <p>The level is {@code AWS_LAMBDA_LOG_LEVEL} (Lambda's ApplicationLogLevel), INFO by default; a JVM
 * outside Lambda (the benchmarks' harnesses and probes) sets it with the system property
 * {@value #LEVEL_PROPERTY}, which wins over the variable; the metric lines ({@link #METRICS_LOGGER}) are written at INFO whatever it says. Micronaut's
 * LogbackLoggingSystem, when it refreshes, runs this configurator again (it looks for one first).
 */
public class JsonLogConfigurator extends ContextAwareBase implements Configurator {

    /** The logger EMF lines go to (see {@code EmfMetrics}). */
    public static final String METRICS_LOGGER = "gracekeys.metrics";

    /** The system property that sets the level where no Lambda environment does. */
    public static final String LEVEL_PROPERTY = "gracekeys.logLevel";

    /** The Lambda runtime's variable with the function's name. */
    static final String FUNCTION_NAME_VARIABLE = "AWS_LAMBDA_FUNCTION_NAME";

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        String functionName = System.getenv(FUNCTION_NAME_VARIABLE);
        JsonLineEncoder encoder = new JsonLineEncoder();
        encoder.setContext(context);
        if (functionName != null && !functionName.isBlank()) {
            encoder.addFixedField("functionName", functionName);
        }
        encoder.start();

        ConsoleAppender<ILoggingEvent> out = new ConsoleAppender<>();
        out.setContext(context);
        out.setName("STDOUT");
        out.setEncoder(encoder);
        out.start();

        ch.qos.logback.classic.Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.toLevel(System.getProperty(LEVEL_PROPERTY, System.getenv("AWS_LAMBDA_LOG_LEVEL")),
                Level.INFO));
        root.addAppender(out);
        // Metrics are not chatter: a quieter ApplicationLogLevel must not drop them here.
        context.getLogger(METRICS_LOGGER).setLevel(Level.INFO);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    /**
     * Whether {@code functionName} is a field of every line already (from the Lambda runtime's
     * environment); when not (tests, the local stack), each invocation adds it from its Context.
     */
    public static boolean functionNameFromEnvironment() {
        String name = System.getenv(FUNCTION_NAME_VARIABLE);
        return name != null && !name.isBlank();
    }
}
