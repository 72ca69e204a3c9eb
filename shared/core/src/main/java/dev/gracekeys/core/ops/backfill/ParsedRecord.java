package dev.gracekeys.core.ops.backfill;

import dev.gracekeys.core.model.TokenRef;
import dev.gracekeys.core.token.TokenKey;

import java.util.List;

/**
 * A valid record, ready to import.
 *
 * @param shownId the clientId as results and messages may show it, or {@code null} when it looks
 *                like a key
 * @param keys    the key under every pepper of the view; first the one a new token is written
 *                under (the pepper for new tokens, as in {@code ref})
 * @param ref     the token the new client gets as its current one
 */
public record ParsedRecord(String clientId, String shownId, String name, List<TokenKey> keys, TokenRef ref) {

    public ParsedRecord {
        keys = List.copyOf(keys);
    }

    /** The key under the peppers other than the one for new tokens (none while the ring holds one). */
    public List<TokenKey> otherKeys() {
        return keys.subList(1, keys.size());
    }

    @Override
    public String toString() {
        return "ParsedRecord[clientId=" + (shownId == null ? "<not shown>" : shownId) + ", keys=<redacted>]";
    }
}
