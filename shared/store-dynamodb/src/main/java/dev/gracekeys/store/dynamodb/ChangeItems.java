package dev.gracekeys.store.dynamodb;

import dev.gracekeys.core.model.ClientRecord;
import dev.gracekeys.core.model.Times;
import dev.gracekeys.core.model.TokenRef;
import dev.gracekeys.core.model.TokenSlot;
import dev.gracekeys.core.store.ClientChange;
import dev.gracekeys.core.store.Replay;
import dev.gracekeys.core.store.TokenWrite;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.gracekeys.store.dynamodb.ItemMapping.bool;
import static dev.gracekeys.store.dynamodb.ItemMapping.n;
import static dev.gracekeys.store.dynamodb.ItemMapping.refMap;
import static dev.gracekeys.store.dynamodb.TableSchema.*;

/**
 * The transaction items of a change, each with the condition that keeps it from overwriting what
 * it must not: a new client or token only where none exists, a changed client only at the version
 * read, a token item only while it is the client's. No I/O.
 */
final class ChangeItems {

    private final String table;
    private final Duration ttlDelay;

    ChangeItems(String table, Duration ttlDelay) {
        this.table = table;
        this.ttlDelay = ttlDelay;
    }

    /** The change's items in transaction order: its client item, then its token items. */
    void addTo(List<TransactWriteItem> items, ClientChange change) {
        items.add(clientPut(change));
        for (TokenWrite write : change.tokenWrites()) {
            items.add(tokenWrite(write, change.after()));
        }
    }

    /** The client item as a plain attribute map (the item a create puts). */
    Map<String, AttributeValue> clientItem(ClientRecord c) {
        Map<String, AttributeValue> item = new HashMap<>(clientKey(c.clientId()));
        item.put(CLIENT_ID, s(c.clientId()));
        if (c.name() != null) {
            item.put(NAME, s(c.name()));
        }
        item.put(ACTIVE, bool(c.active()));
        item.put(CREATED_AT, s(Times.format(c.createdAt())));
        item.put(VERSION, n(c.version()));
        item.put(CURRENT, refMap(c.current()));
        item.put(PREVIOUS, AttributeValue.builder().l(c.previous().stream().map(ItemMapping::refMap).toList()).build());
        item.put(CLIENT_LIST, s(CLIENT_LIST_VALUE));
        if (c.deliverTo() != null) {
            item.put(DELIVER_TO, s(c.deliverTo()));
        }
        if (c.pending() != null) {
            item.put(PENDING, ItemMapping.pendingMap(c.pending()));
        }
        return item;
    }

    /** A new token item as a plain attribute map (the item a create puts). */
    Map<String, AttributeValue> newTokenItem(TokenWrite.Create create, ClientRecord client) {
        Map<String, AttributeValue> item = new HashMap<>(tokenKey(create.key()));
        item.put(CLIENT_ID, s(client.clientId()));
        item.put(TOKEN_ID, s(create.ref().tokenId()));
        item.put(SLOT, s(create.slot().wireName()));
        item.put(ACTIVE, bool(client.active()));
        item.put(CREATED_AT, s(Times.format(create.ref().createdAt())));
        if (create.slot() == TokenSlot.PREVIOUS) {
            item.putAll(expiryAttributes(create.ref()));
        } else if (create.slot() == TokenSlot.PENDING && create.ref().expiresAt() != null) {
            item.put(EXPIRES_AT, s(Times.format(create.ref().expiresAt())));
        }
        return item;
    }

    TransactWriteItem replayPut(Replay replay) {
        Map<String, AttributeValue> item = new HashMap<>(replayKey(replay.requestId()));
        item.put(REPLAY_FINGERPRINT, s(replay.fingerprint()));
        item.put(REPLAY_AT, s(Times.format(replay.recordedAt())));
        Map<String, AttributeValue> fields = new HashMap<>();
        replay.fields().forEach((k, v) -> fields.put(k, s(v)));
        item.put(REPLAY_FIELDS, AttributeValue.builder().m(fields).build());
        // Housekeeping only: findReplay's caller checks the window itself.
        item.put(TTL, n(replay.recordedAt().plus(Replay.WINDOW).plus(ttlDelay).getEpochSecond()));
        return TransactWriteItem.builder().put(p -> p.tableName(table).item(item)
                .conditionExpression("attribute_not_exists(#pk) OR #at <= :windowStart")
                .expressionAttributeNames(Map.of("#pk", PK, "#at", REPLAY_AT))
                .expressionAttributeValues(Map.of(":windowStart",
                        s(Times.format(replay.recordedAt().minus(Replay.WINDOW)))))).build();
    }

    private TransactWriteItem clientPut(ClientChange change) {
        Map<String, AttributeValue> item = clientItem(change.after());
        return TransactWriteItem.builder().put(p -> {
            p.tableName(table).item(item);
            if (change.isCreate()) {
                p.conditionExpression("attribute_not_exists(#pk)").expressionAttributeNames(Map.of("#pk", PK));
            } else {
                p.conditionExpression("#v = :v")
                        .expressionAttributeNames(Map.of("#v", VERSION))
                        .expressionAttributeValues(Map.of(":v", n(change.before().version())));
            }
        }).build();
    }

    private TransactWriteItem tokenWrite(TokenWrite write, ClientRecord client) {
        String clientId = client.clientId();
        if (write instanceof TokenWrite.Create create) {
            Map<String, AttributeValue> item = newTokenItem(create, client);
            return TransactWriteItem.builder().put(p -> p
                    .tableName(table)
                    .item(item)
                    .conditionExpression("attribute_not_exists(#pk)")
                    .expressionAttributeNames(Map.of("#pk", PK))).build();
        }
        if (write instanceof TokenWrite.Update update) {
            Map<String, String> names = new HashMap<>(Map.of(
                    "#pk", PK, "#cid", CLIENT_ID, "#slot", SLOT, "#active", ACTIVE,
                    "#exp", EXPIRES_AT, "#ttl", TTL, "#shard", EXPIRY_SHARD));
            Map<String, AttributeValue> values = new HashMap<>(Map.of(
                    ":cid", s(clientId), ":slot", s(update.slot().wireName()), ":active", bool(client.active())));
            String expression;
            if (update.slot() == TokenSlot.PREVIOUS) {
                Map<String, AttributeValue> expiry = expiryAttributes(update.ref());
                values.put(":exp", expiry.get(EXPIRES_AT));
                values.put(":ttl", expiry.get(TTL));
                values.put(":shard", expiry.get(EXPIRY_SHARD));
                expression = "SET #slot = :slot, #active = :active, #exp = :exp, #ttl = :ttl, #shard = :shard";
            } else if (update.slot() == TokenSlot.PENDING && update.ref().expiresAt() != null) {
                // Its expiry for the verify, but no TTL and not in the expiry index.
                values.put(":exp", s(Times.format(update.ref().expiresAt())));
                expression = "SET #slot = :slot, #active = :active, #exp = :exp REMOVE #ttl, #shard";
            } else {
                // A current token, or a finishing pending one: no expiry.
                expression = "SET #slot = :slot, #active = :active REMOVE #exp, #ttl, #shard";
            }
            return TransactWriteItem.builder().update(u -> u
                    .tableName(table)
                    .key(tokenKey(update.key()))
                    .updateExpression(expression)
                    .conditionExpression("attribute_exists(#pk) AND #cid = :cid")
                    .expressionAttributeNames(names)
                    .expressionAttributeValues(values)).build();
        }
        TokenWrite.Delete delete = (TokenWrite.Delete) write;
        return TransactWriteItem.builder().delete(d -> d
                .tableName(table)
                .key(tokenKey(delete.key()))
                // Gone already (TTL) is fine; someone else's is not.
                .conditionExpression("attribute_not_exists(#pk) OR #cid = :cid")
                .expressionAttributeNames(Map.of("#pk", PK, "#cid", CLIENT_ID))
                .expressionAttributeValues(Map.of(":cid", s(clientId)))).build();
    }

    private Map<String, AttributeValue> expiryAttributes(TokenRef ref) {
        return Map.of(
                EXPIRES_AT, s(Times.format(ref.expiresAt())),
                TTL, n(ref.expiresAt().plus(ttlDelay).getEpochSecond()),
                EXPIRY_SHARD, s(expiryShard(ref.key())));
    }
}
