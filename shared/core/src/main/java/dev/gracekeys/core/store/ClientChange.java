package dev.gracekeys.core.store;

import dev.gracekeys.core.model.ClientRecord;
import dev.gracekeys.core.model.TokenRef;

import java.util.List;
import java.util.Objects;

/**
 * One atomic change of a client and its token items: the store applies all of it or none.
 *
 * @param before        the client as read ({@code null} to create it): the change applies only if
 *                      the stored version is still {@code before.version()}
 * @param after         the client as it will be
 * @param tokenWrites   the token items to create, update or delete with it
 * @param revoked       live previous tokens this change stops (for events)
 * @param expired       previous tokens past their expiry that this change removes (for events)
 */
public record ClientChange(
        ClientRecord before,
        ClientRecord after,
        List<TokenWrite> tokenWrites,
        List<TokenRef> revoked,
        List<TokenRef> expired) {

    public ClientChange {
        Objects.requireNonNull(after, "after");
        tokenWrites = List.copyOf(tokenWrites);
        revoked = List.copyOf(revoked);
        expired = List.copyOf(expired);
        if (before != null && after.version() != before.version() + 1) {
            throw new IllegalArgumentException("a change moves the version by exactly one");
        }
    }

    /** Whether this change creates the client (there is no {@code before}). */
    public boolean isCreate() {
        return before == null;
    }
}
