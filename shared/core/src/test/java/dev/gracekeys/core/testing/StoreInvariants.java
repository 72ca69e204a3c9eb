package dev.gracekeys.core.testing;

import dev.gracekeys.core.model.ClientRecord;
import dev.gracekeys.core.model.TokenRecord;
import dev.gracekeys.core.model.TokenRef;
import dev.gracekeys.core.model.TokenSlot;
import dev.gracekeys.core.token.TokenKey;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The invariants of a store's whole state, whatever holds it (the table: {@link TableInvariants};
 * the {@link InMemoryStore}):
 * <ul>
 *   <li>no dangling pointer: a client's current token, and each previous token still in its grace
 *       window, exists, belongs to that client, is in the slot the client says, with the same
 *       expiry and the client's active flag;</li>
 *   <li>no orphan: every token item is pointed at by its client;</li>
 *   <li>a previous token has an expiry and a current one none; a pending one has one unless it is
 *       finishing (and then none, on the client's pointer and on its item alike);</li>
 *   <li>a pending token's item exists while its client points at it, expired or not (it has no TTL).</li>
 * </ul>
 * An expired previous entry may point at nothing (TTL may have deleted its item): it is rejected
 * by its expiry whatever the item says.
 */
public final class StoreInvariants {

    private StoreInvariants() {
    }

    public static List<String> violations(Collection<ClientRecord> clients, Map<TokenKey, TokenRecord> tokens,
                                          Instant now) {
        List<String> problems = new ArrayList<>();
        Map<TokenKey, String> referencedBy = new HashMap<>();
        for (ClientRecord c : clients) {
            String clientId = c.clientId();
            referencedBy.put(c.current().key(), clientId);
            check(problems, clientId, "current", tokens.get(c.current().key()), TokenSlot.CURRENT, null, c.active());
            for (TokenRef p : c.previous()) {
                referencedBy.put(p.key(), clientId);
                if (p.expiresAt().isAfter(now) || tokens.containsKey(p.key())) {
                    check(problems, clientId, "previous " + p.tokenId(), tokens.get(p.key()), TokenSlot.PREVIOUS,
                            p.expiresAt(), c.active());
                }
            }
            if (c.pending() != null) {
                // No TTL on a pending token: its item must exist, expired or not, while the client points at it.
                TokenRef p = c.pending().ref();
                referencedBy.put(p.key(), clientId);
                if ((p.expiresAt() == null) != c.pending().isFinishing()) {
                    problems.add("client " + clientId + ": its pending token " + (p.expiresAt() == null
                            ? "has no expiry but is not finishing" : "is finishing but has an expiry"));
                }
                check(problems, clientId, "pending " + p.tokenId(), tokens.get(p.key()), TokenSlot.PENDING,
                        p.expiresAt(), c.active());
            }
        }
        for (var entry : tokens.entrySet()) {
            TokenRecord t = entry.getValue();
            if (!t.clientId().equals(referencedBy.get(entry.getKey()))) {
                problems.add("orphaned token item " + t.tokenId() + " of client " + t.clientId()
                        + ": its client does not point at it");
            }
            if (t.slot() != TokenSlot.PENDING && (t.slot() != TokenSlot.CURRENT) != (t.expiresAt() != null)) {
                problems.add("token " + t.tokenId() + ": its expiry does not match its slot");
            }
        }
        return problems;
    }

    private static void check(List<String> problems, String clientId, String what, TokenRecord token,
                              TokenSlot slot, Instant expiresAt, boolean active) {
        if (token == null) {
            problems.add("client " + clientId + ": dangling pointer, its " + what + " token item is missing");
            return;
        }
        if (!clientId.equals(token.clientId())) {
            problems.add("client " + clientId + ": its " + what + " token belongs to " + token.clientId());
        }
        if (slot != token.slot()) {
            problems.add("client " + clientId + ": its " + what + " token is in slot " + token.slot().wireName());
        }
        if (!Objects.equals(expiresAt, token.expiresAt())) {
            problems.add("client " + clientId + ": its " + what + " token expires at " + token.expiresAt()
                    + ", client says " + expiresAt);
        }
        if (token.active() != active) {
            problems.add("client " + clientId + ": its " + what + " token's active flag differs from the client's");
        }
    }
}
