package dev.gracekeys.functions.revokeold;

import dev.gracekeys.core.ops.Requests.RevokeRequest;
import dev.gracekeys.core.ops.TokenService;
import dev.gracekeys.lambda.OpsFunction;
import dev.gracekeys.lambda.Payload;
import io.micronaut.context.ApplicationContextBuilder;
import jakarta.inject.Inject;

/**
 * {@code revoke-old}: {@code {"clientId","graceSeconds"?,"ifUnusedForSeconds"?,"requestId"?}}. 0 (the
 * default) revokes the previous token now; more reschedules its expiry to now + graceSeconds.
 * {@code ifUnusedForSeconds} makes either conditional: {@code PreviousTokenInUseException}, changing
 * nothing, while a previous token may have been used within that many seconds.
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
        Payload p = Payload.of(input, "clientId", "graceSeconds", "ifUnusedForSeconds", "requestId");
        return tokens.revokeOld(new RevokeRequest(p.string("clientId"), p.wholeNumber("graceSeconds"),
                p.wholeNumber("ifUnusedForSeconds"), p.string("requestId")));
    }
}
