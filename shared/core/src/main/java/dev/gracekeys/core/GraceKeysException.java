package dev.gracekeys.core;

/**
 * Base of every error GraceKeys reports to a caller. The simple class name is the error's name
 * (Lambda puts it in {@code errorType}); the message says what was wrong and how to fix it, and
 * never contains a token, a hash or the pepper.
 */
public abstract class GraceKeysException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    protected GraceKeysException(String message) {
        super(message);
    }

    protected GraceKeysException(String message, Throwable cause) {
        super(message, cause);
    }

    /** Whether the same request may succeed if simply sent again. */
    public boolean retryable() {
        return false;
    }
}
