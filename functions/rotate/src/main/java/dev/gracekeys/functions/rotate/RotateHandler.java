package dev.gracekeys.functions.rotate;

import dev.gracekeys.core.ops.Requests.RotateRequest;
import dev.gracekeys.core.ops.TokenService;
import dev.gracekeys.lambda.OpsFunction;
import dev.gracekeys.lambda.Payload;
import io.micronaut.context.ApplicationContextBuilder;
import jakarta.inject.Inject;

/**
 * {@code rotate}: {@code {"clientId","graceSeconds"?,"create"?,"name"?,"deliverToSecretId"?,"requestId"?}}. Issues a
 * new token; the old one stays valid for the grace window. With {@code "create":true}, creates the client. A resend
 * with the same {@code requestId} within 15 minutes returns the first answer (the same token) and changes nothing.
 */
public class RotateHandler extends OpsFunction {

    @Inject
    TokenService tokens;

    public RotateHandler() {
    }

    public RotateHandler(ApplicationContextBuilder builder) {
        super(builder);
    }

    @Override
    protected Object handle(Object input) {
        Payload p = Payload.of(input, "clientId", "graceSeconds", "create", "name", "deliverToSecretId", "requestId");
        return tokens.rotate(new RotateRequest(p.string("clientId"), p.wholeNumber("graceSeconds"),
                p.bool("create"), p.string("name"), p.string("deliverToSecretId"), p.string("requestId")));
    }
}
