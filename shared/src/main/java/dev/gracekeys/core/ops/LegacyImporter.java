package dev.gracekeys.core.ops;

import dev.gracekeys.core.ClientAlreadyExistsException;
import dev.gracekeys.core.ConcurrentModificationException;
import dev.gracekeys.core.ValidationException;
import dev.gracekeys.core.events.DomainEvent;
import dev.gracekeys.core.events.EventPublisher;
import dev.gracekeys.core.model.ClientRecord;
import dev.gracekeys.core.model.Times;
import dev.gracekeys.core.model.TokenRef;
import dev.gracekeys.core.store.ClientStore;
import dev.gracekeys.core.token.TokenFormat;
import dev.gracekeys.core.token.PepperRing;
import dev.gracekeys.core.token.TokenHasher;
import dev.gracekeys.core.token.TokenKey;

import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Backfill: imports legacy keys as the current token of new clients.
 *
 * <p>Idempotent: a record whose client already holds that very key is skipped, so a re-run (after
 * an interruption, say) gives the same table. Never overwrites: a client that exists with other
 * tokens is reported as a conflict. Keys are hashed on import and never logged or echoed.
 */
public final class LegacyImporter {

    /** What happened to one record. */
    public enum Outcome { IMPORTED, SKIPPED, CONFLICT, REJECTED }

    /** The outcome of one record and, unless imported or skipped, why. */
    public record RecordResult(Outcome outcome, String clientId, String reason) {
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

    /** Imports a batch in order and publishes {@code BackfillCompleted} (not for a dry run). */
    public ImportResult importAll(List<ImportRecord> records, boolean dryRun) {
        Run run = new Run(dryRun);
        for (int i = 0; i < records.size(); i++) {
            importOne(i, records.get(i), run);
        }
        return complete(run);
    }

    /** A run: counts outcomes, and in a dry run remembers what it would have written. */
    public static final class Run {
        private final boolean dryRun;
        private final ConcurrentHashMap<String, TokenKey> plannedClients = new ConcurrentHashMap<>();
        private final ConcurrentHashMap<TokenKey, String> plannedKeys = new ConcurrentHashMap<>();
        private final AtomicInteger read = new AtomicInteger();
        private int imported;
        private int skipped;
        private final List<ImportResult.Problem> conflicts = new ArrayList<>();
        private final List<ImportResult.Problem> rejected = new ArrayList<>();

        public Run(boolean dryRun) {
            this.dryRun = dryRun;
        }

        /** Records one outcome; thread-safe so records may be imported concurrently. */
        public synchronized void add(int index, RecordResult result) {
            read.incrementAndGet();
            switch (result.outcome()) {
                case IMPORTED -> imported++;
                case SKIPPED -> skipped++;
                case CONFLICT -> conflicts.add(new ImportResult.Problem(index, result.clientId(), result.reason()));
                case REJECTED -> rejected.add(new ImportResult.Problem(index, result.clientId(), result.reason()));
            }
        }

        /** Adds a record that could not even be read (e.g. a line that is not JSON). */
        public void reject(int index, String reason) {
            add(index, new RecordResult(Outcome.REJECTED, null, reason));
        }

        public synchronized ImportResult result() {
            List<ImportResult.Problem> c = conflicts.stream().sorted(Comparator.comparingInt(ImportResult.Problem::index)).toList();
            List<ImportResult.Problem> r = rejected.stream().sorted(Comparator.comparingInt(ImportResult.Problem::index)).toList();
            return new ImportResult(dryRun, read.get(), imported, skipped, c, r);
        }

        public boolean dryRun() {
            return dryRun;
        }
    }

    /**
     * Imports one record as part of {@code run} and counts its outcome there. Safe to call from
     * several threads: each record is its own transaction, and a dry run's bookkeeping is concurrent.
     *
     * @param index the record's position in the whole input (reported with conflicts and rejections)
     */
    public RecordResult importOne(int index, ImportRecord record, Run run) {
        RecordResult result = importOne(record, run.dryRun, run);
        run.add(index, result);
        return result;
    }

    /** Publishes {@code BackfillCompleted} for a finished run and returns its result. */
    public ImportResult complete(Run run) {
        ImportResult result = run.result();
        if (!run.dryRun) {
            Instant now = Times.second(clock.instant());
            changes.publish(List.of(DomainEvent.of(DomainEvent.BACKFILL_COMPLETED, now)
                    .with("read", result.read()).with("imported", result.imported()).with("skipped", result.skipped())
                    .with("conflicts", result.conflicts().size()).with("rejected", result.rejected().size())
                    .with("completedAt", now).build()));
        }
        return result;
    }

    private RecordResult importOne(ImportRecord record, boolean dryRun, Run run) {
        if (record == null) {
            return new RecordResult(Outcome.REJECTED, null, "the record is empty: give clientId and key or sha256");
        }
        String clientId = record.clientId();
        Parsed parsed;
        try {
            parsed = parse(record);
        } catch (ValidationException e) {
            return new RecordResult(Outcome.REJECTED, Validation.printableOrNull(clientId), e.getMessage());
        }
        try {
            Optional<ClientRecord> existing = store.findClient(parsed.clientId);
            if (existing.isPresent()) {
                return holds(existing.get(), parsed.key)
                        ? new RecordResult(Outcome.SKIPPED, parsed.clientId, null)
                        : conflict(parsed.clientId);
            }
            if (dryRun) {
                return plan(parsed, run);
            }
            changes.apply(ClientChanges.create(parsed.clientId, parsed.name, parsed.ref), "backfill",
                    parsed.ref.createdAt(), List.of());
            return new RecordResult(Outcome.IMPORTED, parsed.clientId, null);
        } catch (ClientAlreadyExistsException e) { // created meanwhile (a concurrent run): same check again
            return store.findClient(parsed.clientId).filter(c -> holds(c, parsed.key)).isPresent()
                    ? new RecordResult(Outcome.SKIPPED, parsed.clientId, null)
                    : conflict(parsed.clientId);
        } catch (ConcurrentModificationException e) { // the only create-time cause: the key is taken
            return new RecordResult(Outcome.CONFLICT, parsed.clientId,
                    "this key is already imported for another client; each key can belong to one client only");
        }
    }

    private static RecordResult plan(Parsed parsed, Run run) {
        TokenKey planned = run.plannedClients.putIfAbsent(parsed.clientId, parsed.key);
        if (planned != null) {
            return planned.equals(parsed.key)
                    ? new RecordResult(Outcome.SKIPPED, parsed.clientId, null)
                    : conflict(parsed.clientId);
        }
        String owner = run.plannedKeys.putIfAbsent(parsed.key, parsed.clientId);
        if (owner != null && !owner.equals(parsed.clientId)) {
            return new RecordResult(Outcome.CONFLICT, parsed.clientId,
                    "this key is already imported for another client; each key can belong to one client only");
        }
        return new RecordResult(Outcome.IMPORTED, parsed.clientId, null);
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
                        + "' unless it is a complete GraceKeys token (and LEGACY_TOKENS must be on)");
            }
            key = peppers.current().keyOf(r.key(), kind);
            tokenId = kind == TokenFormat.Kind.GRACEKEYS ? format.tokenIdOf(r.key()) : TokenHasher.legacyTokenId(key);
        } else {
            if (!TokenHasher.isSha256Hex(r.sha256())) {
                throw new ValidationException("sha256 must be 64 hexadecimal digits (the legacy SHA-256 of the key)");
            }
            if (!format.legacyTokens()) {
                throw new ValidationException("LEGACY_TOKENS is false, so a key imported by its SHA-256 could never"
                        + " verify: set LEGACY_TOKENS=true for the functions, then import again");
            }
            key = peppers.current().keyOfLegacySha256(r.sha256());
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
