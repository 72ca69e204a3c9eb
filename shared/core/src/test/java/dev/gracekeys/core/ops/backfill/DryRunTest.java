package dev.gracekeys.core.ops.backfill;

import dev.gracekeys.core.events.EventPublisher;
import dev.gracekeys.core.ops.ImportRecord;
import dev.gracekeys.core.ops.ImportResult;
import dev.gracekeys.core.ops.LegacyImporter;
import dev.gracekeys.core.store.memory.InMemoryStore;
import dev.gracekeys.core.testing.Fixture;
import dev.gracekeys.core.token.PepperRing;
import dev.gracekeys.core.token.TokenFormat;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A dry run is the real run's code over a read-through overlay: it writes nothing and reports the
 * outcomes the real run then gives, over an input with every kind of outcome, spread over several
 * chunks, with repeats of a client or key inside the input.
 */
class DryRunTest {

    private final Clock clock = Clock.fixed(Instant.parse("2025-03-01T10:00:00Z"), ZoneOffset.UTC);
    private final InMemoryStore store = new InMemoryStore();
    private final LegacyImporter importer = new LegacyImporter(store, PepperRing.fixed(Fixture.PEPPER),
            new TokenFormat("gk_", Pattern.compile(Fixture.LEGACY_KEYS)), EventPublisher.NONE, clock);

    private static String key(int n) {
        return String.format("legacy-key-%08d-abcdef", n);
    }

    private static ImportRecord record(String clientId, int key) {
        return new ImportRecord(clientId, key(key), null, null, null);
    }

    @Test
    void aDryRunWritesNothingAndReportsWhatTheRealRunDoes() {
        // Already in the table: OLD000..OLD009, each with its own key 1000+n.
        List<ImportRecord> before = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            before.add(record(String.format("OLD%03d", i), 1000 + i));
        }
        assertEquals(10, importer.importAll(before, false).imported());
        InMemoryStore.Snapshot untouched = store.snapshot();

        List<ImportRecord> input = new ArrayList<>();
        for (int i = 0; i < 130; i++) { // three chunks of new clients
            input.add(record(String.format("NEW%03d", i), i));
        }
        input.add(record("OLD000", 1000));   // the table's client with its own key: skipped
        input.add(record("OLD001", 5));      // the table's client, another key: conflict
        input.add(record("FRESH1", 1002));   // a key the table holds for OLD002: conflict
        input.add(record("NEW000", 0));      // repeated in the input, same key: skipped
        input.add(record("NEW001", 9999));   // repeated in the input, another key: conflict
        input.add(record("FRESH2", 3));      // a key an earlier record of the input took: conflict
        input.add(new ImportRecord("BAD", "short", null, null, null)); // invalid: rejected
        input.add(null);                     // empty: rejected
        for (int i = 130; i < 180; i++) {
            input.add(record(String.format("NEW%03d", i), i));
        }

        ImportResult dry = importer.importAll(input, true);

        assertEquals(untouched, store.snapshot(), "a dry run writes nothing");
        assertTrue(dry.dryRun());

        ImportResult real = importer.importAll(input, false);

        assertFalse(real.dryRun());
        assertEquals(withoutDryRun(real), withoutDryRun(dry), "the dry run reports what the real run did");
        assertEquals(180, real.imported());
        assertEquals(2, real.skipped());
        assertEquals(4, real.conflictCount());
        assertEquals(2, real.rejectedCount());
        assertEquals(input.size(), real.read());
    }

    @Test
    void aDryRunOverAnEmptyStoreImportsEveryDistinctRecord() {
        List<ImportRecord> input = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            input.add(record(String.format("C%03d", i % 55), i % 55)); // the last 5 repeat earlier ones
        }

        ImportResult dry = importer.importAll(input, true);

        assertTrue(store.clientRecords().isEmpty(), "nothing written");
        assertEquals(55, dry.imported());
        assertEquals(5, dry.skipped());
        assertEquals(withoutDryRun(importer.importAll(input, false)), withoutDryRun(dry));
    }

    private static ImportResult withoutDryRun(ImportResult r) {
        return new ImportResult(false, r.read(), r.imported(), r.skipped(), r.conflicts(), r.rejected(),
                r.conflictCount(), r.rejectedCount(), r.stop());
    }
}
