package dev.gracekeys.functions.backfill;

import dev.gracekeys.core.StoreUnavailableException;
import dev.gracekeys.core.ops.ImportRecord;
import dev.gracekeys.core.ops.ImportResult;
import dev.gracekeys.core.ops.LegacyImporter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Iterator;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * Feeds an import ({@link LegacyImporter.Session}: chunks of records, several transactions in
 * flight) from the input in order, logs progress every N records (counts only, never a key), and
 * stops taking new records once the time left is under the margin, so the Lambda returns a cursor
 * instead of being killed mid-way. The time left is checked before each record; the records taken
 * are all done before the function answers, so everything before the cursor is done and nothing
 * after it. The import is idempotent, so resuming from the cursor (or re-running everything) gives
 * the same table.
 */
final class BackfillJob {

    private static final Logger LOG = LoggerFactory.getLogger(BackfillJob.class);

    /** One input position: a record, or the reason it could not be read. */
    record Item(int index, ImportRecord record, String unreadable) {
    }

    record Outcome(ImportResult result, Integer nextCursor) {
    }

    private final LegacyImporter importer;
    private final int concurrency;
    private final int progressEvery;
    private final long marginMillis;

    /** @param concurrency transactions (of up to {@value LegacyImporter#CHUNK} records) in flight */
    BackfillJob(LegacyImporter importer, int concurrency, int progressEvery, long marginMillis) {
        this.importer = importer;
        this.concurrency = concurrency;
        this.progressEvery = progressEvery;
        this.marginMillis = marginMillis;
    }

    /**
     * @param items         the input from the cursor on
     * @param remainingMillis time left in this invocation
     */
    Outcome run(ItemSource items, boolean dryRun, LongSupplier remainingMillis) {
        boolean paused = false;
        long started = System.nanoTime();
        try (LegacyImporter.Session session = importer.start(dryRun, concurrency)) {
            int logged = 0;
            while (items.hasNext() && session.failure().isEmpty()) {
                if (remainingMillis.getAsLong() < marginMillis) {
                    paused = true;
                    break;
                }
                Item item = items.next();
                if (item.record() == null) {
                    session.reject(item.index(), item.unreadable());
                } else {
                    session.add(item.index(), item.record());
                }
                int read = session.read();
                if (read / progressEvery > logged) {
                    logged = read / progressEvery;
                    progress(session, started);
                }
            }
            session.finish();
            Optional<LegacyImporter.Failure> failure = session.failure();
            if (failure.isPresent()) {
                LegacyImporter.Failure f = failure.get();
                throw new StoreUnavailableException("backfill stopped at record " + f.index() + ": "
                        + f.error().getMessage() + " Everything before it is imported; run backfill again with"
                        + " \"cursor\":\"" + f.index() + "\" (re-importing is safe: records already imported are skipped)",
                        null);
            }
            progress(session, started);
            if (paused) {
                int next = items.nextIndex();
                LOG.info("backfill paused before the Lambda deadline at record {}; resume with \"cursor\":\"{}\"",
                        next, next);
                return new Outcome(session.result(), next);
            }
            return new Outcome(importer.complete(session), null);
        }
    }

    /** The input: records in order, each knowing its position, and the position of the next one. */
    interface ItemSource extends Iterator<Item> {
        int nextIndex();
    }

    private static void progress(LegacyImporter.Session session, long startedNanos) {
        ImportResult r = session.result();
        long seconds = Math.max(1, (System.nanoTime() - startedNanos) / 1_000_000_000L);
        LOG.info("backfill progress: {} read, {} imported, {} skipped, {} conflicts, {} rejected ({}/s){}",
                r.read(), r.imported(), r.skipped(), r.conflicts().size(), r.rejected().size(), r.read() / seconds,
                r.dryRun() ? " [dry run]" : "");
    }
}
