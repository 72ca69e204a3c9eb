package dev.gracekeys.core;

/**
 * rotate-secret refused to start or finish a scheduled rotation: promoting its token now would revoke
 * a live previous token before the end of its grace window (with {@code MAX_PREVIOUS_TOKENS} previous
 * tokens live already, a promotion pushes the oldest out), cutting off a caller still pushing with it.
 * Nothing was changed and AWSCURRENT was not moved; the message names the token, when its grace
 * window ends, and what to do (wait until then and let Secrets Manager retry or rotate again, or
 * revoke it first with revoke-old if it is unused).
 */
public final class GraceWindowOpenException extends GraceKeysException {

    private static final long serialVersionUID = 1L;

    public GraceWindowOpenException(String message) {
        super(message);
    }
}
