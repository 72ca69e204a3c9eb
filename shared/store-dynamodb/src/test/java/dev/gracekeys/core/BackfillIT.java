package dev.gracekeys.core;

import dev.gracekeys.core.events.DomainEvent;
import dev.gracekeys.core.ops.ImportRecord;
import dev.gracekeys.core.ops.ImportResult;
import dev.gracekeys.store.dynamodb.testing.DynamoDbLocalExtension;
import dev.gracekeys.core.testing.Fixture;
import dev.gracekeys.store.dynamodb.testing.TestTable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Legacy import: hashed on import, idempotent, never overwrites, dry run writes nothing. */
@ExtendWith(DynamoDbLocalExtension.class)
class BackfillIT {

    private static final String KEY_A = "legacyAAAA-0123456789abcdef";
    private static final String KEY_B = "legacyBBBB-0123456789abcdef";
    private static final String KEY_C = "legacyCCCC-0123456789abcdef";

    private static List<ImportRecord> batch() {
        return List.of(
                new ImportRecord("DEV01", KEY_A, null, "Device 1", "2024-01-31T12:00:00Z"),
                new ImportRecord("DEV02", null, sha256(KEY_B), null, null),
                new ImportRecord("DEV03", KEY_C, null, null, null));
    }

    @Test
    void import_hashesKeys_andImportedKeysVerify(TestTable table) {
        Fixture f = new Fixture(table);
        ImportResult r = f.core.importer().importAll(batch(), false);

        assertEquals(new ImportResult(false, 3, 3, 0, List.of(), List.of()), r);
        assertEquals("DEV01", f.verify(KEY_A).clientId());
        assertEquals("DEV02", f.verify(KEY_B).clientId(), "imported from its SHA-256, verified from the raw key");
        assertEquals("DEV03", f.verify(KEY_C).clientId());
        assertEquals("Device 1", f.core.tokens().describe("DEV01").name());
        assertEquals("2024-01-31T12:00:00Z", f.core.tokens().describe("DEV01").createdAt().toString());
        String everything = table.snapshot().toString();
        for (String key : List.of(KEY_A, KEY_B, KEY_C)) {
            assertFalse(everything.contains(key), "a raw key is stored");
        }
        assertFalse(everything.contains(sha256(KEY_B)), "the unpeppered legacy hash is stored");
        assertEquals(List.of(), f.violations());
        assertEquals(1, f.events.ofType(DomainEvent.BACKFILL_COMPLETED).size());
    }

    @Test
    void importTwice_givesTheSameTable_andSkipsEverything(TestTable table) {
        Fixture f = new Fixture(table);
        f.core.importer().importAll(batch(), false);
        var once = table.snapshot();

        ImportResult again = f.core.importer().importAll(batch(), false);

        assertEquals(new ImportResult(false, 3, 0, 3, List.of(), List.of()), again);
        assertEquals(once, table.snapshot());
    }

    @Test
    void import_neverOverwritesAClientWithTokens_andReportsAConflict(TestTable table) {
        Fixture f = new Fixture(table);
        String token = f.create("DEV01");
        var before = table.snapshot();

        ImportResult r = f.core.importer().importAll(List.of(new ImportRecord("DEV01", KEY_A, null, null, null)), false);

        assertEquals(0, r.imported());
        assertEquals(1, r.conflicts().size());
        assertEquals("DEV01", r.conflicts().get(0).clientId());
        assertTrue(r.conflicts().get(0).reason().contains("never overwrites"));
        assertEquals(before, table.snapshot());
        assertTrue(f.allowed(token));
        assertFalse(f.allowed(KEY_A));
    }

    @Test
    void import_ofOneKeyForTwoClients_importsTheFirst_andReportsTheSecond(TestTable table) {
        Fixture f = new Fixture(table);
        ImportResult r = f.core.importer().importAll(List.of(
                new ImportRecord("DEV01", KEY_A, null, null, null),
                new ImportRecord("DEV09", KEY_A, null, null, null)), false);
        assertEquals(1, r.imported());
        assertEquals(List.of("DEV09"), r.conflicts().stream().map(ImportResult.Problem::clientId).toList());
        assertEquals(List.of(), f.violations());
    }

    @Test
    void dryRun_reportsWhatItWouldDo_andWritesNothing(TestTable table) {
        Fixture f = new Fixture(table);
        f.create("DEV03");
        var before = table.snapshot();
        List<ImportRecord> records = new java.util.ArrayList<>(batch());
        records.add(new ImportRecord("DEV01", KEY_A, null, null, null)); // duplicate within the run

        ImportResult r = f.core.importer().importAll(records, true);

        assertTrue(r.dryRun());
        assertEquals(4, r.read());
        assertEquals(2, r.imported());
        assertEquals(1, r.skipped());
        assertEquals(1, r.conflicts().size());
        assertEquals(before, table.snapshot());
        assertEquals(0, f.events.ofType(DomainEvent.BACKFILL_COMPLETED).size());
    }

    /** The dry run checks the table for the key as the real run does, not only its own plan. */
    @Test
    void dryRun_reportsAConflict_forAKeyAnotherClientAlreadyHolds_andSkipsTheHoldersOwnRecord(TestTable table) {
        Fixture f = new Fixture(table);
        f.core.importer().importAll(List.of(new ImportRecord("DEV01", KEY_A, null, null, null)), false);
        var before = table.snapshot();
        List<ImportRecord> records = List.of(
                new ImportRecord("DEV09", KEY_A, null, null, null),          // DEV01's key: a conflict
                new ImportRecord("DEV08", null, sha256(KEY_A), null, null),  // the same key by its SHA-256
                new ImportRecord("DEV01", KEY_A, null, null, null),          // DEV01's own: skipped
                new ImportRecord("DEV02", KEY_B, null, null, null));         // new: imported

        ImportResult dry = f.core.importer().importAll(records, true);

        assertEquals(before, table.snapshot());
        assertEquals(1, dry.imported());
        assertEquals(1, dry.skipped());
        assertEquals(List.of(0, 1), dry.conflicts().stream().map(ImportResult.Problem::index).toList());
        assertTrue(dry.conflicts().get(0).reason().contains("already imported for another client"),
                dry.conflicts().get(0).reason());
        ImportResult real = f.core.importer().importAll(records, false);
        assertEquals(real.conflicts(), dry.conflicts(), "the dry run said what the real run does");
        assertEquals(real.imported(), dry.imported());
        assertEquals(real.skipped(), dry.skipped());
    }

    /**
     * A clientId column that holds a key by mistake: a clientId that looks like a GraceKeys token or
     * a declared legacy key is never quoted back, neither in a reason nor as the problem's clientId.
     */
    @Test
    void problems_neverQuoteAClientIdThatLooksLikeAKey(TestTable table) {
        Fixture f = new Fixture(table);
        String token = f.create("DEV01");
        String legacyLike = "legacyZZZZ-0123456789abcdef"; // matches the declared legacy format
        f.create(legacyLike);
        f.core.importer().importAll(List.of(new ImportRecord("DEV02", KEY_B, null, null, null)), false);

        ImportResult r = f.core.importer().importAll(List.of(
                new ImportRecord(legacyLike, KEY_A, null, null, null),   // the client has other tokens
                new ImportRecord(token, KEY_B, null, null, null),        // DEV02's key
                new ImportRecord(legacyLike, null, null, null, null),    // rejected: no key
                new ImportRecord("DEV03", KEY_C, null, null, null)), false);

        assertEquals(2, r.conflicts().size());
        assertEquals(1, r.rejected().size());
        String everything = r.toString();
        assertFalse(everything.contains(legacyLike), "a key-like clientId is quoted: " + everything);
        assertFalse(everything.contains(token), "a token-like clientId is quoted: " + everything);
        assertFalse(everything.contains(token.substring(0, 20)), "a token-like clientId is quoted: " + everything);
        assertTrue(r.conflicts().get(0).reason().contains("the record's clientId"), r.conflicts().get(0).reason());
        assertNull(r.conflicts().get(0).clientId());
        assertNull(r.conflicts().get(1).clientId());
        assertNull(r.rejected().get(0).clientId());
    }

    @Test
    void invalidRecords_areRejectedWithAReason_neverEchoingTheKey_andWriteNothing(TestTable table) {
        Fixture f = new Fixture(table);
        String shortKey = "tooShort";
        String prefixed = "gk_notAValidGraceKeysTokenAtAll0123456789";
        ImportResult r = f.core.importer().importAll(List.of(
                new ImportRecord("bad id", KEY_A, null, null, null),
                new ImportRecord("DEV01", null, null, null, null),
                new ImportRecord("DEV02", KEY_A, sha256(KEY_A), null, null),
                new ImportRecord("DEV03", shortKey, null, null, null),
                new ImportRecord("DEV04", prefixed, null, null, null),
                new ImportRecord("DEV05", null, "xyz", null, null),
                new ImportRecord("DEV06", KEY_B, null, null, "yesterday")), false);

        assertEquals(7, r.rejected().size());
        assertEquals(0, r.imported());
        assertEquals(List.of(0, 1, 2, 3, 4, 5, 6), r.rejected().stream().map(ImportResult.Problem::index).toList());
        String reasons = r.toString();
        for (String secret : List.of(KEY_A, KEY_B, shortKey, prefixed, sha256(KEY_A))) {
            assertFalse(reasons.contains(secret), "a key is echoed in: " + reasons);
        }
        assertTrue(r.rejected().get(6).reason().contains("createdAt"));
        assertEquals(List.of(), table.snapshot());
    }

    /**
     * A Lambda answer is at most 6 MB: the first {@value ImportResult#MAX_LISTED} problems of each
     * kind are listed, in input order; the counts (and BackfillCompleted's) are exact.
     */
    @Test
    void manyRejections_listTheFirstHundredInInputOrder_andCountThemAll(TestTable table) {
        Fixture f = new Fixture(table);
        List<ImportRecord> records = new java.util.ArrayList<>();
        for (int i = 0; i < 130; i++) {
            records.add(new ImportRecord(String.format("DEV%03d", i), null, null, null, null)); // no key: rejected
        }
        records.add(new ImportRecord("DEV999", KEY_A, null, null, null));

        ImportResult r = f.core.importer().importAll(records, false);

        assertEquals(131, r.read());
        assertEquals(1, r.imported());
        assertEquals(130, r.rejectedCount());
        assertEquals(java.util.stream.IntStream.range(0, 100).boxed().toList(),
                r.rejected().stream().map(ImportResult.Problem::index).toList());
        assertTrue(r.truncated());
        assertNull(r.stop());
        assertEquals(130, f.events.ofType(DomainEvent.BACKFILL_COMPLETED).get(0).detail().get("rejected"));
        assertFalse(new ImportResult(false, 3, 3, 0, List.of(), List.of()).truncated());
    }

    @Test
    void sha256Records_areRejected_whenNoLegacyKeyPatternIsSet_becauseTheyCouldNeverVerify(TestTable table) {
        Fixture f = new Fixture(table, GraceKeysConfig.fromEnv(java.util.Map.of(
                "TABLE_NAME", table.name())));
        ImportResult r = f.core.importer().importAll(List.of(new ImportRecord("DEV01", null, sha256(KEY_A), null, null)), false);
        assertEquals(1, r.rejected().size());
        assertTrue(r.rejected().get(0).reason().contains("LEGACY_KEY_PATTERN"));
        assertEquals(List.of(), table.snapshot());
    }

    static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
