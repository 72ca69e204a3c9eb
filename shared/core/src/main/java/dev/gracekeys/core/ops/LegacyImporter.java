package dev.gracekeys.core.ops;

import dev.gracekeys.core.ConcurrentModificationException;
import dev.gracekeys.core.GraceKeysException;
import dev.gracekeys.core.StoreUnavailableException;
import dev.gracekeys.core.ValidationException;
import dev.gracekeys.core.events.DomainEvent;
import dev.gracekeys.core.events.EventPublisher;
import dev.gracekeys.core.model.ClientRecord;
import dev.gracekeys.core.model.Times;
import dev.gracekeys.core.model.TokenRef;
import dev.gracekeys.core.store.ChangeRejectedException;
import dev.gracekeys.core.store.BatchRejectedException;
import dev.gracekeys.core.store.ClientChange;
import dev.gracekeys.core.store.ClientStore;
import dev.gracekeys.core.token.PepperRing;
import dev.gracekeys.core.token.TokenFormat;
import dev.gracekeys.core.token.TokenHasher;
import dev.gracekeys.core.token.TokenKey;

import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Backfill: imports legacy keys as the current token of new clients.
 *
 * <p>Idempotent: a record whose client already holds that very key is skipped, so a re-run (after
 * an interruption, say) gives the same table. Never overwrites: a client that exists with other
 * tokens is reported as a conflict. Keys are hashed on import and never logged or echoed.
 *
 * <p>Fast: records go to the store in chunks of {@value #CHUNK}, each chunk one transaction (every
 * item in it conditional on not existing, so nothing is ever overwritten), several chunks at once.
 * No read comes first: the transaction's cancellation reasons say which records exist, and only
 * those are read. One request per 50 records instead of two per record is where the speed comes
 * from; the chunks in flight help on DynamoDB, where a transaction waits on the network, but not on
 * DynamoDB Local, which runs one transaction at a time. A record whose client or key appeared
 * earlier in the same input waits for that record and is then imported on its own, so every
 * outcome is the one a one-by-one import in input order would give, however the chunks interleave.
 *
 * <p>Across a pepper rotation: a key stays under the pepper it was imported with (token items never
 * move), and a new one is written under the pepper for new tokens. So each record's key is computed
 * under every pepper of the ring's view: the client holds the record's key if it holds any of
 * them, and while the ring holds more than one pepper, a chunk first reads its records' keys under
 * the other peppers (one BatchGetItem per chunk): a key found there belongs to a client already,
 * which the transaction's own condition (the same item key only) would not see.
 *
 * <p>A dry run reads the table as the real run does (clients, and keys under every pepper) and
 * plans against what its own earlier records would have written, so it reports what the real run
 * then does.
 *
 * <p>A run that stops on a failure reports what it did: the counts and problems of every record
 * before the failed one, and the failure ({@link ImportResult.Stop}); resuming from that record
 * gives the table of one clean run.
 *
 * <p>Never in a result, message or log: a key, its hash, or a clientId that looks like a key (a
 * GraceKeys token, or a declared legacy key: a key column pasted into the clientId column by
 * mistake); such a record is named "the record's clientId".
 */
public final class LegacyImporter {

    /**
     * Records per transaction: a new client is two items (client and token), and one write takes
     * at most {@link ClientStore#MAX_ITEMS_PER_APPLY}.
     */
    public static final int CHUNK = ClientStore.MAX_ITEMS_PER_APPLY / 2;

    /** Chunks in flight for {@link #importAll} (the backfill function takes BACKFILL_CONCURRENCY). */
    public static final int DEFAULT_CONCURRENCY = 4;

    /**
     * Times the rest of a chunk is sent again after a refusal that was not about its own records
     * (a conflict with a concurrent request, or DynamoDB throttling the transaction), after a pause
     * of {@link #RETRY_PAUSE_MILLIS} doubling each time; then its records go one by one.
     */
    private static final int CHUNK_RETRIES = 3;
    private static final long RETRY_PAUSE_MILLIS = 50;

    private static final String KEY_TAKEN =
            "this key is already imported for another client; each key can belong to one client only";
    /** Stands for a clientId that must not be quoted (it looks like a key). */
    private static final String UNQUOTED_CLIENT = "the record's clientId";

    /** What happened to one record. */
    public enum Outcome { IMPORTED, SKIPPED, CONFLICT, REJECTED }

    /** The outcome of one record and, unless imported or skipped, why. */
    public record RecordResult(Outcome outcome, String clientId, String reason) {
    }

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
    private final PepperRing peppers;
    private final TokenFormat format;
    private final Clock clock;
    private final ChangeApplier changes;

    public LegacyImporter(ClientStore store, PepperRing peppers, TokenFormat format, EventPublisher events, Clock clock) {
        this.store = store;
        this.peppers = peppers;
        this.format = format;
        this.clock = clock;
        this.changes = new ChangeApplier(store, events);
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
        try (Session session = start(dryRun, DEFAULT_CONCURRENCY)) {
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
     * Starts an import fed record by record ({@link Session#add}), for callers that read their input
     * as they go and may stop early (the backfill function, at its deadline).
     *
     * @param concurrency chunks in flight at once (1..64)
     */
    public Session start(boolean dryRun, int concurrency) {
        if (concurrency < 1 || concurrency > 64) {
            throw new IllegalArgumentException("concurrency must be 1..64, got " + concurrency);
        }
        return new Session(dryRun, concurrency);
    }

    /**
     * Publishes {@code BackfillCompleted} for an import that went through its whole input and
     * returns its result.
     *
     * @throws IllegalStateException if the import stopped on a failure (it is not complete)
     */
    public ImportResult complete(Session session) {
        ImportResult result = session.result();
        if (result.stop() != null) {
            throw new IllegalStateException("the import stopped at record " + result.stop().index() + ": not complete");
        }
        if (!session.dryRun) {
            Instant now = Times.second(clock.instant());
            changes.publish(List.of(DomainEvent.of(DomainEvent.BACKFILL_COMPLETED, now)
                    .with("read", result.read()).with("imported", result.imported()).with("skipped", result.skipped())
                    .with("conflicts", result.conflictCount()).with("rejected", result.rejectedCount())
                    .with("completedAt", now).build()));
        }
        return result;
    }

    /**
     * One import in progress. Feed it records in input order from one thread ({@link #add},
     * {@link #reject}); it imports them on its own threads, at most {@code concurrency} chunks at
     * once ({@link #add} waits for a free slot). {@link #finish} waits until every record fed is
     * done. After a failure, stop feeding it: every record before {@link ImportResult.Stop#index()}
     * is done, and the records after it that were done are exactly ones an import resumed from that
     * index will find done (a record depending on a failed one is never imported). Its
     * {@link #result()} covers the records before the failure only, so the results of a stopped run
     * and of the run resumed from its stop add up to those of one clean run.
     */
    public final class Session implements AutoCloseable {

        private final boolean dryRun;
        private final ExecutorService pool;
        private final Semaphore slots;
        private final Counts counts;
        /** The latest record of each client and key not yet done (or failed): what a record must wait for. */
        private final ConcurrentHashMap<String, CompletableFuture<Void>> openClients = new ConcurrentHashMap<>();
        private final ConcurrentHashMap<TokenKey, CompletableFuture<Void>> openKeys = new ConcurrentHashMap<>();
        /** Dry run: what it would have written, standing in for the table (a client's keys, a key's client). */
        private final ConcurrentHashMap<String, List<TokenKey>> plannedClients = new ConcurrentHashMap<>();
        private final ConcurrentHashMap<TokenKey, String> plannedKeys = new ConcurrentHashMap<>();
        private final AtomicReference<ImportResult.Stop> failure = new AtomicReference<>();
        private final Object idle = new Object();
        private int running; // guarded by idle
        private long fed;    // the feeding thread's only: records taken so far, the next one's sequence
        private List<Pending> chunk = new ArrayList<>();

        private Session(boolean dryRun, int concurrency) {
            this.dryRun = dryRun;
            this.counts = new Counts(dryRun);
            this.slots = new Semaphore(concurrency);
            AtomicInteger n = new AtomicInteger();
            this.pool = Executors.newFixedThreadPool(concurrency, r -> {
                Thread t = new Thread(r, "backfill-" + n.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
        }

        /**
         * Takes the next record.
         *
         * @param index the record's position in the whole input (reported with problems)
         */
        public void add(int index, ImportRecord record) {
            long seq = fed++;
            Parsed parsed;
            try {
                parsed = parse(record);
            } catch (ValidationException e) {
                counts.add(seq, index, new RecordResult(Outcome.REJECTED,
                        record == null ? null : shownOrNull(record.clientId()), e.getMessage()));
                return;
            } catch (RuntimeException e) { // the pepper unavailable, say: the run stops here
                failed(index, e, null);
                return;
            }
            Pending pending = new Pending(seq, index, parsed, new CompletableFuture<>());
            List<CompletableFuture<Void>> before = new ArrayList<>(1 + parsed.keys.size());
            waitFor(openClients.put(parsed.clientId, pending.done), before);
            for (TokenKey key : parsed.keys) { // under every pepper: one key, whichever pepper it is stored under
                waitFor(openKeys.put(key, pending.done), before);
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
            launch(() -> CompletableFuture.allOf(before.toArray(CompletableFuture[]::new))
                    .whenCompleteAsync((ignored, earlier) -> {
                        try {
                            if (earlier != null) {
                                fail(pending, new StoreUnavailableException("record " + pending.index
                                        + " was not imported: an earlier record of the same client or key failed", null));
                            } else {
                                importAlone(pending);
                            }
                        } finally {
                            done();
                        }
                    }, pool));
        }

        /** Counts a record that could not even be read (a line that is not JSON, say) as rejected. */
        public void reject(int index, String reason) {
            counts.add(fed++, index, new RecordResult(Outcome.REJECTED, null, reason));
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
            boolean interrupted = false;
            synchronized (idle) {
                while (running > 0) {
                    try {
                        idle.wait();
                    } catch (InterruptedException e) {
                        interrupted = true; // the writes in flight still finish: wait for them
                    }
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
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

        public boolean dryRun() {
            return dryRun;
        }

        /** Waits for the records in flight, then stops the threads. */
        @Override
        public void close() {
            try {
                finish();
            } finally {
                pool.shutdown();
            }
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
            launch(() -> pool.execute(() -> {
                try {
                    importChunk(sending);
                } catch (RuntimeException e) {
                    for (Pending p : sending) {
                        if (!p.done.isDone()) {
                            fail(p, e);
                        }
                    }
                } finally {
                    done();
                }
            }));
        }

        /** Takes a slot (waiting for one) and starts a task that calls {@link #done()} at its end. */
        private void launch(Runnable start) {
            slots.acquireUninterruptibly();
            synchronized (idle) {
                running++;
            }
            try {
                start.run();
            } catch (RuntimeException e) {
                done();
                throw e;
            }
        }

        private void done() {
            slots.release();
            synchronized (idle) {
                if (--running == 0) {
                    idle.notifyAll();
                }
            }
        }

        /**
         * A chunk of records with distinct clients and keys. Real run: all created in one transaction;
         * if the store refuses some, those are settled (skipped or conflict) and the rest sent again.
         * While the ring holds more than one pepper, the records' keys under the other peppers are
         * read first, in one batch: a record whose key is stored under another pepper is settled
         * by reading its client (skipped if it holds the key, else a conflict).
         */
        private void importChunk(List<Pending> records) {
            if (dryRun) {
                planChunk(records);
                return;
            }
            List<Pending> todo;
            try {
                todo = notStoredUnderOtherPeppers(records);
            } catch (StoreUnavailableException e) {
                records.forEach(this::importAlone); // one by one, so that a failure is one record's
                return;
            }
            for (int attempt = 0; !todo.isEmpty(); attempt++) {
                if (attempt > CHUNK_RETRIES) {
                    todo.forEach(this::importAlone);
                    return;
                }
                List<ClientChange> creates = new ArrayList<>(todo.size());
                for (Pending p : todo) {
                    creates.add(RotationRules.create(p.parsed.clientId, p.parsed.name, p.parsed.ref));
                }
                try {
                    store.applyAll(creates);
                    for (Pending p : todo) {
                        settle(p, new RecordResult(Outcome.IMPORTED, p.parsed.shownId, null));
                    }
                    return;
                } catch (BatchRejectedException e) {
                    List<Pending> again = new ArrayList<>();
                    for (int i = 0; i < todo.size(); i++) {
                        Pending p = todo.get(i);
                        ChangeRejectedException.Reason reason = e.reason(i);
                        if (reason == ChangeRejectedException.Reason.CLIENT_EXISTS) {
                            guarded(p, () -> existing(p.parsed));
                        } else if (reason == ChangeRejectedException.Reason.TOKEN_EXISTS) {
                            settle(p, keyTaken(p.parsed));
                        } else {
                            again.add(p); // its own conditions held, or a conflict with a concurrent request
                        }
                    }
                    if (again.size() == todo.size()) {
                        pause(attempt); // nothing settled: a conflict or throttling, not our records
                    }
                    todo = again;
                } catch (StoreUnavailableException e) {
                    // The chunk as a whole failed: one by one, so that a failure is one record's
                    // (and is where the run stops) while the others still go in.
                    todo.forEach(this::importAlone);
                    return;
                }
            }
        }

        /**
         * The records whose key is under none of the other peppers (one BatchGetItem for the chunk);
         * the others are settled here. With one pepper, all of them and no read.
         */
        private List<Pending> notStoredUnderOtherPeppers(List<Pending> records) {
            List<TokenKey> others = new ArrayList<>();
            for (Pending p : records) {
                others.addAll(p.parsed.otherKeys());
            }
            if (others.isEmpty()) {
                return records;
            }
            Set<TokenKey> stored = store.findTokens(others).keySet();
            List<Pending> todo = new ArrayList<>(records.size());
            for (Pending p : records) {
                if (anyIn(p.parsed.otherKeys(), stored)) {
                    guarded(p, () -> existingOrKeyTaken(p.parsed));
                } else {
                    todo.add(p);
                }
            }
            return todo;
        }

        /**
         * Dry run of a chunk: the records' keys under every pepper in one BatchGetItem, then each
         * record's client, as the real run reads them.
         */
        private void planChunk(List<Pending> records) {
            List<TokenKey> keys = new ArrayList<>();
            for (Pending p : records) {
                keys.addAll(p.parsed.keys);
            }
            Set<TokenKey> stored;
            try {
                stored = store.findTokens(keys).keySet();
            } catch (StoreUnavailableException e) {
                records.forEach(this::importAlone); // one by one, so that a failure is one record's
                return;
            }
            for (Pending p : records) {
                guarded(p, () -> store.findClient(p.parsed.clientId)
                        .map(c -> holdsOrConflict(c, p.parsed))
                        .orElseGet(() -> planned(p.parsed, stored)));
            }
        }

        private void pause(int attempt) {
            try {
                Thread.sleep(RETRY_PAUSE_MILLIS << attempt);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /** One record on its own: read its client and its key, then create it (dry run: plan it). */
        private void importAlone(Pending p) {
            guarded(p, () -> {
                Parsed parsed = p.parsed;
                Optional<ClientRecord> existing = store.findClient(parsed.clientId);
                if (existing.isPresent()) {
                    return holdsOrConflict(existing.get(), parsed);
                }
                if (dryRun) {
                    return planned(parsed, store.findTokens(parsed.keys).keySet());
                }
                if (!parsed.otherKeys().isEmpty() && !store.findTokens(parsed.otherKeys()).isEmpty()) {
                    return keyTaken(parsed); // another client holds it under another pepper
                }
                try {
                    store.apply(RotationRules.create(parsed.clientId, parsed.name, parsed.ref));
                    return new RecordResult(Outcome.IMPORTED, parsed.shownId, null);
                } catch (ChangeRejectedException e) {
                    return switch (e.reason()) {
                        case CLIENT_EXISTS -> existing(parsed); // created meanwhile (a concurrent run)
                        case TOKEN_EXISTS -> keyTaken(parsed);
                        case VERSION_CHANGED, TRANSACTION_CONFLICT -> throw new ConcurrentModificationException(
                                "record " + p.index + " (" + who(parsed) + ") or its key was being changed by another"
                                        + " request during backfill; nothing was written for it: run backfill again");
                    };
                }
            });
        }

        /** The client exists: the record is done if it holds this very key, else a conflict. */
        private RecordResult existing(Parsed parsed) {
            return store.findClient(parsed.clientId)
                    .map(c -> holdsOrConflict(c, parsed))
                    .orElseGet(() -> conflict(parsed));
        }

        /** The key is stored under another pepper: the record's client holds it (skipped), or another does. */
        private RecordResult existingOrKeyTaken(Parsed parsed) {
            return store.findClient(parsed.clientId)
                    .map(c -> holdsOrConflict(c, parsed))
                    .orElseGet(() -> keyTaken(parsed));
        }

        /**
         * Dry run, the record's client not in the table: the outcome the real run would give, from
         * what the dry run's earlier records would have written and the keys stored.
         */
        private RecordResult planned(Parsed parsed, Collection<TokenKey> stored) {
            List<TokenKey> plannedKeysOfClient = plannedClients.get(parsed.clientId);
            if (plannedKeysOfClient != null) {
                return anyIn(parsed.keys, plannedKeysOfClient)
                        ? new RecordResult(Outcome.SKIPPED, parsed.shownId, null)
                        : conflict(parsed);
            }
            if (anyIn(parsed.keys, stored)) {
                return keyTaken(parsed);
            }
            for (TokenKey key : parsed.keys) {
                String owner = plannedKeys.get(key);
                if (owner != null && !owner.equals(parsed.clientId)) {
                    return keyTaken(parsed);
                }
            }
            // Records of one client or key never run at once (they wait for each other), so no race here.
            plannedClients.put(parsed.clientId, parsed.keys);
            parsed.keys.forEach(k -> plannedKeys.put(k, parsed.clientId));
            return new RecordResult(Outcome.IMPORTED, parsed.shownId, null);
        }

        private void guarded(Pending p, java.util.function.Supplier<RecordResult> work) {
            try {
                settle(p, work.get());
            } catch (RuntimeException e) {
                fail(p, e);
            }
        }

        private void settle(Pending p, RecordResult result) {
            counts.add(p.seq, p.index, result);
            p.done.complete(null);
            openClients.remove(p.parsed.clientId, p.done);
            for (TokenKey key : p.parsed.keys) {
                openKeys.remove(key, p.done);
            }
        }

        private void fail(Pending p, RuntimeException e) {
            failed(p.index, e, p.parsed);
            p.done.completeExceptionally(e); // stays in openClients/openKeys: see waitFor
        }

        /**
         * Records a failure; the earliest in input order is the run's. Only its name and message are
         * kept (not the exception, whose cause may quote request values), and a clientId that looks
         * like a key is taken out of the message (the store's messages name the client).
         */
        private void failed(int index, RuntimeException e, Parsed parsed) {
            ImportResult.Stop stop;
            if (e instanceof GraceKeysException g) {
                String message = g.getMessage();
                if (parsed != null && parsed.shownId == null) {
                    message = message.replace(parsed.clientId, UNQUOTED_CLIENT);
                }
                stop = new ImportResult.Stop(index, g.getClass().getSimpleName(), message, g.retryable());
            } else {
                stop = new ImportResult.Stop(index, StoreUnavailableException.class.getSimpleName(),
                        "record " + index + " failed unexpectedly (" + e.getClass().getSimpleName() + ")", true);
            }
            failure.accumulateAndGet(stop, (a, b) -> a == null || b.index() < a.index() ? b : a);
        }
    }

    /** A parsed record on its way; {@code seq} is its place in the feed, {@code done} completes when it is counted. */
    private record Pending(long seq, int index, Parsed parsed, CompletableFuture<Void> done) {
    }

    /**
     * Outcome counts; thread-safe. Records are done in any order, but are counted in feed order:
     * one done early waits here until all before it are done, so the counts always cover a gap-free
     * start of the input (after a failure, exactly the records before it) and the problems listed
     * are the first ones in input order, at most {@link ImportResult#MAX_LISTED} of each kind.
     * What waits is what was done while an earlier record was still in flight: a few chunks, plus
     * the unreadable records fed meanwhile (they take no slot), one small entry each.
     */
    private static final class Counts {
        private final boolean dryRun;
        private final TreeMap<Long, Counted> early = new TreeMap<>();
        private long next; // the sequence of the first record not counted yet
        private int read;
        private int imported;
        private int skipped;
        private int conflictCount;
        private int rejectedCount;
        private final List<ImportResult.Problem> conflicts = new ArrayList<>();
        private final List<ImportResult.Problem> rejected = new ArrayList<>();

        private record Counted(int index, RecordResult result) {
        }

        Counts(boolean dryRun) {
            this.dryRun = dryRun;
        }

        synchronized void add(long seq, int index, RecordResult result) {
            early.put(seq, new Counted(index, result));
            for (Map.Entry<Long, Counted> e = early.firstEntry(); e != null && e.getKey() == next;
                 e = early.firstEntry()) {
                early.pollFirstEntry();
                count(e.getValue());
                next++;
            }
        }

        private void count(Counted c) {
            RecordResult r = c.result();
            switch (r.outcome()) {
                case IMPORTED -> imported++;
                case SKIPPED -> skipped++;
                case CONFLICT -> {
                    if (conflictCount++ < ImportResult.MAX_LISTED) {
                        conflicts.add(new ImportResult.Problem(c.index(), r.clientId(), r.reason()));
                    }
                }
                case REJECTED -> {
                    if (rejectedCount++ < ImportResult.MAX_LISTED) {
                        rejected.add(new ImportResult.Problem(c.index(), r.clientId(), r.reason()));
                    }
                }
            }
            read++;
        }

        synchronized int read() {
            return read;
        }

        synchronized ImportResult result(ImportResult.Stop stop) {
            return new ImportResult(dryRun, read, imported, skipped, conflicts, rejected, conflictCount, rejectedCount,
                    stop);
        }
    }

    private static RecordResult holdsOrConflict(ClientRecord client, Parsed parsed) {
        return holds(client, parsed.keys)
                ? new RecordResult(Outcome.SKIPPED, parsed.shownId, null)
                : conflict(parsed);
    }

    private static RecordResult conflict(Parsed parsed) {
        return new RecordResult(Outcome.CONFLICT, parsed.shownId, who(parsed)
                + " already has other tokens; backfill never overwrites a client: rotate or revoke it instead");
    }

    private static RecordResult keyTaken(Parsed parsed) {
        return new RecordResult(Outcome.CONFLICT, parsed.shownId, KEY_TAKEN);
    }

    /** The client as a message may name it. */
    private static String who(Parsed parsed) {
        return parsed.shownId == null ? UNQUOTED_CLIENT : "client '" + parsed.shownId + "'";
    }

    /** Whether the client holds the key (under any pepper), as current or previous token. */
    private static boolean holds(ClientRecord client, List<TokenKey> keys) {
        return keys.contains(client.current().key()) || client.previous().stream().anyMatch(p -> keys.contains(p.key()));
    }

    private static boolean anyIn(List<TokenKey> keys, Collection<TokenKey> in) {
        for (TokenKey k : keys) {
            if (in.contains(k)) {
                return true;
            }
        }
        return false;
    }

    /**
     * A valid record.
     *
     * @param shownId the clientId as results and messages may show it, or {@code null} when it looks
     *                like a key
     * @param keys    the key under every pepper of the view; first the one a new token is written
     *                under (the pepper for new tokens, as in {@code ref})
     */
    private record Parsed(String clientId, String shownId, String name, List<TokenKey> keys, TokenRef ref) {

        /** The key under the peppers other than the one for new tokens (none while the ring holds one). */
        List<TokenKey> otherKeys() {
            return keys.subList(1, keys.size());
        }
    }

    /**
     * The clientId as it may be shown, or {@code null} if it looks like a key (a GraceKeys token, or
     * a key of the declared legacy format): a key column pasted into the clientId column by mistake
     * must not come back in a result or a log.
     */
    private String shownOrNull(String clientId) {
        if (clientId == null || format.classify(clientId) != TokenFormat.Kind.MALFORMED) {
            return null;
        }
        return Validation.printableOrNull(clientId);
    }

    private Parsed parse(ImportRecord r) {
        if (r == null) {
            throw new ValidationException("the record is empty: give clientId and key or sha256");
        }
        String clientId = Validation.clientId(r.clientId());
        String name = Validation.name(r.name());
        boolean hasKey = r.key() != null;
        boolean hasSha = r.sha256() != null;
        if (hasKey == hasSha) {
            throw new ValidationException("give exactly one of key (the raw legacy key) or sha256 (its unpeppered"
                    + " SHA-256, 64 hex digits)");
        }
        TokenFormat.Kind kind = null;
        if (hasKey) {
            kind = format.classify(r.key());
            if (kind == TokenFormat.Kind.MALFORMED) {
                throw new ValidationException("key cannot be verified later: a legacy key must be 16-256 characters of"
                        + " A-Z a-z 0-9 . _ ~ + / = - and must not start with the token prefix '" + format.prefix()
                        + "' unless it is a complete GraceKeys token, and must match LEGACY_KEY_PATTERN in full");
            }
        } else {
            if (!TokenHasher.isSha256Hex(r.sha256())) {
                throw new ValidationException("sha256 must be 64 hexadecimal digits (the legacy SHA-256 of the key)");
            }
            if (!format.legacyTokens()) {
                throw new ValidationException("LEGACY_KEY_PATTERN is not set, so a key imported by its SHA-256 could"
                        + " never verify: set LEGACY_KEY_PATTERN for the functions to the legacy keys' format,"
                        + " then import again");
            }
        }
        Instant createdAt;
        try {
            createdAt = r.createdAt() == null ? Times.second(clock.instant()) : Times.second(Instant.parse(r.createdAt()));
        } catch (DateTimeParseException e) {
            throw new ValidationException("createdAt must be an ISO-8601 UTC time like 2024-01-31T12:00:00Z");
        }
        // One view for the whole record: the pepper for new tokens first, then every other one it knows.
        PepperRing.View view = peppers.view();
        TokenHasher forNew = view.forNewTokens(clock.instant());
        List<TokenKey> keys = new ArrayList<>(2);
        keys.add(keyOf(forNew, r, kind));
        for (TokenHasher h : view.lookup()) {
            if (!h.equals(forNew)) {
                TokenKey k = keyOf(h, r, kind);
                if (!keys.contains(k)) {
                    keys.add(k);
                }
            }
        }
        TokenKey key = keys.get(0);
        String tokenId = kind == TokenFormat.Kind.GRACEKEYS ? format.tokenIdOf(r.key()) : TokenHasher.legacyTokenId(key);
        return new Parsed(clientId, shownOrNull(clientId), name, List.copyOf(keys),
                new TokenRef(key, tokenId, createdAt, null));
    }

    private static TokenKey keyOf(TokenHasher hasher, ImportRecord r, TokenFormat.Kind kind) {
        return kind != null ? hasher.keyOf(r.key(), kind) : hasher.keyOfLegacySha256(r.sha256());
    }
}
