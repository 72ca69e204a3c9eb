package dev.gracekeys.core.testing;

import dev.gracekeys.core.events.DomainEvent;
import dev.gracekeys.core.events.EventPublisher;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Keeps every published event for the test to read. */
public final class CollectingEventPublisher implements EventPublisher {

    private final List<DomainEvent> events = new CopyOnWriteArrayList<>();

    @Override
    public void publish(List<DomainEvent> batch) {
        events.addAll(batch);
    }

    public List<DomainEvent> events() {
        return List.copyOf(events);
    }

    public List<DomainEvent> ofType(String type) {
        return events.stream().filter(e -> e.type().equals(type)).toList();
    }

    public void clear() {
        events.clear();
    }
}
