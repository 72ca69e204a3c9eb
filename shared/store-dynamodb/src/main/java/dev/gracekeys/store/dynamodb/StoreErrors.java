package dev.gracekeys.store.dynamodb;

import dev.gracekeys.core.StoreUnavailableException;
import dev.gracekeys.core.store.ChangeRejectedException.Reason;
import dev.gracekeys.core.store.ClientChange;
import dev.gracekeys.core.store.TokenWrite;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The shared mapping of DynamoDB's refusals and failures to the store ports' exceptions: a
 * cancelled transaction's reasons to the {@link Reason} of each change, and any other SDK error to
 * a {@link StoreUnavailableException} that never quotes a request value.
 */
final class StoreErrors {

    private StoreErrors() {
    }

    /**
     * Why each change was refused, from the cancellation reasons (one per item, in request order:
     * per change its client item, then its token items).
     * Within a change, a transaction conflict wins (retry as is); then its first failed condition:
     * on the client item the client exists (create) or moved on (update), on a new token item the key
     * is taken, on any other token item the client is not as read. Any other code (throttling, say)
     * is a conflict too: retryable. With no reasons at all, every change counts as conflicted.
     */
    static Map<Integer, Reason> refused(List<ClientChange> changes, TransactionCanceledException e) {
        List<CancellationReason> reasons = e.hasCancellationReasons() ? e.cancellationReasons() : List.of();
        Map<Integer, Reason> refused = new HashMap<>();
        int first = 0;
        for (int c = 0; c < changes.size(); c++) {
            ClientChange change = changes.get(c);
            int end = first + 1 + change.tokenWrites().size();
            Reason reason = null;
            boolean otherError = false;
            for (int i = first; i < end && i < reasons.size(); i++) {
                String code = reasons.get(i).code();
                if ("TransactionConflict".equals(code)) {
                    reason = Reason.TRANSACTION_CONFLICT;
                    break;
                }
                if ("ConditionalCheckFailed".equals(code)) {
                    if (reason == null) {
                        reason = i == first
                                ? (change.isCreate() ? Reason.CLIENT_EXISTS : Reason.VERSION_CHANGED)
                                : change.tokenWrites().get(i - first - 1) instanceof TokenWrite.Create
                                        ? Reason.TOKEN_EXISTS
                                        // A token item of this client is not as the client item says.
                                        : Reason.VERSION_CHANGED;
                    }
                } else if (code != null && !"None".equals(code)) {
                    otherError = true;
                }
            }
            if (reason == null && otherError) {
                reason = Reason.TRANSACTION_CONFLICT;
            }
            if (reason != null) {
                refused.put(c, reason);
            }
            first = end;
        }
        if (refused.isEmpty()) {
            for (int c = 0; c < changes.size(); c++) {
                refused.put(c, Reason.TRANSACTION_CONFLICT);
            }
        }
        return refused;
    }

    /** DynamoDB did not answer (or refused the request as a whole) while doing {@code what}. */
    static StoreUnavailableException unavailable(String what, SdkException e) {
        // The SDK message can quote request values; name only the error code.
        String code = e instanceof AwsServiceException ase && ase.awsErrorDetails() != null
                ? ase.awsErrorDetails().errorCode()
                : e.getClass().getSimpleName();
        return new StoreUnavailableException("DynamoDB did not answer while " + what + " (" + code
                + "). A change is all-or-nothing: it happened in full or not at all. Before retrying a rotate,"
                + " describe the client to see which; if it persists, check the table and the function's"
                + " permissions", null);
    }
}
