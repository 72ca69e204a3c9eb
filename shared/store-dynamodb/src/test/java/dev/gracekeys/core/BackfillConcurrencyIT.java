package dev.gracekeys.core;

import dev.gracekeys.testkit.DynamoDbLocal;

import dev.gracekeys.core.events.DomainEvent;
import dev.gracekeys.core.model.TokenRef;
import dev.gracekeys.core.ops.RotationRules;
import dev.gracekeys.core.ops.ImportRecord;
import dev.gracekeys.core.ops.ImportResult;
import dev.gracekeys.core.ops.LegacyImporter;
import dev.gracekeys.core.store.ChangeRejectedException.Reason;
import dev.gracekeys.core.store.BatchRejectedException;
import dev.gracekeys.core.store.ClientChange;
import dev.gracekeys.store.dynamodb.DynamoDbGraceKeys;
import dev.gracekeys.store.dynamodb.testing.DynamoDbLocalExtension;
import dev.gracekeys.core.testing.Fixture;
import dev.gracekeys.testkit.MutableClock;
import dev.gracekeys.store.dynamodb.testing.TestTable;
import dev.gracekeys.core.token.TokenKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsRequest;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Backfill imports records in chunks, several at once: every rule must hold as if the records were
 * imported one by one in input order. The inputs are big enough for many chunks (of
 * {@value LegacyImporter#CHUNK}) to be in flight together, and put repeated clients and keys within
 * one chunk, across neighbouring chunks and far apart. The expected outcomes come from a plain
 * one-by-one model of the rules ({@link #oneByOne}), and, for one input, from the importer itself
 * fed one record per call.
 */
@ExtendWith(DynamoDbLocalExtension.class)
class BackfillConcurrencyIT {

    private static final int RECORDS = 2_000;
    private static final String CLIENT_TAKEN = "already has other tokens";
    private static final String KEY_TAKEN = "already imported for another client";

    @Test
    void import_withRepeatsAcrossConcurrentChunks_givesTheOneByOneOutcomes_inInputOrder(TestTable table) {
        Fixture f = new Fixture(table);
        String otherToken = f.create("DEV01500"); // record 1500 meets a client with other tokens
        f.core.importer().importAll(List.of(record("DEV00003", key(3))), false); // record 3: already done
        List<ImportRecord> input = repeats(RECORDS);
        Expected expected = oneByOne(input, Map.of("DEV01500", "<other>", "DEV00003", key(3)));

        ImportResult r = f.core.importer().importAll(input, false);

        expected.assertMatches(r);
        assertAscending(r);
        assertEquals(2 * expected.owners.size(), table.snapshot().size(),
                "one client and one token item per client, nothing else");
        expected.owners.forEach((clientId, key) -> {
            if (!key.equals("<other>")) {
                assertEquals(clientId, f.verify(key).clientId(), () -> "the key of " + clientId);
            }
        });
        assertTrue(f.allowed(otherToken), "the client with other tokens is untouched");
        assertEquals(List.of(), f.violations());
        assertEquals(2, f.events.ofType(DomainEvent.BACKFILL_COMPLETED).size());
    }

    @Test
    void rerun_ofTwoThousand_givesTheSameTable_importingNothing(TestTable table) {
        Fixture f = new Fixture(table);
        List<ImportRecord> input = repeats(RECORDS);
        ImportResult first = f.core.importer().importAll(input, false);
        var once = table.snapshot();

        ImportResult again = f.core.importer().importAll(input, false);

        assertEquals(0, again.imported());
        assertEquals(first.imported() + first.skipped(), again.skipped());
        assertEquals(first.conflicts(), again.conflicts(), "the same conflicts, at the same records, for the same reasons");
        assertEquals(first.rejected(), again.rejected());
        assertEquals(once, table.snapshot());
    }

    @Test
    void dryRun_ofTwoThousand_reportsWhatTheRealRunThenDoes_andWritesNothing(TestTable table) {
        Fixture f = new Fixture(table);
        f.create("DEV01500");
        List<ImportRecord> input = repeats(RECORDS);
        var before = table.snapshot();

        ImportResult dry = f.core.importer().importAll(input, true);

        assertEquals(before, table.snapshot());
        assertEquals(0, f.events.ofType(DomainEvent.BACKFILL_COMPLETED).size());
        ImportResult real = f.core.importer().importAll(input, false);
        assertEquals(new ImportResult(true, real.read(), real.imported(), real.skipped(), real.conflicts(),
                real.rejected()), dry);
    }

    /** Records 0-399, dense with repeats: the importer fed all at once == fed one record per call. */
    @Test
    void importAll_equalsImportingOneRecordPerCall_tableAndOutcomes(TestTable table) {
        List<ImportRecord> input = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            int n = i % 7 == 3 ? i - 3 : i % 11 == 5 ? i - 40 : i; // a repeat 3 and 40 records back
            boolean otherKey = i % 13 == 0 && i > 0;
            boolean otherClient = i % 17 == 0 && i > 0;
            input.add(record(otherClient ? "ALT" + i : clientId(Math.max(0, n)),
                    otherKey ? key(100_000 + i) : key(Math.max(0, n))));
        }
        Fixture all = new Fixture(table);
        ImportResult together = all.core.importer().importAll(input, false);

        TestTable oneByOneTable = DynamoDbLocalExtension.newTable();
        try {
            Fixture single = new Fixture(oneByOneTable, GraceKeysConfig.defaults(oneByOneTable.name()).withLegacyKeyPattern(Fixture.LEGACY_KEYS),
                    new MutableClock(all.clock.instant()));
            List<ImportResult> each = new ArrayList<>();
            for (ImportRecord r : input) {
                each.add(single.core.importer().importAll(List.of(r), false));
            }
            assertEquals(sum(each), together);
            assertEquals(oneByOneTable.snapshot(), table.snapshot());
        } finally {
            oneByOneTable.client().deleteTable(r -> r.tableName(oneByOneTable.name()));
            oneByOneTable.client().close();
        }
    }

    /**
     * Record 120 fails for good (DynamoDB unreachable for its client, through the real SDK). The run
     * stops with that failure and reports what it did before it: the counts and the conflict of
     * record 40; a later record of the same client (121) or the same key (200) is never imported in
     * its place; everything before 120 is done. Resumed from 120, the table is the one a clean run
     * gives, and the two reports add up to the clean run's.
     */
    @Test
    void aFailedRecord_stopsTheRun_reportingWhatItDid_withoutALaterRecordOfItsClientOrKey_andResumingGivesTheCleanTable(
            TestTable table) {
        List<ImportRecord> input = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            input.add(record(clientId(i), key(i)));
        }
        input.set(40, record(clientId(40), key(10)));   // record 10's key: a conflict before the failure
        input.set(120, record("FAIL", key(120)));
        input.set(121, record("FAIL", key(121)));       // same client, another key: a conflict in a clean run
        input.set(200, record("TAKER", key(120)));      // the failed record's key: a conflict in a clean run
        FailingClient fault = new FailingClient("FAIL");
        MutableClock clock = new MutableClock();
        DynamoDbClient dynamo = dynamoWith(table, fault);
        dev.gracekeys.core.testing.CollectingEventPublisher events = new dev.gracekeys.core.testing.CollectingEventPublisher();
        GraceKeys core = DynamoDbGraceKeys.builder(GraceKeysConfig.defaults(table.name()).withLegacyKeyPattern(Fixture.LEGACY_KEYS), dynamo).pepper(Fixture.PEPPER).events(events).clock(clock).build();

        LegacyImporter.ImportStoppedException stopped = assertThrows(LegacyImporter.ImportStoppedException.class,
                () -> core.importer().importAll(input, false));

        assertTrue(stopped.retryable());
        ImportResult before = stopped.result();
        assertEquals(new ImportResult.Stop(120, "StoreUnavailableException", before.stop().errorMessage(), true),
                before.stop());
        assertTrue(before.stop().errorMessage().contains("FAIL"), before.stop().errorMessage());
        assertTrue(stopped.getMessage().contains("record 120"), stopped.getMessage());
        assertEquals(120, before.read(), "exactly the records before the failure");
        assertEquals(119, before.imported());
        assertEquals(List.of(40), before.conflicts().stream().map(ImportResult.Problem::index).toList());
        assertEquals(0, events.ofType(DomainEvent.BACKFILL_COMPLETED).size(), "not complete");
        Set<String> clients = clientIds(table);
        for (int i = 0; i < 120; i++) {
            assertEquals(i != 40, clients.contains(clientId(i)), "record " + i + " is before the failure: done");
        }
        assertFalse(clients.contains("FAIL"), "never FAIL with the key of record 121");
        assertFalse(clients.contains("TAKER"), "never TAKER with the failed record's key");

        fault.off();
        ImportResult rest = core.importer().importAll(input.subList(120, input.size()), false);
        dynamo.close();

        TestTable clean = DynamoDbLocalExtension.newTable();
        try {
            Fixture reference = new Fixture(clean, GraceKeysConfig.defaults(clean.name()).withLegacyKeyPattern(Fixture.LEGACY_KEYS), new MutableClock(clock.instant()));
            ImportResult r = reference.core.importer().importAll(input, false);
            assertEquals(List.of(40, 121, 200), r.conflicts().stream().map(ImportResult.Problem::index).toList());
            assertEquals(clean.snapshot(), table.snapshot(), "failed + resumed == one clean run");
            assertEquals(r.read(), before.read() + rest.read(), "the reports add up to the clean run's");
            // Records after the failure that the stopped run did come back as skipped in the resumed one.
            assertEquals(r.imported() + r.skipped(), before.imported() + rest.imported() + rest.skipped());
            assertEquals(r.conflictCount(), before.conflictCount() + rest.conflictCount());
        } finally {
            clean.client().deleteTable(r -> r.tableName(clean.name()));
            clean.client().close();
        }
    }

    /**
     * The store's messages name the client; a clientId that looks like a key (a key column pasted
     * into the clientId column) is taken out of the stop's message and the exception's.
     */
    @Test
    void aFailedRecordWhoseClientIdLooksLikeAKey_isNeverQuotedInTheStop(TestTable table) {
        String keyLike = "legacyFAIL-0123456789abcdef"; // matches the declared legacy-key format
        try (DynamoDbClient dynamo = dynamoWith(table, new FailingClient(keyLike))) {
            GraceKeys core = DynamoDbGraceKeys.builder(GraceKeysConfig.defaults(table.name()).withLegacyKeyPattern(Fixture.LEGACY_KEYS), dynamo).pepper(Fixture.PEPPER).events(dev.gracekeys.core.events.EventPublisher.NONE).clock(new MutableClock()).build();

            LegacyImporter.ImportStoppedException stopped = assertThrows(LegacyImporter.ImportStoppedException.class,
                    () -> core.importer().importAll(List.of(record(clientId(0), key(0)), record(keyLike, key(1)),
                            record(clientId(2), key(2))), false));

            assertEquals(1, stopped.result().stop().index());
            assertEquals(1, stopped.result().read());
            assertTrue(stopped.result().stop().errorMessage().contains("the record's clientId"),
                    stopped.result().stop().errorMessage());
            assertFalse(stopped.getMessage().contains(keyLike), stopped.getMessage());
            assertFalse(stopped.result().toString().contains(keyLike), stopped.result().toString());
            assertNull(stopped.getCause(), "no cause whose message could quote it");
        }
    }

    @Test
    void applyAll_isAllOrNothing_andNamesEachRefusedChange(TestTable table) {
        Fixture f = new Fixture(table);
        f.create("TAKEN");
        f.core.importer().importAll(List.of(record("HOLDER", key(2))), false);
        var before = table.snapshot();
        Instant now = f.clock.instant();
        List<ClientChange> changes = List.of(
                create("FRESH", key(1), now),
                create("TAKEN", key(3), now),     // the client exists
                create("NEWBIE", key(2), now));   // the key is HOLDER's

        BatchRejectedException refused = assertThrows(BatchRejectedException.class,
                () -> f.core.store().applyAll(changes));

        assertNull(refused.reason(0), "FRESH's own conditions held");
        assertEquals(Reason.CLIENT_EXISTS, refused.reason(1));
        assertEquals(Reason.TOKEN_EXISTS, refused.reason(2));
        assertEquals(before, table.snapshot(), "nothing written");
        f.core.store().applyAll(List.of(changes.get(0)));
        assertEquals("FRESH", f.verify(key(1)).clientId());
        assertEquals(List.of(), f.violations());
    }

    // ---- inputs and the one-by-one model ---------------------------------------------------------

    /**
     * {@code n} records, mostly new clients, with repeats: the same record again (next record, the
     * next chunk, far on), the same client with another key, the same key for another client, a key
     * given once raw and once by its SHA-256, chains of three, and unreadable records.
     */
    private static List<ImportRecord> repeats(int n) {
        List<ImportRecord> input = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            input.add(record(clientId(i), key(i)));
        }
        Map<Integer, ImportRecord> at = new HashMap<>();
        at.put(11, record(clientId(10), key(10)));            // the record before again: skipped
        at.put(60, record(clientId(10), key(10)));            // again, in the next chunk
        at.put(1260, record(clientId(10), key(10)));          // again, far on
        at.put(50, record(clientId(49), key(9_049)));         // client of the record before, another key
        at.put(120, record(clientId(100), key(9_100)));       // a client of the chunk before, another key
        at.put(300, record("NEW00300", key(5)));              // another client, the key of record 5
        at.put(301, record("NEW00301", key(299)));            // the key of the record two before
        at.put(700, recordSha(clientId(7), key(7)));          // record 7's key by its SHA-256: the same key
        at.put(701, recordSha("NEW00701", key(8)));           // record 8's key by SHA-256, another client
        at.put(800, record(clientId(850), key(850)));         // record 850 comes before itself...
        at.put(850, record(clientId(850), key(9_850)));       // ...so this one meets another key
        for (int k : new int[]{900, 949, 950, 999}) {         // a chain across a chunk border
            at.put(k, record("CHAIN", k == 999 ? key(9_999) : key(9_900)));
        }
        at.put(1000, record("bad id", key(1000)));            // unreadable: rejected
        at.put(1001, new ImportRecord(clientId(1001), null, null, null, null));
        at.put(1002, record(clientId(1002), "short"));
        at.put(1999, record(clientId(0), key(0)));            // the very first record, at the very end
        at.forEach((i, r) -> {
            if (i < n) {
                input.set(i, r);
            }
        });
        return input;
    }

    /** The outcome of each record when imported one by one in order, and who ends up with which key. */
    private record Expected(List<String> outcomes, Map<String, String> owners, List<ImportResult.Problem> conflicts,
                           List<Integer> rejected) {

        /** Counts; conflicts by position, client and which rule; rejections by position. */
        void assertMatches(ImportResult r) {
            assertEquals(outcomes.size(), r.read());
            assertEquals(outcomes.stream().filter("IMPORTED"::equals).count(), r.imported());
            assertEquals(outcomes.stream().filter("SKIPPED"::equals).count(), r.skipped());
            assertEquals(conflicts, r.conflicts().stream().map(c -> new ImportResult.Problem(c.index(), c.clientId(),
                    c.reason().contains(CLIENT_TAKEN) ? CLIENT_TAKEN : c.reason().contains(KEY_TAKEN) ? KEY_TAKEN
                            : c.reason())).toList());
            assertEquals(rejected, r.rejected().stream().map(ImportResult.Problem::index).toList());
        }
    }

    /**
     * The rules, one record at a time: rejected if unreadable; skipped if the client holds this key;
     * a conflict if the client holds another, or the key is another client's; else imported.
     */
    private static Expected oneByOne(List<ImportRecord> input, Map<String, String> existing) {
        Map<String, String> owners = new HashMap<>(existing);
        Map<String, String> keyOwner = new HashMap<>();
        existing.forEach((c, k) -> keyOwner.put(k, c));
        List<String> outcomes = new ArrayList<>();
        List<ImportResult.Problem> conflicts = new ArrayList<>();
        List<Integer> rejected = new ArrayList<>();
        for (int i = 0; i < input.size(); i++) {
            ImportRecord r = input.get(i);
            String key = r.key() != null ? r.key() : r.sha256() != null ? SHA_TO_KEY.get(r.sha256()) : null;
            if (!r.clientId().matches("[A-Za-z0-9_.-]+") || key == null || key.length() < 16) {
                outcomes.add("REJECTED");
                rejected.add(i);
            } else if (owners.containsKey(r.clientId())) {
                boolean holds = owners.get(r.clientId()).equals(key);
                outcomes.add(holds ? "SKIPPED" : "CONFLICT");
                if (!holds) {
                    conflicts.add(new ImportResult.Problem(i, r.clientId(), CLIENT_TAKEN));
                }
            } else if (keyOwner.containsKey(key)) {
                outcomes.add("CONFLICT");
                conflicts.add(new ImportResult.Problem(i, r.clientId(), KEY_TAKEN));
            } else {
                outcomes.add("IMPORTED");
                owners.put(r.clientId(), key);
                keyOwner.put(key, r.clientId());
            }
        }
        return new Expected(outcomes, owners, conflicts, rejected);
    }

    // ---- helpers ----------------------------------------------------------------------------------

    private static final Map<String, String> SHA_TO_KEY = new java.util.concurrent.ConcurrentHashMap<>();

    private static String clientId(int i) {
        return String.format("DEV%05d", i);
    }

    private static String key(int i) {
        return String.format("legacy-key-%06d-abcdefgh", i);
    }

    private static ImportRecord record(String clientId, String key) {
        return new ImportRecord(clientId, key, null, null, null);
    }

    private static ImportRecord recordSha(String clientId, String key) {
        String sha = BackfillIT.sha256(key);
        SHA_TO_KEY.put(sha, key);
        return new ImportRecord(clientId, null, sha, null, null);
    }

    private ClientChange create(String clientId, String key, Instant now) {
        TokenKey k = dev.gracekeys.core.token.PepperRing.fixed(Fixture.PEPPER).forNewTokens()
                .keyOf(key, dev.gracekeys.core.token.TokenFormat.Kind.LEGACY);
        return RotationRules.create(clientId, null, new TokenRef(k, "legacy_test", now, null));
    }

    private static void assertAscending(ImportResult r) {
        for (List<ImportResult.Problem> problems : List.of(r.conflicts(), r.rejected())) {
            for (int i = 1; i < problems.size(); i++) {
                assertTrue(problems.get(i - 1).index() < problems.get(i).index(), "problems in input order");
            }
        }
    }

    /** One-record results summed, as one result: exact counts, the first problems listed. */
    private static ImportResult sum(List<ImportResult> parts) {
        int read = 0;
        int imported = 0;
        int skipped = 0;
        List<ImportResult.Problem> conflicts = new ArrayList<>();
        List<ImportResult.Problem> rejected = new ArrayList<>();
        for (int i = 0; i < parts.size(); i++) {
            ImportResult p = parts.get(i);
            read += p.read();
            imported += p.imported();
            skipped += p.skipped();
            int index = i;
            Function<ImportResult.Problem, ImportResult.Problem> at = q -> new ImportResult.Problem(index, q.clientId(), q.reason());
            p.conflicts().stream().map(at).forEach(conflicts::add);
            p.rejected().stream().map(at).forEach(rejected::add);
        }
        return new ImportResult(false, read, imported, skipped, first(conflicts), first(rejected), conflicts.size(),
                rejected.size(), null);
    }

    private static List<ImportResult.Problem> first(List<ImportResult.Problem> problems) {
        return problems.subList(0, Math.min(problems.size(), ImportResult.MAX_LISTED));
    }

    /** A client of the table's DynamoDB Local through the real SDK, with this interceptor. */
    private static DynamoDbClient dynamoWith(TestTable table, ExecutionInterceptor interceptor) {
        return DynamoDbLocal.client(table.endpoint(), interceptor);
    }

    private static Set<String> clientIds(TestTable table) {
        Set<String> ids = new java.util.TreeSet<>();
        for (Map<String, AttributeValue> item : table.snapshot()) {
            if (item.get("pk").s().startsWith("CLIENT#")) {
                ids.add(item.get("clientId").s());
            }
        }
        return ids;
    }

    /** Fails, before it is sent, every transaction that writes an item of this client (until off). */
    private static final class FailingClient implements ExecutionInterceptor {
        private final String clientId;
        private volatile boolean on = true;

        FailingClient(String clientId) {
            this.clientId = clientId;
        }

        void off() {
            on = false;
        }

        @Override
        public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
            if (on && context.request() instanceof TransactWriteItemsRequest r && r.transactItems().stream()
                    .anyMatch(i -> i.put() != null && clientId.equals(attr(i.put().item(), "clientId")))) {
                throw SdkClientException.create("injected: DynamoDB unreachable");
            }
        }

        private static String attr(Map<String, AttributeValue> item, String name) {
            AttributeValue v = item.get(name);
            return v == null ? null : v.s();
        }
    }
}
