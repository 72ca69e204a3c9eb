package dev.gracekeys.functions.backfill;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gracekeys.core.ops.ImportRecord;

import java.io.BufferedReader;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
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

    /**
     * Lines from {@code reader}, skipping the first {@code from} (a resume).
     *
     * @throws UncheckedIOException (here) if the lines to skip cannot be read; a line after them that
     *                              cannot be read is reported by {@code hasNext}/{@code next} once
     *                              every line before it is taken, with {@code nextIndex} at it
     */
    static BackfillJob.ItemSource jsonLines(BufferedReader reader, int from) {
        return new BackfillJob.ItemSource() {
            private int lineIndex = 0;
            private String pending;
            private UncheckedIOException broken; // reading line lineIndex failed: the input ends in an error

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
                } catch (UncheckedIOException e) {
                    throw e;
                } catch (RuntimeException e) { // the S3 client's own, e.g. an aborted stream
                    throw new UncheckedIOException("reading the backfill file failed at line " + (lineIndex + 1),
                            new IOException(e.getClass().getSimpleName()));
                }
            }

            /** Reads the next non-blank line; a read error is kept for when the lines before it are taken. */
            private void advance() {
                try {
                    pending = read();
                    while (pending != null && pending.isBlank()) {
                        lineIndex++;
                        pending = read();
                    }
                } catch (UncheckedIOException e) {
                    pending = null;
                    broken = e;
                }
            }

            @Override
            public boolean hasNext() {
                return pending != null || broken != null;
            }

            @Override
            public BackfillJob.Item next() {
                if (pending == null) {
                    if (broken != null) {
                        throw broken;
                    }
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

    /**
     * The object's bytes, failing at its end if fewer came than its Content-Length: a connection
     * that breaks off can look like the end of the stream, and a file cut short must stop the run
     * with a cursor, not complete it.
     */
    static InputStream ofLength(InputStream in, long expected) {
        return new FilterInputStream(in) {
            private long seen;

            @Override
            public int read() throws IOException {
                int b = super.read();
                return b < 0 ? end() : count(1, b);
            }

            @Override
            public int read(byte[] buf, int off, int len) throws IOException {
                int n = super.read(buf, off, len);
                return n < 0 ? end() : count(n, n);
            }

            private int count(int bytes, int result) {
                seen += bytes;
                return result;
            }

            private int end() throws IOException {
                if (seen < expected) {
                    throw new IOException("the object ended after " + seen + " of its " + expected + " bytes");
                }
                return -1;
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
