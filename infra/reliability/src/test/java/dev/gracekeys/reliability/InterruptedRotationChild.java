package dev.gracekeys.reliability;

import dev.gracekeys.core.GraceKeys;
import dev.gracekeys.core.GraceKeysConfig;
import dev.gracekeys.core.ops.Requests.RotateRequest;
import dev.gracekeys.core.ops.Results.RotateResult;
import dev.gracekeys.store.dynamodb.DynamoDbGraceKeys;
import dev.gracekeys.store.dynamodb.testing.DynamoDbLocalExtension;
import dev.gracekeys.core.testing.Fixture;
import dev.gracekeys.testkit.RequestCounter;

import java.net.URI;
import java.time.Clock;

/**
 * The child JVM of {@code InterruptedRotationIT}'s kill test: rotates one client in a loop, as fast
 * as it can, against the DynamoDB Local the parent names, and reports each rotation on stdout (to the
 * parent's pipe only) until the parent kills it with SIGKILL.
 *
 * <p>args: DynamoDB endpoint, table name, clientId.
 */
public final class InterruptedRotationChild {

    private InterruptedRotationChild() {
    }

    public static void main(String[] args) {
        var dynamo = DynamoDbLocalExtension.client(URI.create(args[0]), new RequestCounter());
        GraceKeys core = DynamoDbGraceKeys.builder(GraceKeysConfig.defaults(args[1]), dynamo).pepper(Fixture.PEPPER).events(batch -> { }).clock(Clock.systemUTC()).build();
        System.out.println("ready");
        System.out.flush();
        while (true) {
            RotateResult r = core.tokens().rotate(new RotateRequest(args[2], 3600L, null, null));
            System.out.println("rotated " + r.token() + " " + r.tokenId());
            System.out.flush();
        }
    }
}
