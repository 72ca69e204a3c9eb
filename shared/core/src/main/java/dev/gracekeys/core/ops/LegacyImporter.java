package dev.gracekeys.core.ops;

import dev.gracekeys.core.GraceKeysException;
import dev.gracekeys.core.events.DomainEvent;
import dev.gracekeys.core.events.EventPublisher;
import dev.gracekeys.core.metrics.Metrics;
import dev.gracekeys.core.model.Times;
import dev.gracekeys.core.ops.backfill.ImportSession;
import dev.gracekeys.core.ops.backfill.ImportSettings;
import dev.gracekeys.core.ops.backfill.RecordParser;
import dev.gracekeys.core.store.ClientStore;
import dev.gracekeys.core.token.PepperRing;
import dev.gracekeys.core.token.TokenFormat;

import java.time.Clock;
import java.time.Instant;
import java.util.List;

/**
 * Backfill: imports legacy keys as the current token of new clients. The work is split by job in
 * {@link dev.gracekeys.core.ops.backfill}: {@link RecordParser} validates and hashes a record,
 * {@code OutcomeRules} say which record imports, is skipped or is a conflict and why,
 * {@code ChunkWriter} writes chunks of records and {@link ImportSession} schedules them.
 *
 * <p>Idempotent: a record whose client already holds that very key is skipped, so a re-run (after
 * an interruption, say) gives the same table. Never overwrites: a client that exists with other
 * tokens is reported as a conflict. Keys are hashed on import and never logged or echoed.
 *
 * <p>Fast: records go to the store in chunks of {@value #CHUNK}, each chunk one transaction (every
 * item in it conditional on not existing, so nothing is ever overwritten), several chunks at once.
 * No read comes first: the transaction's cancellation reasons say which records exist, and only
 * those are read. A record whose client or key appeared earlier in the same input waits for that
 * record and is then imported on its own, so every outcome is the one a one-by-one import in input
 * order would give, however the chunks interleave.
 *
 * <p>Across a pepper rotation: a key stays under the pepper it was imported with (token items never
 * move), and a new one is written under the pepper for new tokens. So each record's key is computed
 * under every pepper of the ring's view: the client holds the record's key if it holds any of
 * them, and while the ring holds more than one pepper, a chunk first reads its records' keys under
 * the other peppers (one batch read per chunk).
 *
 * <p>A dry run is the same code over a store that reads the real one and writes to an in-memory
 * overlay, so it reports what the real run then does and writes nothing.
 *
 * <p>A run that stops on a failure reports what it did: the counts and problems of every record
 * before the failed one, and the failure ({@link ImportResult.Stop}); resuming from that record
 * gives the table of one clean run.
 *
 * <p>Never in a result, message or log: a key, its hash, or a clientId that looks like a key (a
 * GraceKeys token, or a declared legacy key); such a record is named "the record's clientId".
 */
public final class LegacyImporter {

    /** Records per transaction (see {@link ImportSession#CHUNK}). */
    public static final int CHUNK = ImportSession.CHUNK;

    /** Chunks in flight for {@link #importAll} (the backfill function takes BACKFILL_CONCURRENCY). */
    public static final int DEFAULT_CONCURRENCY = ImportSettings.DEFAULT_CONCURRENCY;

    /**
     * {@link #importAll} stopped at a record that could not be imported (DynamoDB unavailable, say).
     * {@link #result()} is what it did before that record, with the failure as its
     * {@link ImportResult#stop() stop}; importing again from that record is safe.
     */
    public static final class ImportStoppedException extends GraceKeysException {

        private static final long serialVersionUID = 1L;
        private final transient ImportResult result;

        ImportStoppedException(ImportResult result) {
            super("backfill stopped at record " + result.stop().index() + " (" + result.stop().errorType() + ": "
                    + result.stop().errorMessage() + "). Before it: " + result.read() + " read, "
                    + result.imported() + " imported, " + result.skipped() + " skipped, " + result.conflictCount()
                    + " conflicts, " + result.rejectedCount() + " rejected. Import again from record "
                    + result.stop().index() + " (records already imported are skipped)");
            this.result = result;
        }

        /** What the import did before it stopped, and why it stopped. */
        public ImportResult result() {
            return result;
        }

        @Override
        public boolean retryable() {
            return result.stop().retryable();
        }
    }

    private final ClientStore store;
    private final RecordParser parser;
    private final Clock clock;
    private final ChangeApplier changes;
    private final Metrics metrics;

    public LegacyImporter(ClientStore store, PepperRing peppers, TokenFormat format, EventPublisher events, Clock clock) {
        this(store, peppers, format, events, clock, Metrics.NONE);
    }

    /** As above, counting each session's records by outcome in {@code metrics} (not a dry run's). */
    public LegacyImporter(ClientStore store, PepperRing peppers, TokenFormat format, EventPublisher events, Clock clock,
                          Metrics metrics) {
        this.store = store;
        this.parser = new RecordParser(peppers, format, clock, Validation::printableOrNull);
        this.clock = clock;
        this.metrics = java.util.Objects.requireNonNull(metrics, "metrics");
        this.changes = new ChangeApplier(store, events, metrics);
    }

    /**
     * Imports a batch and publishes {@code BackfillCompleted} (not for a dry run). Outcomes are those
     * of importing the records one by one in order; problems are reported in input order (the first
     * {@value ImportResult#MAX_LISTED} of each kind listed, all counted).
     *
     * @throws ImportStoppedException at the first record that could not be imported (DynamoDB
     *                                unavailable, say), carrying what was done before it; every
     *                                record before it is done, and importing the same batch again
     *                                (or from that record on) is safe
     */
    public ImportResult importAll(List<ImportRecord> records, boolean dryRun) {
        try (ImportSession session = start(ImportSettings.of(dryRun))) {
            for (int i = 0; i < records.size() && session.failure().isEmpty(); i++) {
                session.add(i, records.get(i));
            }
            session.finish();
            if (session.failure().isPresent()) {
                throw new ImportStoppedException(session.result());
            }
            return complete(session);
        }
    }

    /**
     * Starts an import fed record by record ({@link ImportSession#add}), for callers that read their
     * input as they go and may stop early (the backfill function, at its deadline).
     */
    public ImportSession start(ImportSettings settings) {
        return new ImportSession(store, parser, settings, metrics);
    }

    /**
     * As {@link #start(ImportSettings)}.
     *
     * @param concurrency chunks in flight at once (1..64)
     * @throws IllegalArgumentException if {@code concurrency} is not 1..64
     */
    public ImportSession start(boolean dryRun, int concurrency) {
        return start(new ImportSettings(dryRun, concurrency));
    }

    /**
     * Publishes {@code BackfillCompleted} for an import that went through its whole input (not for
     * a dry run) and returns its result.
     *
     * @throws IllegalStateException if the import stopped on a failure (it is not complete)
     */
    public ImportResult complete(ImportSession session) {
        ImportResult result = session.result();
        if (result.stop() != null) {
            throw new IllegalStateException("the import stopped at record " + result.stop().index() + ": not complete");
        }
        if (!session.dryRun()) {
            Instant now = Times.second(clock.instant());
            changes.publish(List.of(DomainEvent.of(DomainEvent.BACKFILL_COMPLETED, now)
                    .with("read", result.read()).with("imported", result.imported()).with("skipped", result.skipped())
                    .with("conflicts", result.conflictCount()).with("rejected", result.rejectedCount())
                    .with("completedAt", now).build()));
        }
        return result;
    }
}
