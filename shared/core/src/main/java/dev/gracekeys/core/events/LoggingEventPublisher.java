package dev.gracekeys.core.events;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/** Writes each event as one structured log line. */
public final class LoggingEventPublisher implements EventPublisher {

    private static final Logger LOG = LoggerFactory.getLogger(LoggingEventPublisher.class);

    @Override
    public void publish(List<DomainEvent> events) {
        for (DomainEvent e : events) {
            LOG.info("event {} {}", e.type(), e.detail());
        }
    }
}
