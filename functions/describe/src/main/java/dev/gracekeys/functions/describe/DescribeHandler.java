package dev.gracekeys.functions.describe;

import dev.gracekeys.core.ops.Requests.DescribeRequest;
import dev.gracekeys.core.ops.TokenService;
import dev.gracekeys.lambda.OpsFunction;
import dev.gracekeys.lambda.Payload;
import io.micronaut.context.ApplicationContextBuilder;
import jakarta.inject.Inject;

/**
 * {@code describe}: {@code {"clientId"}} for one client, or
 * {@code {"limit"?,"cursor"?,"inGrace"?,"expiringWithinSeconds"?,"usedWithinSeconds"?}} for the list,
 * filtered like a DynamoDB Scan with a filter (a page may hold fewer than {@code limit} clients;
 * follow {@code nextCursor} to the end).
 */
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
        Payload p = Payload.of(input, "clientId", "limit", "cursor", "inGrace", "expiringWithinSeconds",
                "usedWithinSeconds");
        return tokens.describe(new DescribeRequest(p.string("clientId"), p.smallNumber("limit"), p.string("cursor"),
                p.bool("inGrace"), p.wholeNumber("expiringWithinSeconds"), p.wholeNumber("usedWithinSeconds")));
    }
}
