package dev.gracekeys.core.events;

import java.util.List;

/**
 * Where domain events go: EventBridge in AWS, a JSON-lines file in the local stack, a log line by
 * default. Called after the change is stored; a failure to publish does not undo the change.
 */
@FunctionalInterface
public interface EventPublisher {

    /**
     * Sends these events, in order.
     *
     * @throws RuntimeException when they cannot be sent; the core logs it and never lets it undo a stored change
     */
    void publish(List<DomainEvent> events);

    EventPublisher NONE = events -> { };
}
