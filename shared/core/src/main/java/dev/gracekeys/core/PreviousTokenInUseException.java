package dev.gracekeys.core;

/**
 * revoke-old with {@code ifUnusedForSeconds} refused: a live previous token of the client may have
 * been used within that many seconds, so revoking it (or moving its expiry) could cut off a caller
 * still pushing with it. Nothing was changed; the message says when it was last used and how to
 * proceed (wait and call again, or drop {@code ifUnusedForSeconds} to revoke anyway).
 */
public final class PreviousTokenInUseException extends GraceKeysException {

    private static final long serialVersionUID = 1L;

    public PreviousTokenInUseException(String message) {
        super(message);
    }
}
