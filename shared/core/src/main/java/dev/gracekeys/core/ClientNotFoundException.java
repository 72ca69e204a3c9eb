package dev.gracekeys.core;

/** No client has this clientId. */
public final class ClientNotFoundException extends GraceKeysException {

    private static final long serialVersionUID = 1L;

    public ClientNotFoundException(String message) {
        super(message);
    }
}
