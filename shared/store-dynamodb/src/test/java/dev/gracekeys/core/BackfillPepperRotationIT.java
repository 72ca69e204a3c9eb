package dev.gracekeys.core;

import dev.gracekeys.core.ops.ImportRecord;
import dev.gracekeys.core.ops.ImportResult;
import dev.gracekeys.store.dynamodb.DynamoDbGraceKeys;
import dev.gracekeys.core.testing.CollectingEventPublisher;
import dev.gracekeys.store.dynamodb.testing.DynamoDbLocalExtension;
import dev.gracekeys.testkit.MutableClock;
import dev.gracekeys.store.dynamodb.testing.TableInvariants;
import dev.gracekeys.store.dynamodb.testing.TestTable;
import dev.gracekeys.core.token.Pepper;
import dev.gracekeys.core.token.PepperRing;
import dev.gracekeys.core.token.PepperSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Backfill across a pepper rotation: a legacy key stays under the pepper it was imported with, so
 * the "is this key taken" and "does this client hold it" checks must look under every pepper of the
 * ring, as the verify does. Else, once a new pepper hashes new tokens, a key imported before could
 * be imported again for a second client (two clients verifying with one key), and a re-run of the
 * earlier import would report conflicts instead of skipping.
 */
@ExtendWith(DynamoDbLocalExtension.class)
class BackfillPepperRotationIT {

    private static final Pepper A = pepper("pepper-A");
    private static final Pepper B = pepper("pepper-B");
    private static final Duration REFRESH = Duration.ofMinutes(5);
    private static final String CLIENT_TAKEN = "already has other tokens";
    private static final String KEY_TAKEN = "already imported for another client";

    private final MutableClock clock = new MutableClock();
    private final AtomicReference<PepperSource.Peppers> secret =
            new AtomicReference<>(new PepperSource.Peppers(A, null, clock.instant().minus(Duration.ofDays(90))));
    private final CollectingEventPublisher events = new CollectingEventPublisher();
    private PepperRing ring;

    private GraceKeys core(TestTable table) {
        ring = new PepperRing(secret::get, clock, REFRESH, Runnable::run);
        return DynamoDbGraceKeys.builder(GraceKeysConfig.defaults(table.name())
                        .withLegacyKeyPattern(dev.gracekeys.core.testing.Fixture.LEGACY_KEYS), table.client()).peppers(ring).events(events).clock(clock).build();
    }

    /** put-secret-value of B, then long enough for B to hash new tokens; the ring has reloaded. */
    private void rotatePepperToB() {
        secret.set(new PepperSource.Peppers(B, A, clock.instant()));
        clock.advance(REFRESH.plus(PepperRing.SETTLE_MARGIN).plusSeconds(1));
        reload();
    }

    /** Past its refresh time, a look at the ring reloads it (on this thread: the refresher is Runnable::run). */
    private void reload() {
        ring.view();
        assertFalse(ring.view().staleAt(clock.instant()), "reloaded");
    }

    @Test
    void afterAPepperRotation_aRerunSkips_aKeyTakenUnderTheOldPepperIsAConflict_andTheRestImports(TestTable table) {
        GraceKeys core = core(table);
        table.requests().reset();
        ImportResult before = core.importer().importAll(records("OLD", 0, 100), false);
        assertEquals(100, before.imported());
        assertEquals(0, table.requests().count("BatchGetItem"), "one pepper: no read before the writes");
        assertEquals(2, table.requests().count("TransactWriteItems"), "two chunks, one transaction each");

        rotatePepperToB();
        var snapshot = table.snapshot();
        List<ImportRecord> input = new ArrayList<>();
        input.addAll(records("OLD", 0, 50));      // 0-49: a re-run of records imported under A: skipped
        input.addAll(records("NEW", 50, 100));    // 50-99: keys OLD050..OLD099 hold under A: conflicts
        input.addAll(records("NEW", 100, 180));   // 100-179: new keys: imported, under B
        table.requests().reset();

        ImportResult r = core.importer().importAll(input, false);

        assertEquals(180, r.read());
        assertEquals(80, r.imported());
        assertEquals(50, r.skipped());
        assertEquals(50, r.conflicts().size());
        for (int i = 0; i < 50; i++) {
            ImportResult.Problem p = r.conflicts().get(i);
            assertEquals(50 + i, p.index());
            assertEquals(String.format("NEW%03d", 50 + i), p.clientId());
            assertTrue(p.reason().contains(KEY_TAKEN), p.reason());
        }
        assertEquals(4, table.requests().count("BatchGetItem"), "one batch read per chunk of 50");
        List<Map<String, AttributeValue>> after = table.snapshot();
        assertEquals(snapshot.size() + 2 * 80, after.size(), "only the 80 new clients were written");
        assertTrue(after.containsAll(snapshot), "nothing imported before was changed");
        assertEquals(List.of(), TableInvariants.violations(table, clock.instant()));
        for (int i = 0; i < 100; i++) {
            assertEquals(String.format("OLD%03d", i), core.verifier().verify(key(i)).clientId(), "key " + i);
        }
        for (int i = 100; i < 180; i++) {
            assertEquals(String.format("NEW%03d", i), core.verifier().verify(key(i)).clientId(), "key " + i);
        }
    }

    @Test
    void afterAPepperRotation_aRerunOfTheWholeImport_skipsEverything_andLeavesTheTableAsItWas(TestTable table) {
        GraceKeys core = core(table);
        List<ImportRecord> input = records("DEV", 0, 120);
        core.importer().importAll(input, false);
        var once = table.snapshot();
        rotatePepperToB();

        ImportResult again = core.importer().importAll(input, false);

        assertEquals(new ImportResult(false, 120, 0, 120, List.of(), List.of()), again);
        assertEquals(once, table.snapshot());
    }

    @Test
    void afterAPepperRotation_oneClientWithAnotherKey_isStillAClientConflict(TestTable table) {
        GraceKeys core = core(table);
        core.importer().importAll(records("DEV", 0, 1), false);
        rotatePepperToB();

        // DEV000 exists and holds key 0 (under A); key 1 is new: the client conflict, as before.
        ImportResult r = core.importer().importAll(List.of(new ImportRecord("DEV000", key(1), null, null, null)), false);

        assertEquals(1, r.conflicts().size());
        assertTrue(r.conflicts().get(0).reason().contains(CLIENT_TAKEN), r.conflicts().get(0).reason());
    }

    @Test
    void afterARollback_keysImportedUnderTheNewerPepper_stillCount(TestTable table) {
        GraceKeys core = core(table);
        rotatePepperToB();
        core.importer().importAll(records("DEV", 0, 60), false); // under B
        secret.set(new PepperSource.Peppers(A, B, clock.instant().minus(Duration.ofDays(90)))); // roll back
        clock.advance(REFRESH.plusSeconds(1));
        reload(); // A hashes new tokens again at once: every container holds it
        var snapshot = table.snapshot();

        List<ImportRecord> input = new ArrayList<>(records("DEV", 0, 60));                // a re-run
        input.add(new ImportRecord("THIEF", key(7), null, null, null));                  // a key of DEV007
        ImportResult r = core.importer().importAll(input, false);

        assertEquals(0, r.imported());
        assertEquals(60, r.skipped());
        assertEquals(List.of(60), r.conflicts().stream().map(ImportResult.Problem::index).toList());
        assertEquals(snapshot, table.snapshot());
        assertEquals("DEV007", core.verifier().verify(key(7)).clientId());
    }

    /** The dry run looks under every pepper too, so it reports what the real run then does. */
    @Test
    void dryRun_afterAPepperRotation_reportsWhatTheRealRunThenDoes_andWritesNothing(TestTable table) {
        GraceKeys core = core(table);
        core.importer().importAll(records("OLD", 0, 100), false);
        rotatePepperToB();
        List<ImportRecord> input = new ArrayList<>();
        input.addAll(records("OLD", 0, 50));
        input.addAll(records("NEW", 50, 100));
        input.addAll(records("NEW", 100, 180));
        var before = table.snapshot();

        ImportResult dry = core.importer().importAll(input, true);

        assertEquals(before, table.snapshot(), "a dry run writes nothing");
        assertEquals(80, dry.imported());
        assertEquals(50, dry.skipped());
        assertEquals(50, dry.conflicts().size());
        ImportResult real = core.importer().importAll(input, false);
        assertEquals(real.read(), dry.read());
        assertEquals(real.imported(), dry.imported());
        assertEquals(real.skipped(), dry.skipped());
        assertEquals(real.conflicts(), dry.conflicts());
    }

    private static List<ImportRecord> records(String prefix, int from, int to) {
        List<ImportRecord> list = new ArrayList<>();
        for (int i = from; i < to; i++) {
            list.add(new ImportRecord(String.format("%s%03d", prefix, i), key(i), null, null, "2024-03-01T00:00:00Z"));
        }
        return list;
    }

    private static String key(int i) {
        return String.format("legacy-rotation-key-%04d-abcdef", i);
    }

    private static Pepper pepper(String seed) {
        return Pepper.of((seed + "-0123456789abcdef0123456789abcdef").getBytes(StandardCharsets.UTF_8));
    }
}
