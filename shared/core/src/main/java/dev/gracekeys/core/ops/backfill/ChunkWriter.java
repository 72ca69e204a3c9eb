package dev.gracekeys.core.ops.backfill;

import dev.gracekeys.core.ConcurrentModificationException;
import dev.gracekeys.core.StoreUnavailableException;
import dev.gracekeys.core.model.ClientRecord;
import dev.gracekeys.core.ops.RotationRules;
import dev.gracekeys.core.store.BatchRejectedException;
import dev.gracekeys.core.store.ChangeRejectedException;
import dev.gracekeys.core.store.ClientChange;
import dev.gracekeys.core.store.ClientStore;
import dev.gracekeys.core.token.TokenKey;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Writes records to a store and settles each by {@link OutcomeRules}: a chunk of records (distinct
 * clients and keys) as one {@link ClientStore#applyAll}, every item conditional on not existing, or
 * one record alone. No read comes first: the store's refusal says which records exist, and only
 * those are read. The same code serves a dry run, over a {@link DryRunStore}.
 */
final class ChunkWriter {

    /**
     * Times the rest of a chunk is sent again after a refusal that was not about its own records
     * (a conflict with a concurrent request, or DynamoDB throttling the transaction), after a pause
     * of {@link #RETRY_PAUSE_MILLIS} doubling each time; then its records go one by one.
     */
    private static final int CHUNK_RETRIES = 3;
    private static final long RETRY_PAUSE_MILLIS = 50;

    private final ClientStore store;
    private final Pending.Settlement settlement;

    ChunkWriter(ClientStore store, Pending.Settlement settlement) {
        this.store = store;
        this.settlement = settlement;
    }

    /**
     * A chunk of records with distinct clients and keys, all created in one write; if the store
     * refuses some, those are settled (skipped or conflict) and the rest sent again. While the ring
     * holds more than one pepper, the records' keys under the other peppers are read first, in one
     * batch: a record whose key is stored under another pepper is settled by reading its client.
     * A failure of the chunk as a whole sends its records one by one, so that a failure is one
     * record's (and is where the run stops) while the others still go in.
     */
    void writeChunk(List<Pending> records) {
        List<Pending> todo;
        try {
            todo = notStoredUnderOtherPeppers(records);
        } catch (StoreUnavailableException e) {
            records.forEach(this::writeAlone);
            return;
        }
        for (int attempt = 0; !todo.isEmpty(); attempt++) {
            if (attempt > CHUNK_RETRIES) {
                todo.forEach(this::writeAlone);
                return;
            }
            List<ClientChange> creates = new ArrayList<>(todo.size());
            for (Pending p : todo) {
                creates.add(create(p.parsed()));
            }
            try {
                store.applyAll(creates);
                for (Pending p : todo) {
                    settlement.settle(p, OutcomeRules.imported(p.parsed()));
                }
                return;
            } catch (BatchRejectedException e) {
                List<Pending> again = new ArrayList<>();
                for (int i = 0; i < todo.size(); i++) {
                    Pending p = todo.get(i);
                    ChangeRejectedException.Reason reason = e.reason(i);
                    if (reason == ChangeRejectedException.Reason.CLIENT_EXISTS) {
                        guarded(p, () -> existing(p.parsed()));
                    } else if (reason == ChangeRejectedException.Reason.TOKEN_EXISTS) {
                        settlement.settle(p, OutcomeRules.keyTaken(p.parsed()));
                    } else {
                        again.add(p); // its own conditions held, or a conflict with a concurrent request
                    }
                }
                if (again.size() == todo.size()) {
                    pause(attempt); // nothing settled: a conflict or throttling, not our records
                }
                todo = again;
            } catch (StoreUnavailableException e) {
                todo.forEach(this::writeAlone);
                return;
            }
        }
    }

    /** One record on its own: read its client (and its key under other peppers), then create it. */
    void writeAlone(Pending p) {
        guarded(p, () -> {
            ParsedRecord parsed = p.parsed();
            Optional<ClientRecord> existing = store.findClient(parsed.clientId());
            if (existing.isPresent()) {
                return OutcomeRules.forExistingClient(existing.get(), parsed);
            }
            if (!parsed.otherKeys().isEmpty() && !store.findTokens(parsed.otherKeys()).isEmpty()) {
                return OutcomeRules.keyTaken(parsed); // another client holds it under another pepper
            }
            try {
                store.apply(create(parsed));
                return OutcomeRules.imported(parsed);
            } catch (ChangeRejectedException e) {
                return switch (e.reason()) {
                    case CLIENT_EXISTS -> existing(parsed); // created meanwhile (a concurrent run)
                    case TOKEN_EXISTS -> OutcomeRules.keyTaken(parsed);
                    case VERSION_CHANGED, TRANSACTION_CONFLICT -> throw new ConcurrentModificationException(
                            "record " + p.index() + " (" + OutcomeRules.who(parsed) + ") or its key was being changed by"
                                    + " another request during backfill; nothing was written for it: run backfill again");
                };
            }
        });
    }

    private static ClientChange create(ParsedRecord parsed) {
        return RotationRules.create(parsed.clientId(), parsed.name(), parsed.ref());
    }

    /**
     * The records whose key is under none of the other peppers (one batch read for the chunk);
     * the others are settled here. With one pepper, all of them and no read.
     */
    private List<Pending> notStoredUnderOtherPeppers(List<Pending> records) {
        List<TokenKey> others = new ArrayList<>();
        for (Pending p : records) {
            others.addAll(p.parsed().otherKeys());
        }
        if (others.isEmpty()) {
            return records;
        }
        Set<TokenKey> stored = store.findTokens(others).keySet();
        List<Pending> todo = new ArrayList<>(records.size());
        for (Pending p : records) {
            if (OutcomeRules.anyIn(p.parsed().otherKeys(), stored)) {
                guarded(p, () -> existingOrKeyTaken(p.parsed()));
            } else {
                todo.add(p);
            }
        }
        return todo;
    }

    /** The client exists: the record is done if it holds this very key, else a conflict. */
    private RecordResult existing(ParsedRecord parsed) {
        return store.findClient(parsed.clientId())
                .map(c -> OutcomeRules.forExistingClient(c, parsed))
                .orElseGet(() -> OutcomeRules.clientHasOtherTokens(parsed));
    }

    /** The key is stored under another pepper: the record's client holds it (skipped), or another does. */
    private RecordResult existingOrKeyTaken(ParsedRecord parsed) {
        return store.findClient(parsed.clientId())
                .map(c -> OutcomeRules.forExistingClient(c, parsed))
                .orElseGet(() -> OutcomeRules.keyTaken(parsed));
    }

    private void guarded(Pending p, Supplier<RecordResult> work) {
        try {
            settlement.settle(p, work.get());
        } catch (RuntimeException e) {
            settlement.fail(p, e);
        }
    }

    private static void pause(int attempt) {
        try {
            Thread.sleep(RETRY_PAUSE_MILLIS << attempt);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
