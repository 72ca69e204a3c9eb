package dev.gracekeys.bench;

import dev.gracekeys.core.GraceKeys;
import dev.gracekeys.core.GraceKeysConfig;
import dev.gracekeys.core.events.EventPublisher;
import dev.gracekeys.core.ops.ImportRecord;
import dev.gracekeys.core.ops.ImportResult;
import dev.gracekeys.core.ops.LegacyImporter;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import dev.gracekeys.store.dynamodb.DynamoDbGraceKeys;
import dev.gracekeys.core.token.Pepper;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Backfill speed: legacy keys imported into DynamoDB Local through the real core's
 * {@code LegacyImporter.importAll(records, false)}, as one call, timed; against the same importer
 * fed one record per call, one call after the other, on a sample (into a table of its own), in the
 * same run. Whatever the importer does inside (one by one, in parallel, in batches) is what is
 * measured. Events are dropped. A {@link DynamoCounter} on the client counts requests (and, for the
 * progress lines on stderr, client items written).
 *
 * <p>In the same run, DynamoDB Local's own ceiling ({@link BackfillCeiling}): the items the import
 * wrote, written again into an empty table by unconditional {@code BatchWriteItem}s; the importer's
 * rate is reported as a ratio of it.
 *
 * <p>A short warm-up (both ways, and the ceiling's writes, into tables of their own) comes first,
 * so no measurement pays for the JIT alone.
 *
 * <p>Usage: {@code BackfillSpeed [--records N] [--sequential-sample N]}
 */
public final class BackfillSpeed {

    static final String USAGE = """
            usage: BackfillSpeed [--records N (default 100000)] [--sequential-sample N (default 2000)]

            Imports N legacy keys into an in-process DynamoDB Local through the real LegacyImporter
            (one importAll call), and a sample one record per importAll call, one after the other,
            into another table; prints both rates and the speed-up. Then writes the items the import
            wrote again, into an empty table, by unconditional BatchWriteItem (DynamoDB Local's
            ceiling), and prints the importer's rate as a ratio of it. Figures only on stdout;
            progress on stderr.""";

    static final int WARMUP_RECORDS = 300;

    /**
     * @param bulk       the result of the one big import
     * @param sequential the summed results of the one-by-one imports
     */
    public record Result(String table, int records, ImportResult bulk, double seconds, long requests,
                         int sequentialRecords, int sequentialImported, double sequentialSeconds,
                         double ceilingSeconds) {

        double ceilingRate() {
            return records / ceilingSeconds;
        }

        double rate() {
            return records / seconds;
        }

        double sequentialRate() {
            return sequentialRecords / sequentialSeconds;
        }

        List<String> figures() {
            return List.of(
                    Cli.figure("backfill.records", records, "records"),
                    Cli.figure("backfill.imported", bulk.imported(), "records"),
                    Cli.figure("backfill.seconds", Cli.fixed(seconds, 1), "s"),
                    Cli.figure("backfill.rate", Math.round(rate()), "records/s"),
                    Cli.figure("backfill.requests_per_record", Cli.fixed((double) requests / records, 2), "requests"),
                    Cli.figure("backfill.sequential.records", sequentialRecords, "records"),
                    Cli.figure("backfill.sequential.imported", sequentialImported, "records"),
                    Cli.figure("backfill.sequential.rate", Math.round(sequentialRate()), "records/s"),
                    Cli.figure("backfill.speedup", Cli.fixed(rate() / sequentialRate(), 1), "x"),
                    Cli.figure("backfill.ceiling_records_per_s", Math.round(ceilingRate()), "records/s"),
                    Cli.figure("backfill.ratio_to_ceiling", Cli.fixed(rate() / ceilingRate(), 2), "x"));
        }
    }

    private BackfillSpeed() {
    }

    public static void main(String[] args) {
        Cli.main(args, USAGE, Map.of("records", "100000", "sequential-sample", "2000"), o -> {
            try (LocalDynamo ddb = LocalDynamo.start()) {
                return measure(ddb, o.integer("records"), o.integer("sequential-sample"), WARMUP_RECORDS).figures();
            }
        });
    }

    /** @param warmup records imported (both ways) before measuring, into a table of their own */
    public static Result measure(LocalDynamo ddb, int records, int sequentialSample, int warmup) throws Exception {
        String pepper = LocalDynamo.newPepper();

        if (warmup > 0) {
            String warmTable = ddb.newTable("backfill-warmup");
            GraceKeys warm = core(ddb, warmTable, pepper, new DynamoCounter());
            warm.importer().importAll(LegacyKeys.records("WARM", 0, warmup, 1), false);
            for (ImportRecord r : LegacyKeys.records("WARMSEQ", 0, Math.max(1, warmup / 3), 2)) {
                warm.importer().importAll(List.of(r), false);
            }
            DynamoDbClient plain = ddb.client();
            BackfillCeiling.write(plain, ddb.newTable("backfill-warmup-ceiling"),
                    BackfillCeiling.itemsOf(plain, warmTable), LegacyImporter.DEFAULT_CONCURRENCY);
        }

        GraceKeys sequentialCore = core(ddb, ddb.newTable("backfill-sequential"), pepper, new DynamoCounter());
        List<ImportRecord> sample = LegacyKeys.records("SEQ", 0, sequentialSample, 3);
        int sequentialImported = 0;
        long start = System.nanoTime();
        for (ImportRecord r : sample) {
            sequentialImported += sequentialCore.importer().importAll(List.of(r), false).imported();
        }
        double sequentialSeconds = (System.nanoTime() - start) / 1e9;
        Cli.progress("backfill: sequential sample of %d in %.1f s (%.0f records/s)", sequentialSample,
                sequentialSeconds, sequentialSample / sequentialSeconds);

        DynamoCounter counter = new DynamoCounter();
        String table = ddb.newTable("backfill");
        GraceKeys bulkCore = core(ddb, table, pepper, counter);
        List<ImportRecord> all = new ArrayList<>(LegacyKeys.records("LEGACY", 0, records, 4));
        Thread progress = progressLine(counter, records);
        start = System.nanoTime();
        ImportResult bulk;
        try {
            bulk = bulkCore.importer().importAll(all, false);
        } finally {
            progress.interrupt();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        Cli.progress("backfill: %d read, %d imported, %d skipped, %d conflicts, %d rejected in %.1f s; requests %s",
                bulk.read(), bulk.imported(), bulk.skipped(), bulk.conflicts().size(), bulk.rejected().size(), seconds,
                counter.byOperation());

        DynamoDbClient plain = ddb.client();
        List<Map<String, AttributeValue>> items = BackfillCeiling.itemsOf(plain, table);
        double ceilingSeconds = BackfillCeiling.write(plain, ddb.newTable("backfill-ceiling"), items,
                LegacyImporter.DEFAULT_CONCURRENCY);
        Cli.progress("backfill: ceiling, %d items (%d records) by unconditional BatchWriteItem in %.1f s (%.0f records/s)",
                items.size(), records, ceilingSeconds, records / ceilingSeconds);
        return new Result(table, records, bulk, seconds, counter.total(), sequentialSample, sequentialImported,
                sequentialSeconds, ceilingSeconds);
    }

    private static GraceKeys core(LocalDynamo ddb, String table, String pepper, DynamoCounter counter) {
        return DynamoDbGraceKeys.builder(GraceKeysConfig.defaults(table).withLegacyKeyPattern(LegacyKeys.PATTERN), ddb.client(counter)).pepper(Pepper.fromBase64(pepper)).events(EventPublisher.NONE).clock(Clock.systemUTC()).build();
    }

    /** Every 5 s on stderr: client items written so far. */
    private static Thread progressLine(DynamoCounter counter, int records) {
        long started = System.nanoTime();
        Thread t = new Thread(() -> {
            try {
                while (true) {
                    Thread.sleep(5_000);
                    Cli.progress("backfill: %d/%d clients written (%.0f s)", counter.clientItemsWritten(), records,
                            (System.nanoTime() - started) / 1e9);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "backfill-progress");
        t.setDaemon(true);
        t.start();
        return t;
    }
}
