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
import dev.gracekeys.core.store.ChangesRejectedException;
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
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
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

    /** What happened to one record. */
    public enum Outcome { IMPORTED, SKIPPED, CONFLICT, REJECTED }

    /** The outcome of one record and, unless imported or skipped, why. */
    public record RecordResult(Outcome outcome, String clientId, String reason) {
    }

    /** The first record (in input order) that could not be imported, and why: the run stops there. */
    public record Failure(int index, GraceKeysException error) {
    }

    private final ClientStore store;
    private final PepperRing peppers;
    private final TokenFormat format;
    private final Clock clock;
    private final Changes changes;

    public LegacyImporter(ClientStore store, PepperRing peppers, TokenFormat format, EventPublisher events, Clock clock) {
        this.store = store;
        this.peppers = peppers;
        this.format = format;
        this.clock = clock;
        this.changes = new Changes(store, events);
    }

    /**
     * Imports a batch and publishes {@code BackfillCompleted} (not for a dry run). Outcomes are those
     * of importing the records one by one in order; problems are reported in input order.
     *
     * @throws GraceKeysException the error of the first record that could not be imported (DynamoDB
     *                            unavailable, say); every record before it is done, and importing
     *                            the same batch again is safe
     */
    public ImportResult importAll(List<ImportRecord> records, boolean dryRun) {
        try (Session session = start(dryRun, DEFAULT_CONCURRENCY)) {
            for (int i = 0; i < records.size() && session.failure().isEmpty(); i++) {
                session.add(i, records.get(i));
            }
            session.finish();
            Optional<Failure> failure = session.failure();
            if (failure.isPresent()) {
                throw failure.get().error();
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

    /** Publishes {@code BackfillCompleted} for a finished import and returns its result. */
    public ImportResult complete(Session session) {
        ImportResult result = session.result();
        if (!session.dryRun) {
            Instant now = Times.second(clock.instant());
            changes.publish(List.of(DomainEvent.of(DomainEvent.BACKFILL_COMPLETED, now)
                    .with("read", result.read()).with("imported", result.imported()).with("skipped", result.skipped())
                    .with("conflicts", result.conflicts().size()).with("rejected", result.rejected().size())
                    .with("completedAt", now).build()));
        }
        return result;
    }

    /**
     * One import in progress. Feed it records in input order from one thread ({@link #add},
     * {@link #reject}); it imports them on its own threads, at most {@code concurrency} chunks at
     * once ({@link #add} waits for a free slot). {@link #finish} waits until every record fed is
     * done. After a failure, stop feeding it: every record before {@link Failure#index()} is done,
     * and the records after it that were done are exactly ones an import resumed from that index
     * will find done (a record depending on a failed one is never imported).
     */
    public final class Session implements AutoCloseable {

        private final boolean dryRun;
        private final ExecutorService pool;
        private final Semaphore slots;
        private final Counts counts;
        /** The latest record of each client and key not yet done (or failed): what a record must wait for. */
        private final ConcurrentHashMap<String, CompletableFuture<Void>> openClients = new ConcurrentHashMap<>();
        private final ConcurrentHashMap<TokenKey, CompletableFuture<Void>> openKeys = new ConcurrentHashMap<>();
        /** Dry run: what it would have written, standing in for the table. */
        private final ConcurrentHashMap<String, TokenKey> plannedClients = new ConcurrentHashMap<>();
        private final ConcurrentHashMap<TokenKey, String> plannedKeys = new ConcurrentHashMap<>();
        private final AtomicReference<Failure> failure = new AtomicReference<>();
        private final Object idle = new Object();
        private int running; // guarded by idle
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
            Parsed parsed;
            try {
                parsed = parse(record);
            } catch (ValidationException e) {
                counts.add(index, new RecordResult(Outcome.REJECTED,
                        record == null ? null : Validation.printableOrNull(record.clientId()), e.getMessage()));
                return;
            } catch (RuntimeException e) { // the pepper unavailable, say: the run stops here
                failed(index, e);
                return;
            }
            Pending pending = new Pending(index, parsed, new CompletableFuture<>());
            List<CompletableFuture<Void>> before = new ArrayList<>(2);
            waitFor(openClients.put(parsed.clientId, pending.done), before);
            waitFor(openKeys.put(parsed.key, pending.done), before);
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
            counts.add(index, new RecordResult(Outcome.REJECTED, null, reason));
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

        /** The first failed record in input order, if any so far. */
        public Optional<Failure> failure() {
            return Optional.ofNullable(failure.get());
        }

        /** Records counted so far (done, or rejected unread). */
        public int read() {
            return counts.read.get();
        }

        /** The outcome counts so far; problems in input order. */
        public ImportResult result() {
            return counts.result();
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
            if (earlier != null && (!earlier.isDone() || earlier.isCompletedExceptionally())) {
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
         */
        private void importChunk(List<Pending> records) {
            if (dryRun) {
                for (Pending p : records) {
                    importAlone(p);
                }
                return;
            }
            List<Pending> todo = records;
            for (int attempt = 0; !todo.isEmpty(); attempt++) {
                if (attempt > CHUNK_RETRIES) {
                    todo.forEach(this::importAlone);
                    return;
                }
                List<ClientChange> creates = new ArrayList<>(todo.size());
                for (Pending p : todo) {
                    creates.add(ClientChanges.create(p.parsed.clientId, p.parsed.name, p.parsed.ref));
                }
                try {
                    store.applyAll(creates);
                    for (Pending p : todo) {
                        settle(p, new RecordResult(Outcome.IMPORTED, p.parsed.clientId, null));
                    }
                    return;
                } catch (ChangesRejectedException e) {
                    List<Pending> again = new ArrayList<>();
                    for (int i = 0; i < todo.size(); i++) {
                        Pending p = todo.get(i);
                        ChangeRejectedException.Reason reason = e.reason(i);
                        if (reason == ChangeRejectedException.Reason.CLIENT_EXISTS) {
                            guarded(p, () -> existing(p.parsed));
                        } else if (reason == ChangeRejectedException.Reason.TOKEN_EXISTS) {
                            settle(p, new RecordResult(Outcome.CONFLICT, p.parsed.clientId, KEY_TAKEN));
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

        private void pause(int attempt) {
            try {
                Thread.sleep(RETRY_PAUSE_MILLIS << attempt);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /** One record on its own: read its client, then create it (dry run: plan it). */
        private void importAlone(Pending p) {
            guarded(p, () -> {
                Optional<ClientRecord> existing = store.findClient(p.parsed.clientId);
                if (existing.isPresent()) {
                    return holdsOrConflict(existing.get(), p.parsed);
                }
                if (dryRun) {
                    return plan(p.parsed);
                }
                try {
                    store.apply(ClientChanges.create(p.parsed.clientId, p.parsed.name, p.parsed.ref));
                    return new RecordResult(Outcome.IMPORTED, p.parsed.clientId, null);
                } catch (ChangeRejectedException e) {
                    return switch (e.reason()) {
                        case CLIENT_EXISTS -> existing(p.parsed); // created meanwhile (a concurrent run)
                        case TOKEN_EXISTS -> new RecordResult(Outcome.CONFLICT, p.parsed.clientId, KEY_TAKEN);
                        case VERSION_CHANGED, TRANSACTION_CONFLICT -> throw new ConcurrentModificationException(
                                "client '" + p.parsed.clientId + "' or its key was being changed by another request"
                                        + " during backfill; nothing was written for it: run backfill again");
                    };
                }
            });
        }

        /** The client exists: the record is done if it holds this very key, else a conflict. */
        private RecordResult existing(Parsed parsed) {
            return store.findClient(parsed.clientId)
                    .map(c -> holdsOrConflict(c, parsed))
                    .orElseGet(() -> conflict(parsed.clientId));
        }

        private RecordResult plan(Parsed parsed) {
            TokenKey planned = plannedClients.putIfAbsent(parsed.clientId, parsed.key);
            if (planned != null) {
                return planned.equals(parsed.key)
                        ? new RecordResult(Outcome.SKIPPED, parsed.clientId, null)
                        : conflict(parsed.clientId);
            }
            String owner = plannedKeys.putIfAbsent(parsed.key, parsed.clientId);
            if (owner != null && !owner.equals(parsed.clientId)) {
                return new RecordResult(Outcome.CONFLICT, parsed.clientId, KEY_TAKEN);
            }
            return new RecordResult(Outcome.IMPORTED, parsed.clientId, null);
        }

        private void guarded(Pending p, java.util.function.Supplier<RecordResult> work) {
            try {
                settle(p, work.get());
            } catch (RuntimeException e) {
                fail(p, e);
            }
        }

        private void settle(Pending p, RecordResult result) {
            counts.add(p.index, result);
            p.done.complete(null);
            openClients.remove(p.parsed.clientId, p.done);
            openKeys.remove(p.parsed.key, p.done);
        }

        private void fail(Pending p, RuntimeException e) {
            p.done.completeExceptionally(failed(p.index, e)); // stays in openClients/openKeys: see waitFor
        }

        /** Records a failure; the earliest in input order is the run's. */
        private GraceKeysException failed(int index, RuntimeException e) {
            GraceKeysException error = e instanceof GraceKeysException g ? g
                    : new StoreUnavailableException("record " + index + " failed unexpectedly ("
                    + e.getClass().getSimpleName() + ")", null);
            failure.accumulateAndGet(new Failure(index, error), (a, b) -> a == null || b.index() < a.index() ? b : a);
            return error;
        }
    }

    /** A parsed record on its way; {@code done} completes when its outcome is counted. */
    private record Pending(int index, Parsed parsed, CompletableFuture<Void> done) {
    }

    /** Outcome counts; thread-safe. */
    private static final class Counts {
        private final boolean dryRun;
        private final AtomicInteger read = new AtomicInteger();
        private int imported;
        private int skipped;
        private final List<ImportResult.Problem> conflicts = new ArrayList<>();
        private final List<ImportResult.Problem> rejected = new ArrayList<>();

        Counts(boolean dryRun) {
            this.dryRun = dryRun;
        }

        synchronized void add(int index, RecordResult result) {
            switch (result.outcome()) {
                case IMPORTED -> imported++;
                case SKIPPED -> skipped++;
                case CONFLICT -> conflicts.add(new ImportResult.Problem(index, result.clientId(), result.reason()));
                case REJECTED -> rejected.add(new ImportResult.Problem(index, result.clientId(), result.reason()));
            }
            read.incrementAndGet();
        }

        synchronized ImportResult result() {
            List<ImportResult.Problem> c = conflicts.stream().sorted(Comparator.comparingInt(ImportResult.Problem::index)).toList();
            List<ImportResult.Problem> r = rejected.stream().sorted(Comparator.comparingInt(ImportResult.Problem::index)).toList();
            return new ImportResult(dryRun, read.get(), imported, skipped, c, r);
        }
    }

    private static RecordResult holdsOrConflict(ClientRecord client, Parsed parsed) {
        return holds(client, parsed.key)
                ? new RecordResult(Outcome.SKIPPED, parsed.clientId, null)
                : conflict(parsed.clientId);
    }

    private static RecordResult conflict(String clientId) {
        return new RecordResult(Outcome.CONFLICT, clientId, "client '" + clientId
                + "' already has other tokens; backfill never overwrites a client: rotate or revoke it instead");
    }

    private static boolean holds(ClientRecord client, TokenKey key) {
        return client.current().key().equals(key) || client.previous().stream().anyMatch(p -> p.key().equals(key));
    }

    private record Parsed(String clientId, String name, TokenKey key, TokenRef ref) {
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
        TokenKey key;
        String tokenId;
        if (hasKey) {
            TokenFormat.Kind kind = format.classify(r.key());
            if (kind == TokenFormat.Kind.MALFORMED) {
                throw new ValidationException("key cannot be verified later: a legacy key must be 16-256 characters of"
                        + " A-Z a-z 0-9 . _ ~ + / = - and must not start with the token prefix '" + format.prefix()
                        + "' unless it is a complete GraceKeys token, and must match LEGACY_KEY_PATTERN in full");
            }
            key = peppers.forNewTokens().keyOf(r.key(), kind);
            tokenId = kind == TokenFormat.Kind.GRACEKEYS ? format.tokenIdOf(r.key()) : TokenHasher.legacyTokenId(key);
        } else {
            if (!TokenHasher.isSha256Hex(r.sha256())) {
                throw new ValidationException("sha256 must be 64 hexadecimal digits (the legacy SHA-256 of the key)");
            }
            if (!format.legacyTokens()) {
                throw new ValidationException("LEGACY_KEY_PATTERN is not set, so a key imported by its SHA-256 could"
                        + " never verify: set LEGACY_KEY_PATTERN for the functions to the legacy keys' format,"
                        + " then import again");
            }
            key = peppers.forNewTokens().keyOfLegacySha256(r.sha256());
            tokenId = TokenHasher.legacyTokenId(key);
        }
        Instant createdAt;
        try {
            createdAt = r.createdAt() == null ? Times.second(clock.instant()) : Times.second(Instant.parse(r.createdAt()));
        } catch (DateTimeParseException e) {
            throw new ValidationException("createdAt must be an ISO-8601 UTC time like 2024-01-31T12:00:00Z");
        }
        return new Parsed(clientId, name, key, new TokenRef(key, tokenId, createdAt, null));
    }
}
