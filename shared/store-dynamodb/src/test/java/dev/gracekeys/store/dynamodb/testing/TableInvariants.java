package dev.gracekeys.store.dynamodb.testing;

import dev.gracekeys.core.model.ClientRecord;
import dev.gracekeys.core.model.PendingToken;
import dev.gracekeys.core.model.Times;
import dev.gracekeys.core.model.TokenRecord;
import dev.gracekeys.core.model.TokenRef;
import dev.gracekeys.core.model.TokenSlot;
import dev.gracekeys.store.dynamodb.TableSchema;
import dev.gracekeys.core.token.TokenKey;
import dev.gracekeys.core.testing.StoreInvariants;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.gracekeys.store.dynamodb.TableSchema.*;

/**
 * Reads the whole table and lists every broken invariant: those of any store
 * ({@link StoreInvariants}: no dangling pointer, no orphan, expiry matching the slot), read from
 * the raw items, and the table's own:
 * <ul>
 *   <li>only previous-token items carry the expiry index attributes (and the TTL): not a pending one;</li>
 *   <li>a recorded answer (requestId) has its fields and is in no index;</li>
 *   <li>no item of an unknown kind.</li>
 * </ul>
 */
public final class TableInvariants {

    private TableInvariants() {
    }

    public static List<String> violations(TestTable table, Instant now) {
        List<String> problems = new ArrayList<>();
        List<ClientRecord> clients = new ArrayList<>();
        Map<TokenKey, TokenRecord> tokens = new HashMap<>();
        for (Map<String, AttributeValue> item : table.snapshot()) {
            String pk = item.get(PK).s();
            if (pk.startsWith(CLIENT_PREFIX)) {
                clients.add(client(pk.substring(CLIENT_PREFIX.length()), item));
            } else if (pk.startsWith(TableSchema.TOKEN_PREFIX)) {
                TokenKey key = TokenKey.of(pk.substring(TableSchema.TOKEN_PREFIX.length()));
                tokens.put(key, token(key, item));
                boolean previous = "previous".equals(item.get(SLOT).s());
                // Only previous tokens are in the expiry index and carry a TTL; a pending token has its
                // expiry but no TTL (its client's next change deletes it, never TTL behind its back).
                if (previous != item.containsKey(EXPIRY_SHARD) || previous != item.containsKey(TTL)) {
                    problems.add("token " + item.get(TOKEN_ID).s() + ": expiry attributes do not match its slot");
                }
            } else if (pk.startsWith(TableSchema.REQUEST_PREFIX)) {
                // A recorded answer for resends: its own fields only, never in an index.
                for (String a : List.of(TableSchema.REPLAY_FINGERPRINT, TableSchema.REPLAY_AT, TableSchema.REPLAY_FIELDS)) {
                    if (!item.containsKey(a)) {
                        problems.add(pk + " lacks " + a);
                    }
                }
                if (item.containsKey(TableSchema.CLIENT_LIST) || item.containsKey(TableSchema.EXPIRY_SHARD)) {
                    problems.add(pk + " is in an index");
                }
            } else {
                problems.add("unknown item " + pk);
            }
        }
        problems.addAll(StoreInvariants.violations(clients, tokens, now));
        return problems;
    }

    /** The client item as a record (the clientId from its key, as the pointers' owner). */
    private static ClientRecord client(String clientId, Map<String, AttributeValue> c) {
        List<TokenRef> previous = new ArrayList<>();
        for (AttributeValue p : c.get(PREVIOUS).l()) {
            previous.add(ref(p.m()));
        }
        return new ClientRecord(clientId, str(c, NAME), c.get(ACTIVE).bool(), Times.parse(str(c, CREATED_AT)),
                Long.parseLong(c.get(VERSION).n()), ref(c.get(CURRENT).m()), previous, str(c, DELIVER_TO),
                c.containsKey(PENDING) ? new PendingToken(ref(c.get(PENDING).m()), c.get(PENDING).m().get(REF_ROTATION).s(),
                        c.get(PENDING).m().containsKey(REF_FINISHING_AT)
                                ? Times.parse(c.get(PENDING).m().get(REF_FINISHING_AT).s()) : null)
                        : null);
    }

    private static TokenRef ref(Map<String, AttributeValue> m) {
        return new TokenRef(TokenKey.of(m.get(REF_KEY).s()), m.get(REF_TOKEN_ID).s(),
                Times.parse(m.get(REF_CREATED_AT).s()), m.containsKey(REF_EXPIRES_AT) ? Times.parse(m.get(REF_EXPIRES_AT).s()) : null);
    }

    private static TokenRecord token(TokenKey key, Map<String, AttributeValue> t) {
        return new TokenRecord(key, str(t, CLIENT_ID), str(t, TOKEN_ID), TokenSlot.fromWireName(str(t, SLOT)),
                t.get(ACTIVE).bool(), Times.parse(str(t, CREATED_AT)), Times.parse(str(t, EXPIRES_AT)),
                Times.parse(str(t, LAST_USED_AT)));
    }

    private static String str(Map<String, AttributeValue> item, String name) {
        AttributeValue v = item.get(name);
        return v == null ? null : v.s();
    }
}
