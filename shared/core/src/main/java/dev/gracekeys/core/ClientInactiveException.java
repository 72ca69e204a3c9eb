package dev.gracekeys.core;

/** The client is deactivated (set-status active=false); reactivate it first. */
public final class ClientInactiveException extends GraceKeysException {

    private static final long serialVersionUID = 1L;

    public ClientInactiveException(String message) {
        super(message);
    }
}
