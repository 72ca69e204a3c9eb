package dev.gracekeys.core.store;

import dev.gracekeys.core.model.TokenRef;
import dev.gracekeys.core.model.TokenSlot;
import dev.gracekeys.core.token.TokenKey;

/** One token item written as part of a {@link ClientChange}. */
public sealed interface TokenWrite {

    /** The token item this write is about. */
    TokenKey key();

    /** A new token item; fails the change if the key exists (it belongs to someone). */
    record Create(TokenRef ref, TokenSlot slot) implements TokenWrite {
        @Override
        public TokenKey key() {
            return ref.key();
        }
    }

    /** Moves an existing token item of this client to a slot, expiry and status. */
    record Update(TokenRef ref, TokenSlot slot) implements TokenWrite {
        @Override
        public TokenKey key() {
            return ref.key();
        }
    }

    /** Removes a token item of this client (or nothing, if it is gone already). */
    record Delete(TokenKey key) implements TokenWrite {
    }
}
