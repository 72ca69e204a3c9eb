package dev.gracekeys.bench;

import dev.gracekeys.bench.RequestsPerVerify.Kind;
import dev.gracekeys.core.GraceKeys;
import dev.gracekeys.core.GraceKeysConfig;
import dev.gracekeys.core.events.EventPublisher;
import dev.gracekeys.core.ops.ImportRecord;
import dev.gracekeys.store.dynamodb.DynamoDbGraceKeys;
import dev.gracekeys.store.dynamodb.TableSchema;
import dev.gracekeys.core.token.Pepper;
import dev.gracekeys.core.verify.Verdict;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ScanResponse;
import software.amazon.awssdk.services.dynamodb.model.Select;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Each harness's measuring core at a tiny size against DynamoDB Local, checking that what it counts
 * is right, so a broken counter cannot produce a fine-looking figure. Measures nothing: speed is
 * never asserted.
 */
class HarnessesIT {

    /** {@code metric: value unit}, value and unit one token each (the bench script splits on spaces). */
    private static final Pattern FIGURE = Pattern.compile("[A-Za-z0-9_.-]+: [^ ]+ [^ ]+");

    private static LocalDynamo ddb;

    @BeforeAll
    static void start() {
        ddb = LocalDynamo.start();
    }

    @AfterAll
    static void stop() {
        ddb.close();
    }

    @Test
    void requestsPerVerify_malformedCostsNothing_wellFormedIsExactlyOneRead_lastUseThrottled() throws Exception {
        RequestsPerVerify.Result r = RequestsPerVerify.measure(ddb, 300, 20, Duration.ofMinutes(40));

        for (Kind k : Kind.values()) {
            assertTrue(r.tally(k).verifies > 0, "the mix has " + k + " tokens");
        }
        assertEquals(0, r.tally(Kind.MALFORMED).requests, "a malformed token is denied with no request");
        for (Kind k : List.of(Kind.UNKNOWN, Kind.CURRENT, Kind.PREVIOUS)) {
            RequestsPerVerify.Tally t = r.tally(k);
            assertEquals(1, t.minReads, k + ": one read per verify");
            assertEquals(1, t.maxReads, k + ": one read per verify");
            assertEquals(t.verifies, t.reads, k + ": one read per verify");
        }
        assertEquals(r.tally(Kind.CURRENT).verifies + r.tally(Kind.PREVIOUS).verifies + r.tally(Kind.UNKNOWN).verifies,
                r.byOperation().get("GetItem"), "each read the counter saw is a GetItem: " + r.byOperation());
        assertEquals(0, r.unexpectedVerdicts(), "current and previous allowed, the rest denied");
        assertTrue(r.lastUseWrites() > 0, "last use is recorded, and the counter sees it");
        assertEquals(r.lastUseWrites(), r.byOperation().get("UpdateItem"));
        assertEquals(1, r.maxWritesPerWindow(), "at most one last-use write per token per 5 minutes");
        assertTrue(r.simulated().compareTo(Duration.ofMinutes(39)) >= 0);
        assertFigures(r.figures());
    }

    @Test
    void writesPerWindow_countsWritesOfOneTokenWithinAnyFiveMinutes() {
        Instant t = Instant.parse("2030-01-01T00:00:00Z");
        var w = (java.util.function.BiFunction<String, Long, RequestsPerVerify.Write>)
                (k, s) -> new RequestsPerVerify.Write(k, t.plusSeconds(s));
        assertEquals(1, RequestsPerVerify.maxPerWindow(List.of(w.apply("a", 0L), w.apply("a", 300L), w.apply("b", 1L))));
        assertEquals(2, RequestsPerVerify.maxPerWindow(List.of(w.apply("a", 0L), w.apply("a", 299L))));
        assertEquals(3, RequestsPerVerify.maxPerWindow(List.of(w.apply("a", 0L), w.apply("a", 400L),
                w.apply("a", 500L), w.apply("a", 690L))));
        assertEquals(0, RequestsPerVerify.maxPerWindow(List.of()));
    }

    @Test
    void verifyThroughput_bothSidesDoRealWork_handlerReadsOnceAndAllows() throws Exception {
        VerifyThroughput.Result r = VerifyThroughput.measure(ddb, 10, 4, Duration.ofMillis(200), Duration.ofMillis(200),
                Duration.ofMillis(500), 1);

        assertEquals(20, r.tokens());
        assertTrue(r.rawOps() > 0 && r.authorizerOps() > 0, r.toString());
        assertEquals(0, r.authorizerDenied(), "every token is current or live previous");
        assertEquals(0, r.rawMisses(), "the raw GetItems read the items the verifies read");
        assertEquals(1.0, r.readsPerCall(), 1e-9, "one GetItem per handler call");
        assertEquals(0, r.lastUseWrites(), "the priming pass paid every last-use write");
        assertFigures(r.figures());
    }

    @Test
    void sweepCost_expiresEveryExpiredToken_andCountsTheItemsItRead() throws Exception {
        SweepCost.Result r = SweepCost.measure(ddb, 200, 5, 10, 4);

        assertEquals(5, r.expired(), "the sweep expired exactly the expired tokens");
        assertEquals(0, r.expiringSoon(), "tokens live for 30 days are not expiring soon");
        assertTrue(r.itemsRead() >= r.expired(), "each expired token is read at least once: " + r.itemsRead());
        assertTrue(r.byOperation().getOrDefault("Query", 0L) >= TableSchema.EXPIRY_SHARDS, r.byOperation().toString());
        assertEquals(r.expired(), r.byOperation().getOrDefault("TransactWriteItems", 0L), "one change per expired client");
        assertEquals(r.requests(), r.byOperation().values().stream().mapToLong(Long::longValue).sum());
        assertEquals(200, clientItems(r.table()), "the table holds every seeded client");
        assertFigures(r.figures());
    }

    @Test
    void clonedClients_areLikeImportedOnes_andVerifyWithTheirOwnKeys() throws Exception {
        String table = ddb.newTable("clones");
        Pepper pepper = Pepper.fromBase64(LocalDynamo.newPepper());
        GraceKeys core = DynamoDbGraceKeys.builder(GraceKeysConfig.defaults(table).withLegacyKeyPattern(LegacyKeys.PATTERN), ddb.client()).pepper(pepper).events(EventPublisher.NONE).clock(Clock.systemUTC()).build();
        ClonedClients.seed(core, ddb.client(), table, pepper, "CLONE", 30, 3, "test clones");

        assertEquals(30, clientItems(table));
        ImportRecord template = ClonedClients.record("CLONE", 0);
        ImportRecord clone = ClonedClients.record("CLONE", 17);
        Verdict verdict = core.verifier().verify(clone.key());
        assertTrue(verdict.allowed(), verdict.toString());
        assertEquals(clone.clientId(), verdict.clientId());
        assertEquals(clone.clientId(), core.tokens().describe(clone.clientId()).clientId());
        assertEquals(core.tokens().describe(template.clientId()).current().tokenId().length(),
                core.tokens().describe(clone.clientId()).current().tokenId().length());
        assertNotEquals(core.tokens().describe(template.clientId()).current().tokenId(),
                core.tokens().describe(clone.clientId()).current().tokenId());
        assertEquals(1, core.importer().importAll(List.of(clone), false).skipped(),
                "re-importing a clone's own key skips it, as for an imported client");
    }

    @Test
    void backfillSpeed_importsEveryRecordBothWays() throws Exception {
        BackfillSpeed.Result r = BackfillSpeed.measure(ddb, 200, 20, 0);

        assertEquals(200, r.bulk().imported(), r.bulk().toString());
        assertEquals(20, r.sequentialImported());
        // A transaction carries at most 100 items (50 clients): 200 records take at least 4 requests.
        assertTrue(r.requests() >= 200 / 50, "the import wrote through the counted client: " + r.requests());
        assertEquals(200, clientItems(r.table()), "the table holds a client item per record");
        assertFigures(r.figures());
    }

    private static long clientItems(String table) {
        DynamoDbClient client = ddb.client();
        long n = 0;
        Map<String, AttributeValue> start = null;
        do {
            Map<String, AttributeValue> from = start;
            ScanResponse page = client.scan(s -> s.tableName(table).select(Select.COUNT).consistentRead(true)
                    .filterExpression("begins_with(#pk, :client)")
                    .expressionAttributeNames(Map.of("#pk", TableSchema.PK))
                    .expressionAttributeValues(Map.of(":client", AttributeValue.fromS(TableSchema.CLIENT_PREFIX)))
                    .exclusiveStartKey(from));
            n += page.count();
            start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
        } while (start != null);
        return n;
    }

    private static void assertFigures(List<String> lines) {
        assertFalse(lines.isEmpty());
        for (String line : lines) {
            assertTrue(FIGURE.matcher(line).matches(), "not a 'metric: value unit' line: " + line);
            assertFalse(line.contains("gk_"), "no token in a figure");
        }
    }
}
