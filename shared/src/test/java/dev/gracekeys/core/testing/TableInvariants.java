package dev.gracekeys.core.testing;

import dev.gracekeys.core.store.dynamodb.TableSchema;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.gracekeys.core.store.dynamodb.TableSchema.*;

/**
 * Reads the whole table and lists every broken invariant:
 * <ul>
 *   <li>no dangling pointer: a client's current token, and each previous token still in its grace
 *       window, exists, belongs to that client, is in the slot the client says, with the same
 *       expiry and the client's active flag;</li>
 *   <li>no orphan: every token item is pointed at by its client;</li>
 *   <li>only previous-token items carry the expiry index attributes.</li>
 * </ul>
 * An expired previous entry may point at nothing (TTL may have deleted its item): it is rejected
 * by its expiry whatever the item says.
 */
public final class TableInvariants {

    private TableInvariants() {
    }

    public static List<String> violations(TestTable table, Instant now) {
        List<String> problems = new ArrayList<>();
        Map<String, Map<String, AttributeValue>> clients = new HashMap<>();
        Map<String, Map<String, AttributeValue>> tokens = new HashMap<>();
        for (Map<String, AttributeValue> item : table.snapshot()) {
            String pk = item.get(PK).s();
            if (pk.startsWith(CLIENT_PREFIX)) {
                clients.put(pk.substring(CLIENT_PREFIX.length()), item);
            } else if (pk.startsWith(TableSchema.TOKEN_PREFIX)) {
                tokens.put(pk.substring(TableSchema.TOKEN_PREFIX.length()), item);
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
        Map<String, String> referencedBy = new HashMap<>();
        for (var entry : clients.entrySet()) {
            String clientId = entry.getKey();
            Map<String, AttributeValue> c = entry.getValue();
            boolean active = c.get(ACTIVE).bool();
            Map<String, AttributeValue> cur = c.get(CURRENT).m();
            referencedBy.put(cur.get(REF_KEY).s(), clientId);
            check(problems, clientId, "current", tokens.get(cur.get(REF_KEY).s()), "current", null, active);
            for (AttributeValue p : c.get(PREVIOUS).l()) {
                Map<String, AttributeValue> ref = p.m();
                String key = ref.get(REF_KEY).s();
                referencedBy.put(key, clientId);
                Instant exp = Instant.parse(ref.get(REF_EXPIRES_AT).s());
                if (exp.isAfter(now) || tokens.containsKey(key)) {
                    check(problems, clientId, "previous " + ref.get(REF_TOKEN_ID).s(), tokens.get(key), "previous",
                            ref.get(REF_EXPIRES_AT).s(), active);
                }
            }
        }
        for (var entry : tokens.entrySet()) {
            Map<String, AttributeValue> t = entry.getValue();
            String owner = t.get(CLIENT_ID).s();
            if (!owner.equals(referencedBy.get(entry.getKey()))) {
                problems.add("orphaned token item " + t.get(TOKEN_ID).s() + " of client " + owner
                        + ": its client does not point at it");
            }
            boolean previous = "previous".equals(t.get(SLOT).s());
            if (previous != t.containsKey(EXPIRY_SHARD) || previous != t.containsKey(TTL)) {
                problems.add("token " + t.get(TOKEN_ID).s() + ": expiry attributes do not match its slot");
            }
        }
        return problems;
    }

    private static void check(List<String> problems, String clientId, String what, Map<String, AttributeValue> token,
                              String slot, String expiresAt, boolean active) {
        if (token == null) {
            problems.add("client " + clientId + ": dangling pointer, its " + what + " token item is missing");
            return;
        }
        if (!clientId.equals(token.get(CLIENT_ID).s())) {
            problems.add("client " + clientId + ": its " + what + " token belongs to " + token.get(CLIENT_ID).s());
        }
        if (!slot.equals(token.get(SLOT).s())) {
            problems.add("client " + clientId + ": its " + what + " token is in slot " + token.get(SLOT).s());
        }
        String itemExp = token.containsKey(EXPIRES_AT) ? token.get(EXPIRES_AT).s() : null;
        if (expiresAt == null ? itemExp != null : !expiresAt.equals(itemExp)) {
            problems.add("client " + clientId + ": its " + what + " token expires at " + itemExp + ", client says " + expiresAt);
        }
        if (token.get(ACTIVE).bool() != active) {
            problems.add("client " + clientId + ": its " + what + " token's active flag differs from the client's");
        }
    }
}
