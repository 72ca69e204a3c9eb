package dev.gracekeys.store.dynamodb;

import dev.gracekeys.core.StoreUnavailableException;
import dev.gracekeys.core.model.Times;
import dev.gracekeys.core.model.TokenSlot;
import dev.gracekeys.core.store.ClientStore.ExpiringToken;
import dev.gracekeys.core.store.SweepStore;
import dev.gracekeys.core.store.SweepStore.NoticeClaim;
import dev.gracekeys.core.token.TokenKey;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemResponse;

import java.time.Instant;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Set;

import static dev.gracekeys.store.dynamodb.ItemMapping.str;
import static dev.gracekeys.store.dynamodb.TableSchema.*;

/**
 * The expiry sweep's work: the sparse expiry index read shard by shard and page by page, the
 * once-per-token expiring-soon notice (claimed and released with conditions), and the deletion of
 * expired orphan token items.
 */
final class SweepItems {

    private final DynamoDbClient dynamo;
    private final String table;
    private final int expiryPage;

    SweepItems(DynamoDbClient dynamo, String table, int expiryPage) {
        this.dynamo = dynamo;
        this.table = table;
        this.expiryPage = expiryPage;
    }

    Iterable<ExpiringToken> previousTokensExpiring(Instant after, Instant until) {
        return () -> new ExpiryIndexReader(after, until);
    }

    /**
     * Walks the expiry index shard by shard, one page (of {@link DynamoDbStore#EXPIRY_PAGE} items by default) at
     * a time, fetching the next page only when the caller asks for the next item.
     */
    private final class ExpiryIndexReader implements Iterator<ExpiringToken> {
        private final String condition;
        private final Map<String, AttributeValue> bounds = new HashMap<>();
        /** The shard being read; -1 before the first. */
        private int shard = -1;
        /** Where the shard's next page starts; null once the shard is read to its end. */
        private Map<String, AttributeValue> nextPage;
        private Iterator<Map<String, AttributeValue>> page = Collections.emptyIterator();

        ExpiryIndexReader(Instant after, Instant until) {
            bounds.put(":until", s(Times.format(until)));
            if (after == null) {
                condition = "#shard = :shard AND #exp <= :until";
            } else {
                // Times are whole seconds, so "> after" is ">= after + 1 s".
                bounds.put(":from", s(Times.format(Times.second(after).plusSeconds(1))));
                condition = "#shard = :shard AND #exp BETWEEN :from AND :until";
            }
        }

        @Override
        public boolean hasNext() {
            while (!page.hasNext()) {
                if (nextPage == null) {
                    if (shard + 1 >= EXPIRY_SHARDS) {
                        return false;
                    }
                    shard++;
                }
                QueryResponse response = query(shard, nextPage);
                page = response.items().iterator();
                nextPage = response.hasLastEvaluatedKey() && !response.lastEvaluatedKey().isEmpty()
                        ? response.lastEvaluatedKey()
                        : null;
            }
            return true;
        }

        @Override
        public ExpiringToken next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            Map<String, AttributeValue> item = page.next();
            return new ExpiringToken(
                    ItemMapping.tokenKeyOf(item),
                    str(item, CLIENT_ID),
                    str(item, TOKEN_ID),
                    Times.parse(str(item, EXPIRES_AT)));
        }

        private QueryResponse query(int shardToRead, Map<String, AttributeValue> startKey) {
            Map<String, AttributeValue> values = new HashMap<>(bounds);
            values.put(":shard", s(Integer.toString(shardToRead)));
            try {
                return dynamo.query(r -> r
                        .tableName(table)
                        .indexName(EXPIRY_INDEX)
                        .keyConditionExpression(condition)
                        .expressionAttributeNames(Map.of("#shard", EXPIRY_SHARD, "#exp", EXPIRES_AT))
                        .expressionAttributeValues(values)
                        .exclusiveStartKey(startKey)
                        .limit(expiryPage));
            } catch (SdkException e) {
                throw StoreErrors.unavailable("reading the expiry index", e);
            }
        }
    }

    Set<TokenKey> expiringSoonNoticesSent(List<ExpiringToken> tokens) {
        if (tokens.size() > SweepStore.MAX_NOTICE_READ) {
            throw new IllegalArgumentException(tokens.size() + " tokens in one read; at most " + SweepStore.MAX_NOTICE_READ);
        }
        Map<TokenKey, String> expiries = new HashMap<>();
        tokens.forEach(t -> expiries.put(t.key(), Times.format(t.expiresAt())));
        Set<TokenKey> sent = new HashSet<>();
        if (expiries.isEmpty()) {
            return sent;
        }
        Map<String, KeysAndAttributes> request = Map.of(table, KeysAndAttributes.builder()
                .keys(expiries.keySet().stream().map(TableSchema::tokenKey).toList())
                // Eventually consistent, half the cost: a stale answer only costs a refused claim.
                .consistentRead(false)
                .projectionExpression("#pk, #sent")
                .expressionAttributeNames(Map.of("#pk", PK, "#sent", SOON_SENT_FOR))
                .build());
        try {
            for (int attempt = 0; !request.isEmpty(); attempt++) {
                if (attempt == 8) {
                    throw new StoreUnavailableException(
                            "DynamoDB kept throttling a batch read; run the sweep again in a moment", null);
                }
                Map<String, KeysAndAttributes> pending = request;
                BatchGetItemResponse response = dynamo.batchGetItem(r -> r.requestItems(pending));
                for (Map<String, AttributeValue> item : response.responses().getOrDefault(table, List.of())) {
                    TokenKey key = ItemMapping.tokenKeyOf(item);
                    String sentFor = str(item, SOON_SENT_FOR);
                    if (sentFor != null && sentFor.equals(expiries.get(key))) {
                        sent.add(key);
                    }
                }
                request = response.hasUnprocessedKeys() ? response.unprocessedKeys() : Map.of();
            }
            return sent;
        } catch (SdkException e) {
            throw StoreErrors.unavailable("reading which expiring-soon notices were sent", e);
        }
    }

    Optional<NoticeClaim> claimExpiringSoonNotice(ExpiringToken token) {
        String expiresAt = Times.format(token.expiresAt());
        try {
            UpdateItemResponse response = dynamo.updateItem(r -> r
                    .tableName(table)
                    .key(tokenKey(token.key()))
                    .updateExpression("SET #sent = :exp")
                    // Still this client's previous token with this expiry, and its notice for that
                    // expiry not claimed yet: the one check that makes the notice once per token.
                    .conditionExpression("#cid = :cid AND #slot = :prev AND #exp = :exp"
                            + " AND (attribute_not_exists(#sent) OR #sent <> :exp)")
                    .expressionAttributeNames(Map.of(
                            "#cid", CLIENT_ID, "#slot", SLOT, "#exp", EXPIRES_AT, "#sent", SOON_SENT_FOR))
                    .expressionAttributeValues(Map.of(
                            ":cid", s(token.clientId()),
                            ":prev", s(TokenSlot.PREVIOUS.wireName()),
                            ":exp", s(expiresAt)))
                    // The item as claimed, for its lastUsedAt: no second read.
                    .returnValues(ReturnValue.ALL_NEW));
            return Optional.of(new NoticeClaim(token, Times.parse(str(response.attributes(), LAST_USED_AT))));
        } catch (ConditionalCheckFailedException e) {
            return Optional.empty();
        } catch (SdkException e) {
            throw StoreErrors.unavailable("claiming the expiring-soon notice of a token of client " + token.clientId(), e);
        }
    }

    void releaseExpiringSoonNotice(NoticeClaim claim) {
        ExpiringToken token = claim.token();
        try {
            dynamo.updateItem(r -> r
                    .tableName(table)
                    .key(tokenKey(token.key()))
                    .updateExpression("REMOVE #sent")
                    .conditionExpression("#sent = :exp")
                    .expressionAttributeNames(Map.of("#sent", SOON_SENT_FOR))
                    .expressionAttributeValues(Map.of(":exp", s(Times.format(token.expiresAt())))));
        } catch (ConditionalCheckFailedException e) {
            // The item is gone or its expiry moved since the claim: nothing of ours to give back.
        } catch (SdkException e) {
            throw StoreErrors.unavailable("releasing the expiring-soon notice of a token of client " + token.clientId(), e);
        }
    }

    boolean deleteExpiredOrphan(ExpiringToken token, Instant now) {
        try {
            dynamo.deleteItem(r -> r
                    .tableName(table)
                    .key(tokenKey(token.key()))
                    .conditionExpression("#cid = :cid AND #slot = :prev AND #exp <= :now")
                    .expressionAttributeNames(Map.of("#cid", CLIENT_ID, "#slot", SLOT, "#exp", EXPIRES_AT))
                    .expressionAttributeValues(Map.of(
                            ":cid", s(token.clientId()),
                            ":prev", s(TokenSlot.PREVIOUS.wireName()),
                            ":now", s(Times.format(now)))));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        } catch (SdkException e) {
            throw StoreErrors.unavailable("deleting an expired token of client " + token.clientId(), e);
        }
    }
}
