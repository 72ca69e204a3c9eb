package dev.gracekeys.core;

/**
 * rotate-secret's {@code testSecret} step: the pending token does not verify as the client's (the
 * client is inactive, the token was replaced by a later rotation, or the pepper changed). Secrets
 * Manager marks the rotation failed and AWSCURRENT stays where it was; the message says what was
 * found and what to do, never the token.
 */
public final class RotationTestFailedException extends GraceKeysException {

    private static final long serialVersionUID = 1L;

    public RotationTestFailedException(String message) {
        super(message);
    }
}
