package dev.gracekeys.functions.backfill;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gracekeys.core.ops.ImportRecord;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * Backfill's inputs, as {@link BackfillJob.ItemSource}s: inline records, or JSON lines (one record
 * per line; blank lines are skipped but keep their number, so a cursor is a line index). A record
 * that cannot be read becomes a rejection with its position, never an error for the whole run, and
 * no message quotes a record (it may hold a key).
 */
final class Sources {

    static final Set<String> FIELDS = Set.of("clientId", "key", "sha256", "name", "createdAt");
    private static final ObjectMapper JSON = new ObjectMapper();

    private Sources() {
    }

    static BackfillJob.ItemSource inline(List<?> records, int from) {
        return new BackfillJob.ItemSource() {
            private int next = Math.min(from, records.size());

            @Override
            public boolean hasNext() {
                return next < records.size();
            }

            @Override
            public BackfillJob.Item next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                int index = next++;
                return item(index, records.get(index));
            }

            @Override
            public int nextIndex() {
                return next;
            }
        };
    }

    /** Lines from {@code reader}, skipping the first {@code from} (a resume). */
    static BackfillJob.ItemSource jsonLines(BufferedReader reader, int from) {
        return new BackfillJob.ItemSource() {
            private int lineIndex = 0;
            private String pending;

            {
                for (; lineIndex < from; lineIndex++) {
                    if (read() == null) {
                        break;
                    }
                }
                advance();
            }

            private String read() {
                try {
                    return reader.readLine();
                } catch (IOException e) {
                    throw new UncheckedIOException("reading the backfill file failed at line " + (lineIndex + 1), e);
                }
            }

            private void advance() {
                pending = read();
                while (pending != null && pending.isBlank()) {
                    lineIndex++;
                    pending = read();
                }
            }

            @Override
            public boolean hasNext() {
                return pending != null;
            }

            @Override
            public BackfillJob.Item next() {
                if (pending == null) {
                    throw new NoSuchElementException();
                }
                int index = lineIndex;
                String line = pending;
                lineIndex++;
                advance();
                Object parsed;
                try {
                    parsed = JSON.readValue(line, Object.class);
                } catch (JsonProcessingException e) {
                    return new BackfillJob.Item(index, null, "line " + (index + 1) + " is not valid JSON");
                }
                return item(index, parsed);
            }

            @Override
            public int nextIndex() {
                return lineIndex;
            }
        };
    }

    static BackfillJob.Item item(int index, Object value) {
        if (!(value instanceof Map<?, ?> m)) {
            return new BackfillJob.Item(index, null, "a record must be a JSON object with clientId and key or sha256");
        }
        for (Object k : m.keySet()) {
            if (!FIELDS.contains(k)) {
                return new BackfillJob.Item(index, null, "unknown field in record; accepted: " + new java.util.TreeSet<>(FIELDS));
            }
        }
        for (String f : FIELDS) {
            Object v = m.get(f);
            if (v != null && !(v instanceof String)) {
                return new BackfillJob.Item(index, null, f + " must be a string");
            }
        }
        return new BackfillJob.Item(index, new ImportRecord((String) m.get("clientId"), (String) m.get("key"),
                (String) m.get("sha256"), (String) m.get("name"), (String) m.get("createdAt")), null);
    }
}
