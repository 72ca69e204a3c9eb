package dev.gracekeys.store.dynamodb;

import dev.gracekeys.core.model.ClientRecord;
import dev.gracekeys.core.model.PendingToken;
import dev.gracekeys.core.model.Times;
import dev.gracekeys.core.model.TokenRecord;
import dev.gracekeys.core.model.TokenRef;
import dev.gracekeys.core.model.TokenSlot;
import dev.gracekeys.core.token.TokenKey;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.gracekeys.store.dynamodb.TableSchema.*;

/** Items to domain records and back, for the parts of {@link DynamoDbStore}. No I/O. */
final class ItemMapping {

    private ItemMapping() {
    }

    static TokenRecord toTokenRecord(TokenKey key, Map<String, AttributeValue> item) {
        return new TokenRecord(
                key,
                str(item, CLIENT_ID),
                str(item, TOKEN_ID),
                TokenSlot.fromWireName(str(item, SLOT)),
                item.containsKey(ACTIVE) && Boolean.TRUE.equals(item.get(ACTIVE).bool()),
                Times.parse(str(item, CREATED_AT)),
                Times.parse(str(item, EXPIRES_AT)),
                Times.parse(str(item, LAST_USED_AT)));
    }

    /** The token key of a token item (its partition key without the prefix). */
    static TokenKey tokenKeyOf(Map<String, AttributeValue> item) {
        return TokenKey.of(item.get(PK).s().substring(TOKEN_PREFIX.length()));
    }

    static ClientRecord toClient(Map<String, AttributeValue> item) {
        List<TokenRef> previous = new ArrayList<>();
        if (item.containsKey(PREVIOUS)) {
            for (AttributeValue v : item.get(PREVIOUS).l()) {
                previous.add(toRef(v.m()));
            }
        }
        return new ClientRecord(
                str(item, CLIENT_ID),
                str(item, NAME),
                Boolean.TRUE.equals(item.get(ACTIVE).bool()),
                Times.parse(str(item, CREATED_AT)),
                Long.parseLong(item.get(VERSION).n()),
                toRef(item.get(CURRENT).m()),
                previous,
                str(item, DELIVER_TO),
                item.containsKey(PENDING) ? toPending(item.get(PENDING).m()) : null);
    }

    static AttributeValue pendingMap(PendingToken pending) {
        Map<String, AttributeValue> m = new LinkedHashMap<>(refMap(pending.ref()).m());
        m.put(REF_ROTATION, s(pending.rotationId()));
        if (pending.finishingAt() != null) {
            m.put(REF_FINISHING_AT, s(Times.format(pending.finishingAt())));
        }
        return AttributeValue.builder().m(m).build();
    }

    static PendingToken toPending(Map<String, AttributeValue> m) {
        return new PendingToken(toRef(m), m.get(REF_ROTATION).s(),
                m.containsKey(REF_FINISHING_AT) ? Times.parse(m.get(REF_FINISHING_AT).s()) : null);
    }

    static AttributeValue refMap(TokenRef ref) {
        Map<String, AttributeValue> m = new LinkedHashMap<>();
        m.put(REF_KEY, s(ref.key().value()));
        m.put(REF_TOKEN_ID, s(ref.tokenId()));
        m.put(REF_CREATED_AT, s(Times.format(ref.createdAt())));
        if (ref.expiresAt() != null) {
            m.put(REF_EXPIRES_AT, s(Times.format(ref.expiresAt())));
        }
        return AttributeValue.builder().m(m).build();
    }

    static TokenRef toRef(Map<String, AttributeValue> m) {
        return new TokenRef(
                TokenKey.of(m.get(REF_KEY).s()),
                m.get(REF_TOKEN_ID).s(),
                Times.parse(m.get(REF_CREATED_AT).s()),
                m.containsKey(REF_EXPIRES_AT) ? Times.parse(m.get(REF_EXPIRES_AT).s()) : null);
    }

    static String str(Map<String, AttributeValue> item, String name) {
        AttributeValue v = item.get(name);
        return v == null ? null : v.s();
    }

    static AttributeValue bool(boolean b) {
        return AttributeValue.builder().bool(b).build();
    }

    static AttributeValue n(long v) {
        return AttributeValue.builder().n(Long.toString(v)).build();
    }
}
