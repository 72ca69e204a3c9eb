package dev.gracekeys.core.verify;

import dev.gracekeys.core.model.TokenRecord;
import dev.gracekeys.core.token.TokenKey;

/**
 * Moves a token found under the previous pepper to its key under the current one, so that a pepper
 * rotation needs no offline re-hash: each token is re-keyed the first time it is presented.
 */
@FunctionalInterface
public interface Rekeyer {

    /** Best effort: returns whether the token now lives under {@code currentKey}. */
    boolean rekey(TokenRecord found, TokenKey currentKey);

    Rekeyer NONE = (found, key) -> false;
}
