package dev.gracekeys.functions.revokeold;

import dev.gracekeys.core.ops.Requests.RevokeRequest;
import dev.gracekeys.core.ops.TokenService;
import dev.gracekeys.lambda.OpsFunction;
import dev.gracekeys.lambda.Payload;
import io.micronaut.context.ApplicationContextBuilder;
import jakarta.inject.Inject;

/**
 * {@code revoke-old}: {@code {"clientId","graceSeconds"?}}. 0 (the default) revokes the previous
 * token now; more reschedules its expiry to now + graceSeconds.
 */
public class RevokeOldHandler extends OpsFunction {

    @Inject
    TokenService tokens;

    public RevokeOldHandler() {
    }

    public RevokeOldHandler(ApplicationContextBuilder builder) {
        super(builder);
    }

    @Override
    protected Object handle(Object input) {
        Payload p = Payload.of(input, "clientId", "graceSeconds", "requestId");
        return tokens.revokeOld(new RevokeRequest(p.string("clientId"), p.wholeNumber("graceSeconds"),
                p.string("requestId")));
    }
}
