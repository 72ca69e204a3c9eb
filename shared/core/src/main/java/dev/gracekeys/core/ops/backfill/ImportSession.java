package dev.gracekeys.core.ops.backfill;

import dev.gracekeys.core.GraceKeysException;
import dev.gracekeys.core.StoreUnavailableException;
import dev.gracekeys.core.ValidationException;
import dev.gracekeys.core.metrics.Metric;
import dev.gracekeys.core.metrics.Metrics;
import dev.gracekeys.core.ops.ImportRecord;
import dev.gracekeys.core.ops.ImportResult;
import dev.gracekeys.core.store.ClientStore;
import dev.gracekeys.core.token.TokenKey;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One import in progress. Feed it records in input order from one thread ({@link #add},
 * {@link #reject}); it imports them on its own threads, at most {@code concurrency} chunks of
 * {@link #CHUNK} records at once ({@link #add} waits for a free slot). {@link #finish} waits until
 * every record fed is done. A record whose client or key appeared earlier in the input and is
 * still in flight waits for that record and is then written on its own, so every outcome is the
 * one a one-by-one import in input order would give, however the chunks interleave.
 *
 * <p>After a failure, stop feeding it: every record before {@link ImportResult.Stop#index()} is
 * done, and the records after it that were done are exactly ones an import resumed from that index
 * will find done (a record depending on a failed one is never imported). Its {@link #result()}
 * covers the records before the failure only, so the results of a stopped run and of the run
 * resumed from its stop add up to those of one clean run.
 *
 * <p>A dry run is the same code writing to a {@link DryRunStore}: the real store read through, an
 * in-memory overlay written.
 */
public final class ImportSession implements AutoCloseable {

    /**
     * Records per write: a new client is two items (client and token), and one write takes at most
     * {@link ClientStore#MAX_ITEMS_PER_APPLY}.
     */
    public static final int CHUNK = ClientStore.MAX_ITEMS_PER_APPLY / 2;

    private final boolean dryRun;
    private final RecordParser parser;
    private final ChunkWriter writer;
    private final ChunkScheduler scheduler;
    private final OutcomeCounts counts;
    private final Metrics metrics;
    /** The latest record of each client and key not yet done (or failed): what a record must wait for. */
    private final ConcurrentHashMap<String, CompletableFuture<Void>> openClients = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<TokenKey, CompletableFuture<Void>> openKeys = new ConcurrentHashMap<>();
    private final AtomicReference<ImportResult.Stop> failure = new AtomicReference<>();
    private long fed; // the feeding thread's only: records taken so far, the next one's sequence
    private List<Pending> chunk = new ArrayList<>();

    /**
     * @param store  the store a real run writes to; a dry run reads it and writes nothing to it
     * @param parser how records are validated and hashed
     */
    public ImportSession(ClientStore store, RecordParser parser, ImportSettings settings) {
        this(store, parser, settings, Metrics.NONE);
    }

    /** As above; when closed, a real run (not a dry run) counts its records by outcome in {@code metrics}. */
    public ImportSession(ClientStore store, RecordParser parser, ImportSettings settings, Metrics metrics) {
        this.metrics = java.util.Objects.requireNonNull(metrics, "metrics");
        this.dryRun = settings.dryRun();
        this.parser = parser;
        this.writer = new ChunkWriter(dryRun ? new DryRunStore(store) : store, new Pending.Settlement() {
            @Override
            public void settle(Pending p, RecordResult result) {
                ImportSession.this.settle(p, result);
            }

            @Override
            public void fail(Pending p, RuntimeException e) {
                ImportSession.this.fail(p, e);
            }
        });
        this.scheduler = new ChunkScheduler(settings.concurrency());
        this.counts = new OutcomeCounts(dryRun);
    }

    /**
     * Takes the next record. An invalid one is counted as rejected; one that cannot be hashed (the
     * pepper unavailable, say) stops the run there ({@link #failure()}).
     *
     * @param index the record's position in the whole input (reported with problems)
     */
    public void add(int index, ImportRecord record) {
        long seq = fed++;
        ParsedRecord parsed;
        try {
            parsed = parser.parse(record);
        } catch (ValidationException e) {
            counts.add(seq, index, OutcomeRules.rejected(
                    record == null ? null : parser.shownOrNull(record.clientId()), e.getMessage()));
            return;
        } catch (RuntimeException e) { // the pepper unavailable, say: the run stops here
            failed(index, e, null);
            return;
        }
        Pending pending = new Pending(seq, index, parsed, new CompletableFuture<>());
        List<CompletableFuture<Void>> before = new ArrayList<>(1 + parsed.keys().size());
        waitFor(openClients.put(parsed.clientId(), pending.done()), before);
        for (TokenKey key : parsed.keys()) { // under every pepper: one key, whichever pepper it is stored under
            waitFor(openKeys.put(key, pending.done()), before);
        }
        if (before.isEmpty()) {
            chunk.add(pending);
            if (chunk.size() == CHUNK) {
                flush();
            }
            return;
        }
        // The same client or key as an earlier record still in progress: after it, on its own.
        flush(); // that record may sit in the chunk being filled
        scheduler.launch(() -> CompletableFuture.allOf(before.toArray(CompletableFuture[]::new))
                .whenCompleteAsync((ignored, earlier) -> {
                    try {
                        if (earlier != null) {
                            fail(pending, new StoreUnavailableException("record " + pending.index()
                                    + " was not imported: an earlier record of the same client or key failed", null));
                        } else {
                            writer.writeAlone(pending);
                        }
                    } finally {
                        scheduler.done();
                    }
                }, scheduler.executor()));
    }

    /** Counts a record that could not even be read (a line that is not JSON, say) as rejected. */
    public void reject(int index, String reason) {
        counts.add(fed++, index, OutcomeRules.rejected(null, reason));
    }

    /**
     * Stops the import at {@code index} for a reason outside the records (its input broke off,
     * say): every record taken so far comes before it. Reported as the import's stop unless a
     * record before it failed. Take no more records.
     */
    public void stop(int index, GraceKeysException reason) {
        failed(index, reason, null);
    }

    /** Sends off what is pending and waits until every record taken is done or failed. */
    public void finish() {
        flush();
        scheduler.awaitIdle();
    }

    /** The first failed record in input order (or the {@link #stop}), if any so far. */
    public Optional<ImportResult.Stop> failure() {
        return Optional.ofNullable(failure.get());
    }

    /** Records counted so far, in input order without a gap (done, or rejected unread). */
    public int read() {
        return counts.read();
    }

    /**
     * The outcomes so far of the records before the first one not done yet; after
     * {@link #finish()}, of every record, or of every record before the failure (then its
     * {@link ImportResult#stop()}).
     */
    public ImportResult result() {
        return counts.result(failure.get());
    }

    /** Whether this is a dry run (nothing written). */
    public boolean dryRun() {
        return dryRun;
    }

    /** Waits for the records in flight, then stops the threads. */
    @Override
    public void close() {
        try {
            flush();
        } finally {
            scheduler.close();
            if (!dryRun) {
                counted(result());
            }
        }
    }

    /** This session's records by outcome (each invocation of a resumed backfill counts its own). */
    private void counted(ImportResult r) {
        count("Imported", r.imported());
        count("Skipped", r.skipped());
        count("Conflict", r.conflictCount());
        count("Rejected", r.rejectedCount());
    }

    private void count(String outcome, int n) {
        if (n > 0) {
            metrics.record(Metric.BACKFILL_RECORDS, outcome, n, Map.of());
        }
    }

    private void settle(Pending p, RecordResult result) {
        counts.add(p.seq(), p.index(), result);
        p.done().complete(null);
        openClients.remove(p.parsed().clientId(), p.done());
        for (TokenKey key : p.parsed().keys()) {
            openKeys.remove(key, p.done());
        }
    }

    private void fail(Pending p, RuntimeException e) {
        failed(p.index(), e, p.parsed());
        p.done().completeExceptionally(e); // stays in openClients/openKeys: see waitFor
    }

    private void waitFor(CompletableFuture<Void> earlier, List<CompletableFuture<Void>> before) {
        // A failed record stays failed for good: whatever follows on its client or key waits
        // for it, so it fails too, and is never imported over what that record left behind.
        if (earlier != null && (!earlier.isDone() || earlier.isCompletedExceptionally()) && !before.contains(earlier)) {
            before.add(earlier);
        }
    }

    private void flush() {
        if (chunk.isEmpty()) {
            return;
        }
        List<Pending> sending = chunk;
        chunk = new ArrayList<>();
        scheduler.run(() -> {
            try {
                writer.writeChunk(sending);
            } catch (RuntimeException e) {
                for (Pending p : sending) {
                    if (!p.done().isDone()) {
                        fail(p, e);
                    }
                }
            }
        });
    }

    /**
     * Records a failure; the earliest in input order is the run's. Only its name and message are
     * kept (not the exception, whose cause may quote request values), and a clientId that looks
     * like a key is taken out of the message (the store's messages name the client).
     */
    private void failed(int index, RuntimeException e, ParsedRecord parsed) {
        ImportResult.Stop stop;
        if (e instanceof GraceKeysException g) {
            String message = g.getMessage();
            if (parsed != null && parsed.shownId() == null) {
                message = message.replace(parsed.clientId(), OutcomeRules.UNQUOTED_CLIENT);
            }
            stop = new ImportResult.Stop(index, g.getClass().getSimpleName(), message, g.retryable());
        } else {
            stop = new ImportResult.Stop(index, StoreUnavailableException.class.getSimpleName(),
                    "record " + index + " failed unexpectedly (" + e.getClass().getSimpleName() + ")", true);
        }
        failure.accumulateAndGet(stop, (a, b) -> a == null || b.index() < a.index() ? b : a);
    }
}
