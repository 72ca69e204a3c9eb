package dev.gracekeys.functions.backfill;

import dev.gracekeys.core.GraceKeysException;
import dev.gracekeys.core.StoreUnavailableException;
import dev.gracekeys.core.ops.ImportRecord;
import dev.gracekeys.core.ops.ImportResult;
import dev.gracekeys.core.ops.LegacyImporter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Iterator;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

/**
 * Runs an import with bounded concurrency, logs progress every N records (counts only, never a
 * key), and stops taking new records once the time left is under the margin, so the Lambda returns
 * a cursor instead of being killed mid-way. Everything before the cursor is done; the import is
 * idempotent, so resuming from the cursor (or re-running everything) gives the same table.
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
        LegacyImporter.Run run = new LegacyImporter.Run(dryRun);
        ExecutorService pool = Executors.newFixedThreadPool(concurrency, r -> {
            Thread t = new Thread(r, "backfill");
            t.setDaemon(true);
            return t;
        });
        Semaphore inFlight = new Semaphore(concurrency * 2);
        AtomicInteger done = new AtomicInteger();
        AtomicReference<Failure> failure = new AtomicReference<>();
        boolean paused = false;
        long started = System.nanoTime();
        try {
            while (items.hasNext()) {
                if (failure.get() != null) {
                    break;
                }
                if (remainingMillis.getAsLong() < marginMillis) {
                    paused = true;
                    break;
                }
                Item item = items.next();
                inFlight.acquireUninterruptibly();
                pool.execute(() -> {
                    try {
                        if (item.record() == null) {
                            run.reject(item.index(), item.unreadable());
                        } else {
                            importer.importOne(item.index(), item.record(), run);
                        }
                        int n = done.incrementAndGet();
                        if (n % progressEvery == 0) {
                            progress(run, started);
                        }
                    } catch (GraceKeysException e) {
                        failure.accumulateAndGet(new Failure(item.index(), e), Failure::earliest);
                    } catch (RuntimeException e) {
                        failure.accumulateAndGet(new Failure(item.index(), new StoreUnavailableException(
                                "unexpected " + e.getClass().getSimpleName(), null)), Failure::earliest);
                    } finally {
                        inFlight.release();
                    }
                });
            }
        } finally {
            pool.shutdown();
            awaitQuietly(pool);
        }
        Failure f = failure.get();
        if (f != null) {
            throw new StoreUnavailableException("backfill stopped at record " + f.index + ": " + f.error.getMessage()
                    + " Everything before it is imported; run backfill again with \"cursor\":\"" + f.index
                    + "\" (re-importing is safe: records already imported are skipped)", null);
        }
        if (paused) {
            int next = items.nextIndex();
            LOG.info("backfill paused before the Lambda deadline at record {}; resume with \"cursor\":\"{}\"", next, next);
            progress(run, started);
            return new Outcome(run.result(), next);
        }
        progress(run, started);
        return new Outcome(importer.complete(run), null);
    }

    /** The input: records in order, each knowing its position, and the position of the next one. */
    interface ItemSource extends Iterator<Item> {
        int nextIndex();
    }

    private static void progress(LegacyImporter.Run run, long startedNanos) {
        ImportResult r = run.result();
        long seconds = Math.max(1, (System.nanoTime() - startedNanos) / 1_000_000_000L);
        LOG.info("backfill progress: {} read, {} imported, {} skipped, {} conflicts, {} rejected ({}/s){}",
                r.read(), r.imported(), r.skipped(), r.conflicts().size(), r.rejected().size(), r.read() / seconds,
                r.dryRun() ? " [dry run]" : "");
    }

    private static void awaitQuietly(ExecutorService pool) {
        try {
            if (!pool.awaitTermination(15, TimeUnit.MINUTES)) {
                pool.shutdownNow();
            }
        } catch (InterruptedException e) {
            pool.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    private record Failure(int index, GraceKeysException error) {
        static Failure earliest(Failure a, Failure b) {
            return a == null ? b : (b.index < a.index ? b : a);
        }
    }
}
