package dev.gracekeys.core;

/**
 * Another change to the same client won the race (optimistic version check, or a DynamoDB
 * transaction conflict). Nothing was written; read the client again and retry.
 */
public final class ConcurrentModificationException extends GraceKeysException {

    private static final long serialVersionUID = 1L;

    public ConcurrentModificationException(String message) {
        super(message);
    }

    @Override
    public boolean retryable() {
        return true;
    }
}
