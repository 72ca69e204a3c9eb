package dev.gracekeys.lambda;

import com.amazonaws.services.lambda.runtime.Context;
import dev.gracekeys.lambda.logging.JsonLogConfigurator;
import io.micronaut.context.annotation.Replaces;
import io.micronaut.function.aws.DefaultDiagnosticInfoPopulator;
import io.micronaut.function.aws.DiagnosticInfoPopulator;
import jakarta.inject.Singleton;
import org.slf4j.MDC;

/**
 * Starts each invocation's log context, in place of Micronaut's default: the MDC is cleared (a warm
 * or restored container never carries the previous invocation's {@code clientId} into this one),
 * then holds {@code awsRequestId}, and {@code functionName} where the environment does not give it
 * to every line already. The handlers clear it again when they return.
 *
 * <p>Micronaut's {@link DefaultDiagnosticInfoPopulator} would add six more keys to every line
 * ({@code AWSRequestId}, {@code AWSFunctionName}, {@code AWSFunctionVersion}, {@code AWSFunctionArn},
 * {@code AWSFunctionMemoryLimit}, {@code AWSFunctionRemainingTime}) and the X-Ray trace id: the first
 * two repeat ours, the rest are the same on every line of a function (Lambda's own REPORT line has
 * them) and about doubled the length of a verify's metric line.
 */
@Singleton
@Replaces(DefaultDiagnosticInfoPopulator.class)
public class InvocationLogContext implements DiagnosticInfoPopulator {

    /** Whether every line has {@code functionName} from the environment already. */
    private static final boolean FUNCTION_NAME_FIXED = JsonLogConfigurator.functionNameFromEnvironment();

    @Override
    public void populateMappingDiagnosticContextValues(Context lambdaContext) {
        MDC.clear();
        if (lambdaContext != null) {
            putIfPresent("awsRequestId", lambdaContext.getAwsRequestId());
            if (!FUNCTION_NAME_FIXED) {
                putIfPresent("functionName", lambdaContext.getFunctionName());
            }
        }
    }

    /** Not on the lines: X-Ray links its traces to the request id already. */
    @Override
    public void populateMappingDiagnosticContextWithXrayTraceId() {
    }

    private static void putIfPresent(String key, String value) {
        if (value != null) {
            MDC.put(key, value);
        }
    }
}
