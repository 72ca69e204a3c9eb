package dev.gracekeys.functions.expiresweep;

import dev.gracekeys.core.events.DomainEvent;
import dev.gracekeys.store.dynamodb.testing.DynamoDbLocalExtension;
import dev.gracekeys.store.dynamodb.testing.TestTable;
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
            assertEquals(List.of("expired", "expiringSoon", "checkedAt", "complete"), List.copyOf(out.keySet()));
            assertEquals(1, out.get("expired"));
            assertEquals(1, out.get("expiringSoon"));
            assertEquals(kit.clock.instant().toString(), out.get("checkedAt"));
            assertEquals(true, out.get("complete"));
            assertEquals("SAMPLE02", kit.events.ofType(DomainEvent.PREVIOUS_TOKEN_EXPIRED).get(0).detail().get("clientId"));

            Map<String, Object> again = handler.handleRequest(event("expire-sweep/empty.json"), lambdaContext());
            assertEquals(0, again.get("expired"));
            assertEquals(1, again.get("expiringSoon"), "still expiring soon");
            assertEquals(true, again.get("complete"));
            assertEquals(1, kit.events.ofType(DomainEvent.PREVIOUS_TOKEN_EXPIRING_SOON).size(),
                    "announced once, not once per run");
        }
    }

    /**
     * Invoked with less time left than its margin (15 s by default), the sweep does nothing and
     * answers {@code "complete": false}; invoked again with time, it does the work.
     */
    @Test
    void invokedWithTooLittleTimeLeft_answersNotComplete_andTheNextInvocationFinishes(TestTable table) {
        LambdaTestKit kit = new LambdaTestKit(table);
        kit.seedSamples();
        var before = table.snapshot();
        try (ExpireSweepHandler handler = new ExpireSweepHandler(kit.context())) {
            Map<String, Object> stopped = handler.handleRequest(event("expire-sweep/scheduled.json"),
                    lambdaContext(() -> 10_000));
            assertEquals(false, stopped.get("complete"));
            assertEquals(0, stopped.get("expired"));
            assertEquals(0, stopped.get("expiringSoon"));
            assertEquals(List.of(), kit.events.events());
            assertEquals(before, table.snapshot(), "it stopped before writing anything");

            Map<String, Object> next = handler.handleRequest(event("expire-sweep/scheduled.json"), lambdaContext());
            assertEquals(true, next.get("complete"));
            assertEquals(1, next.get("expired"));
            assertEquals(1, next.get("expiringSoon"));
        }
    }

    @Test
    void deadlineMargin_isASetting(TestTable table) {
        LambdaTestKit kit = new LambdaTestKit(table).with("SWEEP_DEADLINE_MARGIN_MILLIS", "5000");
        kit.seedSamples();
        try (ExpireSweepHandler handler = new ExpireSweepHandler(kit.context())) {
            Map<String, Object> out = handler.handleRequest(event("expire-sweep/empty.json"), lambdaContext(() -> 10_000));
            assertEquals(true, out.get("complete"), "10 s left is enough with a 5 s margin");
            assertEquals(1, out.get("expired"));
        }
    }

    /** EXPIRING_SOON_LEAD_SECONDS: SAMPLE01's previous token expires in just under 24 h. */
    @Test
    void expiringSoonLead_isASetting(TestTable table) {
        LambdaTestKit kit = new LambdaTestKit(table).with("EXPIRING_SOON_LEAD_SECONDS", "3600");
        kit.seedSamples();
        try (ExpireSweepHandler handler = new ExpireSweepHandler(kit.context())) {
            Map<String, Object> out = handler.handleRequest(event("expire-sweep/empty.json"), lambdaContext());
            assertEquals(0, out.get("expiringSoon"), "not within an hour");
            assertEquals(List.of(), kit.events.ofType(DomainEvent.PREVIOUS_TOKEN_EXPIRING_SOON));
            kit.clock.advance(java.time.Duration.ofHours(23));
            Map<String, Object> later = handler.handleRequest(event("expire-sweep/empty.json"), lambdaContext());
            assertEquals(1, later.get("expiringSoon"), "within the hour now");
            assertEquals(1, kit.events.ofType(DomainEvent.PREVIOUS_TOKEN_EXPIRING_SOON).size());
        }
    }

    @Test
    void aBadExpiringSoonLead_failsTheInit_namingTheSetting(TestTable table) {
        for (String bad : List.of("0", "-5", "soon", "31536001")) {
            LambdaTestKit kit = new LambdaTestKit(table).with("EXPIRING_SOON_LEAD_SECONDS", bad);
            RuntimeException e = assertThrows(RuntimeException.class, () -> new ExpireSweepHandler(kit.context()).close());
            StringBuilder messages = new StringBuilder();
            for (Throwable t = e; t != null; t = t.getCause()) {
                messages.append(t.getMessage()).append('\n');
            }
            assertTrue(messages.toString().contains("EXPIRING_SOON_LEAD_SECONDS must be a whole number 1..31536000"),
                    bad + ": " + messages);
        }
    }
}
