package dev.gracekeys.functions.describe;

import dev.gracekeys.core.ops.Requests.DescribeRequest;
import dev.gracekeys.core.ops.TokenService;
import dev.gracekeys.lambda.OpsFunction;
import dev.gracekeys.lambda.Payload;
import io.micronaut.context.ApplicationContextBuilder;
import jakarta.inject.Inject;

/** {@code describe}: {@code {"clientId"}} for one client, or {@code {"limit"?,"cursor"?}} for the list. */
public class DescribeHandler extends OpsFunction {

    @Inject
    TokenService tokens;

    public DescribeHandler() {
    }

    public DescribeHandler(ApplicationContextBuilder builder) {
        super(builder);
    }

    @Override
    protected Object handle(Object input) {
        Payload p = Payload.of(input, "clientId", "limit", "cursor");
        return tokens.describe(new DescribeRequest(p.string("clientId"), p.smallNumber("limit"), p.string("cursor")));
    }
}
