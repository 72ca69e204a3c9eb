package dev.gracekeys.lambda;

import dev.gracekeys.core.GraceKeysException;
import dev.gracekeys.core.ValidationException;
import io.micronaut.context.ApplicationContextBuilder;
import io.micronaut.function.aws.MicronautRequestHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import java.util.Map;

/**
 * Base of the ops functions: JSON object in, JSON object out. A {@link GraceKeysException} reaches
 * Lambda as it is, so the caller sees {@code errorType} ending in its name and its message; anything
 * else is logged by class only and reported as an internal error, so no request value can leak
 * through an unexpected exception's message.
 */
public abstract class OpsFunction extends MicronautRequestHandler<Map<String, Object>, Map<String, Object>> {

    private static final Logger LOG = LoggerFactory.getLogger(OpsFunction.class);

    protected OpsFunction() {
        super();
    }

    protected OpsFunction(ApplicationContextBuilder builder) {
        super(builder);
    }

    /**
     * Handles one validated-as-you-read payload and returns the result record, or {@code null} for
     * a function that answers nothing (rotate-secret: Secrets Manager reads only success or failure).
     */
    protected abstract Object handle(Object payload);

    @Override
    public final Map<String, Object> execute(Map<String, Object> input) {
        try {
            Object result = handle(input);
            return result == null ? null : JsonShapes.toMap(result);
        } catch (GraceKeysException e) {
            throw e;
        } catch (RuntimeException e) {
            LOG.error("{} failed unexpectedly: {}", getClass().getSimpleName(), e.getClass().getName());
            throw new InternalErrorException();
        } finally {
            MDC.clear(); // nothing of this invocation carries into the next (see CurrentInvocation)
        }
    }

    @Override
    protected Map<String, Object> convertInput(Object input) {
        // Reached when the payload is not a JSON object; never echo it (it may hold a key).
        throw new ValidationException("the payload must be a JSON object like {\"clientId\":\"GRACE01\"}");
    }

    /** An unexpected failure; the log has its class, the caller a message without request data. */
    public static final class InternalErrorException extends GraceKeysException {
        private static final long serialVersionUID = 1L;

        public InternalErrorException() {
            super("internal error: nothing is known to have been changed; see the function's log, then retry");
        }

        @Override
        public boolean retryable() {
            return true;
        }
    }
}
