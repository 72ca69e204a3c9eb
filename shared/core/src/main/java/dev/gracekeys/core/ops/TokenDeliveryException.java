package dev.gracekeys.core.ops;

import dev.gracekeys.core.GraceKeysException;

/** The new token could not be written to its delivery secret; the message says what to check. */
public final class TokenDeliveryException extends GraceKeysException {

    private static final long serialVersionUID = 1L;

    public TokenDeliveryException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public boolean retryable() {
        return true;
    }
}
