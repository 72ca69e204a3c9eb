package dev.gracekeys.store.dynamodb;

import dev.gracekeys.core.store.BatchRejectedException;
import dev.gracekeys.core.store.ChangeRejectedException;
import dev.gracekeys.core.store.ChangeRejectedException.Reason;
import dev.gracekeys.core.store.ClientChange;
import dev.gracekeys.core.store.Replay;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static dev.gracekeys.core.store.ClientStore.MAX_ITEMS_PER_APPLY;

/**
 * Client changes: every change is one TransactWriteItems whose first item is the client with an
 * optimistic version condition (or, for a create, a condition that it does not exist); the token
 * items ride in the same transaction, so a change lands whole or not at all.
 */
final class ClientWrites {

    private final DynamoDbClient dynamo;
    private final ChangeItems items;

    ClientWrites(DynamoDbClient dynamo, ChangeItems items) {
        this.dynamo = dynamo;
        this.items = items;
    }

    /** @see dev.gracekeys.core.store.ClientStore#apply(ClientChange, Replay) ({@code replay} may be null) */
    void apply(ClientChange change, Replay replay) {
        try {
            transact(List.of(change), "changing client " + change.after().clientId(), replay);
        } catch (BatchRejectedException e) {
            Reason reason = e.reason(0);
            throw new ChangeRejectedException(reason == null ? Reason.TRANSACTION_CONFLICT : reason);
        }
    }

    /** @see dev.gracekeys.core.store.ClientStore#applyAll */
    void applyAll(List<ClientChange> changes) {
        if (!changes.isEmpty()) {
            transact(changes, "changing " + changes.size() + " clients at once", null);
        }
    }

    /**
     * One TransactWriteItems for all the changes: per change, its client item, then its token
     * items; last, the replay item (if any), which must not exist yet unless it is past its window.
     */
    private void transact(List<ClientChange> changes, String what, Replay replay) {
        List<TransactWriteItem> request = new ArrayList<>();
        for (ClientChange change : changes) {
            items.addTo(request, change);
        }
        if (replay != null) {
            request.add(items.replayPut(replay));
        }
        if (request.size() > MAX_ITEMS_PER_APPLY) {
            throw new IllegalArgumentException(request.size() + " items in one transaction; at most " + MAX_ITEMS_PER_APPLY);
        }
        try {
            dynamo.transactWriteItems(r -> r
                    .transactItems(request)
                    // Makes the SDK's own retries idempotent: a retry of a transaction that did
                    // commit (response lost) succeeds instead of failing its conditions.
                    .clientRequestToken(UUID.randomUUID().toString()));
        } catch (TransactionCanceledException e) {
            throw new BatchRejectedException(StoreErrors.refused(changes, e));
        } catch (SdkException e) {
            throw StoreErrors.unavailable(what, e);
        }
    }
}
