package dev.gracekeys.functions.setstatus;

import dev.gracekeys.core.ops.Requests.StatusRequest;
import dev.gracekeys.core.ops.TokenService;
import dev.gracekeys.lambda.OpsFunction;
import dev.gracekeys.lambda.Payload;
import io.micronaut.context.ApplicationContextBuilder;
import jakarta.inject.Inject;

/**
 * {@code set-status}: {@code {"clientId","active"}}. Deactivating rejects both tokens; reactivating
 * restores exactly the tokens that were valid, within their original expiry.
 */
public class SetStatusHandler extends OpsFunction {

    @Inject
    TokenService tokens;

    public SetStatusHandler() {
    }

    public SetStatusHandler(ApplicationContextBuilder builder) {
        super(builder);
    }

    @Override
    protected Object handle(Object input) {
        Payload p = Payload.of(input, "clientId", "active", "requestId");
        return tokens.setStatus(new StatusRequest(p.string("clientId"), p.bool("active"), p.string("requestId")));
    }
}
