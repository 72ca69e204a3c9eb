package dev.gracekeys.core.store;

/**
 * The store refused a {@link ClientChange} because a condition did not hold; nothing was written.
 * Internal: the services turn it into the named error the caller sees.
 */
public final class ChangeRejectedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public enum Reason {
        /** Creating a client whose id is taken. */
        CLIENT_EXISTS,
        /** The client's version moved (or the client is gone) since it was read. */
        VERSION_CHANGED,
        /** A new token's key exists already. */
        TOKEN_EXISTS,
        /** DynamoDB cancelled the transaction for a concurrent one on the same items. */
        TRANSACTION_CONFLICT
    }

    private final Reason reason;

    public ChangeRejectedException(Reason reason) {
        super(reason.name(), null, false, false);
        this.reason = reason;
    }

    /** Which condition of the change did not hold. */
    public Reason reason() {
        return reason;
    }
}
