package dev.gracekeys.functions.backfill;

import dev.gracekeys.core.StoreUnavailableException;
import dev.gracekeys.core.ops.ImportRecord;
import dev.gracekeys.core.ops.ImportResult;
import dev.gracekeys.core.ops.LegacyImporter;
import dev.gracekeys.core.ops.backfill.ImportSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.function.LongSupplier;

/**
 * Feeds an import ({@link ImportSession}: chunks of records, several transactions in
 * flight) from the input in order, logs progress every N records (counts only, never a key), and
 * stops taking new records once the time left is under the margin, so the Lambda returns a cursor
 * instead of being killed mid-way. The time left is checked before each record; the records taken
 * are all done before the function answers, so everything before the cursor is done and nothing
 * after it. The import is idempotent, so resuming from the cursor (or re-running everything) gives
 * the same table.
 *
 * <p>A failure stops the run the same way: at the first record that could not be imported (or the
 * line of the input that could not be read), which becomes the cursor. The outcome then carries the
 * counts and problems of the records before it and the failure ({@link ImportResult#stop()}), and
 * the counts are logged, so nothing found so far is lost.
 */
final class BackfillJob {

    private static final Logger LOG = LoggerFactory.getLogger(BackfillJob.class);

    /** One input position: a record, or the reason it could not be read. */
    record Item(int index, ImportRecord record, String unreadable) {
    }

    /**
     * @param result     what was done, for the records before {@code nextCursor} (all, when null)
     * @param nextCursor where to resume (the deadline came, or {@code result.stop()} says what
     *                   failed there), or {@code null} when the input is done
     */
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
        try (ImportSession session = importer.start(dryRun, concurrency)) {
            int logged = 0;
            while (session.failure().isEmpty()) {
                Item item;
                try {
                    if (!items.hasNext()) {
                        break;
                    }
                    if (remainingMillis.getAsLong() < marginMillis) {
                        paused = true;
                        break;
                    }
                    item = items.next();
                } catch (UncheckedIOException e) { // the input broke off: a stop like a failed record
                    int at = items.nextIndex();
                    session.stop(at, new StoreUnavailableException("reading the input broke off at record " + at
                            + " (" + e.getCause().getClass().getSimpleName() + "); run backfill again from there", null));
                    break;
                }
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
            progress(session, started);
            ImportResult result = session.result();
            if (result.stop() != null) {
                ImportResult.Stop stop = result.stop();
                // Counts and the error's name only: its message is in the answer.
                LOG.warn("backfill stopped at record {} ({}): {} read, {} imported, {} skipped, {} conflicts, {} rejected"
                                + " before it{}; resume with \"cursor\":\"{}\"", stop.index(), stop.errorType(), result.read(),
                        result.imported(), result.skipped(), result.conflictCount(), result.rejectedCount(),
                        result.dryRun() ? " [dry run]" : "", stop.index());
                return new Outcome(result, stop.index());
            }
            if (paused) {
                int next = items.nextIndex();
                LOG.info("backfill paused before the Lambda deadline at record {}; resume with \"cursor\":\"{}\"",
                        next, next);
                return new Outcome(result, next);
            }
            return new Outcome(importer.complete(session), null);
        }
    }

    /**
     * The input: records in order, each knowing its position, and the position of the next one.
     * {@link #hasNext()} and {@link #next()} throw {@link UncheckedIOException} when the input
     * cannot be read on; {@link #nextIndex()} is then the position that could not be read.
     */
    interface ItemSource extends Iterator<Item> {
        int nextIndex();
    }

    private static void progress(ImportSession session, long startedNanos) {
        ImportResult r = session.result();
        long seconds = Math.max(1, (System.nanoTime() - startedNanos) / 1_000_000_000L);
        LOG.info("backfill progress: {} read, {} imported, {} skipped, {} conflicts, {} rejected ({}/s){}",
                r.read(), r.imported(), r.skipped(), r.conflictCount(), r.rejectedCount(), r.read() / seconds,
                r.dryRun() ? " [dry run]" : "");
    }
}
