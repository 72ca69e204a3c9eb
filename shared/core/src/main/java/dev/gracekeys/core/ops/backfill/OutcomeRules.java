package dev.gracekeys.core.ops.backfill;

import dev.gracekeys.core.model.ClientRecord;
import dev.gracekeys.core.ops.backfill.RecordResult.Outcome;
import dev.gracekeys.core.token.TokenKey;

import java.util.Collection;
import java.util.List;

/**
 * Which record imports, which is skipped and which is a conflict, and the words for why. No I/O:
 * the writer asks these rules about what it read or what the store refused.
 *
 * <ul>
 *   <li>a record whose client does not exist and whose key no client holds: imported;</li>
 *   <li>its client exists and holds this very key (as current or previous token, under any
 *       pepper): skipped (a re-run gives the same table);</li>
 *   <li>its client exists with other tokens: a conflict (backfill never overwrites a client);</li>
 *   <li>its client does not exist but another client holds the key: a conflict (a key belongs to
 *       one client).</li>
 * </ul>
 * A clientId that looks like a key is never quoted: messages say "the record's clientId".
 */
public final class OutcomeRules {

    /** Stands for a clientId that must not be quoted (it looks like a key). */
    public static final String UNQUOTED_CLIENT = "the record's clientId";

    static final String KEY_TAKEN =
            "this key is already imported for another client; each key can belong to one client only";

    private OutcomeRules() {
    }

    /** The record was written: its client and token are new. */
    public static RecordResult imported(ParsedRecord record) {
        return new RecordResult(Outcome.IMPORTED, record.shownId(), null);
    }

    /** The record's client exists: skipped if it holds the record's key, else a conflict. */
    public static RecordResult forExistingClient(ClientRecord client, ParsedRecord record) {
        return holds(client, record.keys())
                ? new RecordResult(Outcome.SKIPPED, record.shownId(), null)
                : clientHasOtherTokens(record);
    }

    /** The record's client exists with other tokens (or vanished after refusing the create). */
    public static RecordResult clientHasOtherTokens(ParsedRecord record) {
        return new RecordResult(Outcome.CONFLICT, record.shownId(), who(record)
                + " already has other tokens; backfill never overwrites a client: rotate or revoke it instead");
    }

    /** The record's key is held by another client. */
    public static RecordResult keyTaken(ParsedRecord record) {
        return new RecordResult(Outcome.CONFLICT, record.shownId(), KEY_TAKEN);
    }

    /** A record that is not valid (or not even readable); {@code shownId} may be null. */
    public static RecordResult rejected(String shownId, String reason) {
        return new RecordResult(Outcome.REJECTED, shownId, reason);
    }

    /** The client as a message may name it. */
    public static String who(ParsedRecord record) {
        return record.shownId() == null ? UNQUOTED_CLIENT : "client '" + record.shownId() + "'";
    }

    /** Whether the client holds the key (under any pepper), as current or previous token. */
    public static boolean holds(ClientRecord client, List<TokenKey> keys) {
        return keys.contains(client.current().key()) || client.previous().stream().anyMatch(p -> keys.contains(p.key()));
    }

    /** Whether any of {@code keys} is in {@code in}. */
    public static boolean anyIn(List<TokenKey> keys, Collection<TokenKey> in) {
        for (TokenKey k : keys) {
            if (in.contains(k)) {
                return true;
            }
        }
        return false;
    }
}
