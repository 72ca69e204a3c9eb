package dev.gracekeys.local;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gracekeys.core.events.DomainEvent;
import dev.gracekeys.core.events.EventPublisher;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The local stack's event bus: each event as one JSON line in {@code events.jsonl}, shaped like an
 * EventBridge event ({@code source}, {@code detail-type}, {@code time}, {@code detail}), and printed.
 */
final class JsonLinesEventPublisher implements EventPublisher {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final PrintStream out;

    JsonLinesEventPublisher(Path file, PrintStream out) {
        this.file = file;
        this.out = out;
    }

    @Override
    public synchronized void publish(List<DomainEvent> events) {
        StringBuilder lines = new StringBuilder();
        for (DomainEvent e : events) {
            Map<String, Object> envelope = new LinkedHashMap<>();
            envelope.put("source", DomainEvent.SOURCE);
            envelope.put("detail-type", e.type());
            envelope.put("time", e.time().toString());
            envelope.put("detail", e.detail());
            try {
                lines.append(JSON.writeValueAsString(envelope)).append('\n');
            } catch (IOException ex) {
                throw new UncheckedIOException(ex);
            }
            out.println("[event] " + e.type() + " " + e.detail());
        }
        try {
            Files.writeString(file, lines, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot append to " + file, ex);
        }
    }
}
