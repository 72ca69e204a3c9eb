package dev.gracekeys.functions.authorizer;

import dev.gracekeys.core.verify.Verdict;
import dev.gracekeys.core.verify.Verifier;
import io.micronaut.context.ApplicationContextBuilder;
import io.micronaut.function.aws.MicronautRequestHandler;
import jakarta.inject.Inject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;

/**
 * {@code verify-authorizer}: the Lambda authorizer API Gateway calls on every push. The input is
 * taken as any JSON value, so no event, however malformed, fails before this code runs; and this
 * code never throws: whatever goes wrong, it denies.
 */
public class VerifyAuthorizerHandler extends MicronautRequestHandler<Object, Map<String, Object>> {

    private static final Logger LOG = LoggerFactory.getLogger(VerifyAuthorizerHandler.class);

    @Inject
    Verifier verifier;

    public VerifyAuthorizerHandler() {
    }

    public VerifyAuthorizerHandler(ApplicationContextBuilder builder) {
        super(builder);
    }

    /**
     * The base class converts any input that is not an instance of the input type, and throws on
     * {@code null} ("Unconvertible input"). Every value is an Object except null: pass it on, and
     * let {@link #execute} deny it like any other garbage.
     */
    @Override
    protected Object convertInput(Object input) {
        return input;
    }

    @Override
    public Map<String, Object> execute(Object event) {
        AuthorizerProtocol.Request request = new AuthorizerProtocol.Request(false, null, null);
        try {
            request = AuthorizerProtocol.parse(event);
            Verdict verdict = request.token() == null
                    ? Verdict.deny(Verdict.DenyReason.MALFORMED)
                    : verifier.verify(request.token());
            if (!verdict.allowed()) {
                LOG.debug("denied: {}", verdict.reason());
            }
            return AuthorizerProtocol.respond(request, verdict);
        } catch (RuntimeException | Error e) {
            LOG.warn("authorizer failed closed: {}", e.getClass().getSimpleName());
            return AuthorizerProtocol.respond(request, Verdict.deny(Verdict.DenyReason.STORE_UNAVAILABLE));
        }
    }
}
