package dev.gracekeys.aws.eventbridge;

import dev.gracekeys.core.events.JsonText;


import dev.gracekeys.core.events.DomainEvent;
import dev.gracekeys.core.events.EventPublisher;
import dev.gracekeys.core.metrics.Metric;
import dev.gracekeys.core.metrics.Metrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.eventbridge.model.PutEventsRequestEntry;
import software.amazon.awssdk.services.eventbridge.model.PutEventsResponse;
import software.amazon.awssdk.services.eventbridge.model.PutEventsResultEntry;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Domain events to an EventBridge bus: {@code source = gracekeys}, {@code detail-type} = the event's
 * type, the detail as JSON. PutEvents takes at most 10 entries per call; entries it reports as failed
 * (throttling, internal errors) are sent again, alone, up to {@value #ATTEMPTS} times with a short
 * back-off. Events carry ids and times only, never a token or a hash (the core builds them).
 */
public final class EventBridgePublisher implements EventPublisher {

    static final int BATCH = 10;
    static final int ATTEMPTS = 4;
    private static final Logger LOG = LoggerFactory.getLogger(EventBridgePublisher.class);

    /** Waits between attempts; a seam so tests do not sleep. */
    @FunctionalInterface
    public interface Backoff {
        void pause(int attempt);

        Backoff EXPONENTIAL = attempt -> {
            try {
                Thread.sleep(50L << attempt);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
    }

    private final EventBridgeClient client;
    private final String bus;
    private final Backoff backoff;
    private final Metrics metrics;

    public EventBridgePublisher(EventBridgeClient client, String bus, Backoff backoff) {
        this(client, bus, backoff, Metrics.NONE);
    }

    /** As above, counting the events it gives up on ({@link Metric#EVENT_PUBLISH_FAILURES}) in {@code metrics}. */
    public EventBridgePublisher(EventBridgeClient client, String bus, Backoff backoff, Metrics metrics) {
        this.client = client;
        this.bus = bus;
        this.backoff = backoff;
        this.metrics = java.util.Objects.requireNonNull(metrics, "metrics");
    }

    @Override
    public void publish(List<DomainEvent> events) {
        for (int from = 0; from < events.size(); from += BATCH) {
            List<PutEventsRequestEntry> pending = new ArrayList<>();
            for (DomainEvent e : events.subList(from, Math.min(events.size(), from + BATCH))) {
                pending.add(entry(e));
            }
            try {
                send(pending);
            } catch (GaveUp e) {
                // Lost: what this batch could not deliver, and every later batch (never sent).
                int lost = e.lost + events.size() - Math.min(events.size(), from + BATCH);
                metrics.record(Metric.EVENT_PUBLISH_FAILURES, null, lost, Map.of());
                throw e;
            }
        }
    }

    /** The publisher gave up on {@code lost} events of a batch. */
    private static final class GaveUp extends IllegalStateException {
        private static final long serialVersionUID = 1L;
        private final int lost;

        GaveUp(String message, int lost) {
            super(message, null);
            this.lost = lost;
        }
    }

    private void send(List<PutEventsRequestEntry> entries) {
        List<PutEventsRequestEntry> pending = entries;
        for (int attempt = 1; ; attempt++) {
            List<PutEventsRequestEntry> batch = pending;
            PutEventsResponse response;
            try {
                response = client.putEvents(r -> r.entries(batch));
            } catch (SdkException e) {
                if (attempt == ATTEMPTS) {
                    throw new GaveUp("EventBridge did not take " + batch.size() + " event(s) ("
                            + e.getClass().getSimpleName() + ")", batch.size());
                }
                backoff.pause(attempt);
                continue;
            }
            if (response.failedEntryCount() == null || response.failedEntryCount() == 0) {
                return;
            }
            List<PutEventsRequestEntry> failed = new ArrayList<>();
            List<PutEventsResultEntry> results = response.entries();
            for (int i = 0; i < results.size() && i < batch.size(); i++) {
                if (results.get(i).errorCode() != null) {
                    failed.add(batch.get(i));
                }
            }
            if (attempt == ATTEMPTS) {
                throw new GaveUp(failed.size() + " event(s) were refused by EventBridge "
                        + ATTEMPTS + " times (" + results.stream().map(PutEventsResultEntry::errorCode)
                        .filter(java.util.Objects::nonNull).distinct().toList() + ")", failed.size());
            }
            LOG.warn("EventBridge refused {} of {} event(s); sending them again", failed.size(), batch.size());
            pending = failed;
            backoff.pause(attempt);
        }
    }

    private PutEventsRequestEntry entry(DomainEvent e) {
        return PutEventsRequestEntry.builder()
                .eventBusName(bus)
                .source(DomainEvent.SOURCE)
                .detailType(e.type())
                .time(e.time())
                .detail(json(e.detail()))
                .build();
    }

    /** The detail as JSON: its values are strings, numbers and booleans. */
    static String json(Map<String, Object> detail) {
        StringBuilder b = new StringBuilder("{");
        for (Map.Entry<String, Object> field : detail.entrySet()) {
            if (b.length() > 1) {
                b.append(',');
            }
            JsonText.quote(b, field.getKey()).append(':');
            Object v = field.getValue();
            if (v instanceof Number || v instanceof Boolean) {
                b.append(v);
            } else {
                JsonText.quote(b, String.valueOf(v));
            }
        }
        return b.append('}').toString();
    }
}
