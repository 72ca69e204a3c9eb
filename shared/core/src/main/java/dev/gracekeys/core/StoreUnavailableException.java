package dev.gracekeys.core;

/**
 * DynamoDB did not answer (throttled, timed out, unreachable). The operation either fully happened
 * or not at all (every change is one transaction); retrying is safe.
 */
public final class StoreUnavailableException extends GraceKeysException {

    private static final long serialVersionUID = 1L;

    public StoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public boolean retryable() {
        return true;
    }
}
