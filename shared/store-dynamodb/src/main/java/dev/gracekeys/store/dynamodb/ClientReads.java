package dev.gracekeys.store.dynamodb;

import dev.gracekeys.core.StoreUnavailableException;
import dev.gracekeys.core.model.ClientRecord;
import dev.gracekeys.core.model.TokenRecord;
import dev.gracekeys.core.store.ClientStore.ClientPage;
import dev.gracekeys.core.store.Replay;
import dev.gracekeys.core.token.TokenKey;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.GetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static dev.gracekeys.store.dynamodb.ItemMapping.str;
import static dev.gracekeys.store.dynamodb.TableSchema.*;

/** The ops' reads: a client, a recorded replay, token items in bulk, the client list. Strongly consistent. */
final class ClientReads {

    /** BatchGetItem's limit of keys per request. */
    private static final int BATCH_GET = 100;

    private final DynamoDbClient dynamo;
    private final String table;

    ClientReads(DynamoDbClient dynamo, String table) {
        this.dynamo = dynamo;
        this.table = table;
    }

    Optional<ClientRecord> findClient(String clientId) {
        try {
            GetItemResponse response = dynamo.getItem(r -> r.tableName(table).key(clientKey(clientId)).consistentRead(true));
            return response.hasItem() && !response.item().isEmpty()
                    ? Optional.of(ItemMapping.toClient(response.item()))
                    : Optional.empty();
        } catch (SdkException e) {
            // Not the id: it is the caller's input, not yet known to be a client (it may be a pasted key).
            throw StoreErrors.unavailable("reading a client", e);
        }
    }

    Optional<Replay> findReplay(String requestId) {
        try {
            GetItemResponse response = dynamo.getItem(r -> r.tableName(table).key(replayKey(requestId)).consistentRead(true));
            if (!response.hasItem() || response.item().isEmpty()) {
                return Optional.empty();
            }
            Map<String, AttributeValue> item = response.item();
            Map<String, String> fields = new HashMap<>();
            AttributeValue f = item.get(REPLAY_FIELDS);
            if (f != null && f.hasM()) {
                f.m().forEach((k, v) -> fields.put(k, v.s()));
            }
            return Optional.of(new Replay(requestId, str(item, REPLAY_FINGERPRINT),
                    Instant.parse(str(item, REPLAY_AT)), fields));
        } catch (SdkException e) {
            throw StoreErrors.unavailable("reading the answer recorded for a requestId", e);
        }
    }

    Map<TokenKey, TokenRecord> findTokens(Collection<TokenKey> keys) {
        Map<TokenKey, TokenRecord> found = new HashMap<>();
        List<TokenKey> all = List.copyOf(keys);
        try {
            for (int from = 0; from < all.size(); from += BATCH_GET) {
                List<Map<String, AttributeValue>> batch = new ArrayList<>();
                for (TokenKey k : all.subList(from, Math.min(all.size(), from + BATCH_GET))) {
                    batch.add(tokenKey(k));
                }
                Map<String, KeysAndAttributes> request = Map.of(table, KeysAndAttributes.builder()
                        .keys(batch).consistentRead(true).build());
                for (int attempt = 0; !request.isEmpty(); attempt++) {
                    if (attempt == 8) {
                        throw new StoreUnavailableException(
                                "DynamoDB kept throttling a batch read; retry in a moment", null);
                    }
                    Map<String, KeysAndAttributes> pending = request;
                    BatchGetItemResponse response = dynamo.batchGetItem(r -> r.requestItems(pending));
                    for (Map<String, AttributeValue> item : response.responses().getOrDefault(table, List.of())) {
                        TokenKey k = ItemMapping.tokenKeyOf(item);
                        found.put(k, ItemMapping.toTokenRecord(k, item));
                    }
                    request = response.hasUnprocessedKeys() ? response.unprocessedKeys() : Map.of();
                }
            }
            return found;
        } catch (SdkException e) {
            throw StoreErrors.unavailable("reading tokens", e);
        }
    }

    ClientPage listClients(int limit, String afterClientId) {
        Map<String, AttributeValue> values = new HashMap<>();
        values.put(":list", s(CLIENT_LIST_VALUE));
        String condition = "#list = :list";
        if (afterClientId != null) {
            condition += " AND #cid > :after";
            values.put(":after", s(afterClientId));
        }
        String keyCondition = condition;
        try {
            QueryResponse response = dynamo.query(r -> r
                    .tableName(table)
                    .indexName(CLIENT_INDEX)
                    .keyConditionExpression(keyCondition)
                    .expressionAttributeNames(afterClientId != null
                            ? Map.of("#list", CLIENT_LIST, "#cid", CLIENT_ID)
                            : Map.of("#list", CLIENT_LIST))
                    .expressionAttributeValues(values)
                    .limit(limit));
            List<ClientRecord> clients = response.items().stream().map(ItemMapping::toClient).toList();
            String last = response.hasLastEvaluatedKey() && !response.lastEvaluatedKey().isEmpty() && !clients.isEmpty()
                    ? clients.get(clients.size() - 1).clientId()
                    : null;
            return new ClientPage(clients, last);
        } catch (SdkException e) {
            throw StoreErrors.unavailable("listing clients", e);
        }
    }
}
