package dev.gracekeys.core;

/** The request is invalid; the message names the field and what it accepts. */
public final class ValidationException extends GraceKeysException {

    private static final long serialVersionUID = 1L;

    public ValidationException(String message) {
        super(message);
    }
}
