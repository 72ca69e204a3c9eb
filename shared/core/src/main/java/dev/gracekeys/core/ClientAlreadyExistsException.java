package dev.gracekeys.core;

/** A client with this clientId exists already. */
public final class ClientAlreadyExistsException extends GraceKeysException {

    private static final long serialVersionUID = 1L;

    public ClientAlreadyExistsException(String message) {
        super(message);
    }
}
