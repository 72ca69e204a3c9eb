package dev.gracekeys.functions.expiresweep;

import dev.gracekeys.core.events.DomainEvent;
import dev.gracekeys.core.testing.DynamoDbLocalExtension;
import dev.gracekeys.core.testing.TestTable;
import dev.gracekeys.lambda.LambdaTestKit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.Map;

import static dev.gracekeys.lambda.LambdaTestKit.*;
import static org.junit.jupiter.api.Assertions.*;

@ExtendWith(DynamoDbLocalExtension.class)
class ExpireSweepHandlerIT {

    @Test
    void scheduledSample_removesTheExpiredPrevious_andReportsTheSoonToExpire(TestTable table) {
        LambdaTestKit kit = new LambdaTestKit(table);
        kit.seedSamples(); // SAMPLE02's previous has expired; SAMPLE01's expires within 24 h
        try (ExpireSweepHandler handler = new ExpireSweepHandler(kit.context())) {
            Map<String, Object> out = handler.handleRequest(event("expire-sweep/scheduled.json"), lambdaContext());
            assertEquals(List.of("expired", "expiringSoon", "checkedAt"), List.copyOf(out.keySet()));
            assertEquals(1, out.get("expired"));
            assertEquals(1, out.get("expiringSoon"));
            assertEquals(kit.clock.instant().toString(), out.get("checkedAt"));
            assertEquals("SAMPLE02", kit.events.ofType(DomainEvent.PREVIOUS_TOKEN_EXPIRED).get(0).detail().get("clientId"));

            Map<String, Object> again = handler.handleRequest(event("expire-sweep/empty.json"), lambdaContext());
            assertEquals(0, again.get("expired"));
        }
    }
}
