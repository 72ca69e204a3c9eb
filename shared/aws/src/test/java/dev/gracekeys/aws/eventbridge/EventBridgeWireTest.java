package dev.gracekeys.aws.eventbridge;

import dev.gracekeys.testkit.LoopbackAws;

import dev.gracekeys.core.events.DomainEvent;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Injected faults: the EventBridge adapter against a loopback server that refuses entries on demand
 * (throttled, or every time), through the real SDK; and the detail JSON's escaping. Batching, source,
 * detail-type and detail are shown against moto and LocalStack ({@code EventBridgeAdapters}: moto
 * refuses a PutEvents of more than ten entries, as AWS does).
 */
class EventBridgeWireTest {

    private static final Instant T = Instant.parse("2026-11-23T17:00:00Z");

    /** Injected fault: two entries of a batch throttled; they, and only they, are sent again. */
    @Test
    void failedEntries_areSentAgain_aloneAndOnly_untilAccepted() {
        AtomicInteger call = new AtomicInteger();
        List<Integer> pauses = new ArrayList<>();
        try (LoopbackAws eb = new LoopbackAws((op, body) -> call.incrementAndGet() == 1
                // entries 2 and 5 of the first batch are throttled
                ? LoopbackAws.Reply.ok("{\"FailedEntryCount\":2,\"Entries\":[{\"EventId\":\"a\"},{\"EventId\":\"b\"},"
                        + "{\"ErrorCode\":\"ThrottlingException\",\"ErrorMessage\":\"slow down\"},{\"EventId\":\"d\"},"
                        + "{\"EventId\":\"e\"},{\"ErrorCode\":\"ThrottlingException\",\"ErrorMessage\":\"slow down\"}]}")
                : LoopbackAws.Reply.ok(accepted(count(body))));
             EventBridgeClient client = client(eb)) {
            new EventBridgePublisher(client, "gk-events", pauses::add).publish(events(6));

            assertEquals(2, eb.calls().size());
            String retry = eb.calls().get(1).body();
            assertEquals(2, count(retry));
            assertTrue(retry.contains("C2") && retry.contains("C5") && !retry.contains("\\\"C0\\\""), retry);
            assertEquals(List.of(1), pauses, "one back-off before the retry");
        }
    }

    /** Injected fault: an entry refused at every attempt; the publisher gives up loudly, with the code. */
    @Test
    void entriesRefusedEveryTime_failLoudly_afterTheLastAttempt() {
        try (LoopbackAws eb = new LoopbackAws((op, body) -> LoopbackAws.Reply.ok(
                "{\"FailedEntryCount\":1,\"Entries\":[{\"ErrorCode\":\"InternalFailure\",\"ErrorMessage\":\"x\"}]}"));
             EventBridgeClient client = client(eb)) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> new EventBridgePublisher(client, "gk-events", attempt -> { }).publish(events(1)));
            assertTrue(e.getMessage().contains("InternalFailure"), e.getMessage());
            assertEquals(EventBridgePublisher.ATTEMPTS, eb.calls().size());
        }
    }

    /** No wire: the detail's JSON escaping. */
    @Test
    void detailJson_escapesWhatItMust() {
        assertEquals("{\"a\":\"q\\\"b\\\\c\\nd\\u0001\",\"n\":2}",
                EventBridgePublisher.json(new java.util.LinkedHashMap<>(java.util.Map.of("a", "q\"b\\c\nd\u0001")) {{
                    put("n", 2);
                }}));
    }

    private static List<DomainEvent> events(int n) {
        List<DomainEvent> events = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            events.add(DomainEvent.of(DomainEvent.TOKEN_ROTATED, T).with("clientId", "C" + i)
                    .with("tokenId", "gk_abc123").with("n", i).with("ok", true).build());
        }
        return events;
    }

    private static int count(String body) {
        return body.split("\"Source\":\"gracekeys\"", -1).length - 1;
    }

    private static String accepted(int n) {
        StringBuilder b = new StringBuilder("{\"FailedEntryCount\":0,\"Entries\":[");
        for (int i = 0; i < n; i++) {
            b.append(i == 0 ? "" : ",").append("{\"EventId\":\"e").append(i).append("\"}");
        }
        return b.append("]}").toString();
    }

    private static EventBridgeClient client(LoopbackAws eb) {
        return eb.configure(EventBridgeClient.builder()).build();
    }
}
