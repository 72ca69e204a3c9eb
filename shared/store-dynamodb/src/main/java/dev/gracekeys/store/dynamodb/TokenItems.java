package dev.gracekeys.store.dynamodb;

import dev.gracekeys.core.model.Times;
import dev.gracekeys.core.model.TokenRecord;
import dev.gracekeys.core.token.TokenKey;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.GetItemResponse;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import static dev.gracekeys.store.dynamodb.TableSchema.*;

/**
 * The verify's hot path: one token item by its key, and its last use.
 *
 * <p>Reads are strongly consistent, deliberately: a revoked (deleted) token must stop working at
 * once, and a token issued a moment ago must work at its first push; an eventually consistent read
 * could get either wrong for about a second. It costs one full read unit instead of half, on a
 * single small item.
 */
final class TokenItems {

    private static final String TOKEN_ATTRIBUTES = String.join(", ",
            CLIENT_ID, TOKEN_ID, SLOT, ACTIVE, CREATED_AT, EXPIRES_AT, LAST_USED_AT);

    private final DynamoDbClient dynamo;
    private final String table;

    TokenItems(DynamoDbClient dynamo, String table) {
        this.dynamo = dynamo;
        this.table = table;
    }

    TokenRecord findToken(TokenKey key, Duration budget) {
        GetItemResponse response = dynamo.getItem(r -> r
                .tableName(table)
                .key(tokenKey(key))
                .consistentRead(true)
                .projectionExpression(TOKEN_ATTRIBUTES)
                .overrideConfiguration(o -> o.apiCallTimeout(budget)));
        return response.hasItem() && !response.item().isEmpty() ? ItemMapping.toTokenRecord(key, response.item()) : null;
    }

    void recordLastUse(TokenKey key, Instant now, Instant notUsedSince, Duration budget) {
        try {
            dynamo.updateItem(r -> r
                    .tableName(table)
                    .key(tokenKey(key))
                    .updateExpression("SET #lu = :now")
                    .conditionExpression("attribute_exists(#pk) AND (attribute_not_exists(#lu) OR #lu <= :since)")
                    .expressionAttributeNames(Map.of("#lu", LAST_USED_AT, "#pk", PK))
                    .expressionAttributeValues(Map.of(
                            ":now", s(Times.format(now)), ":since", s(Times.format(notUsedSince))))
                    .overrideConfiguration(o -> o.apiCallTimeout(budget)));
        } catch (ConditionalCheckFailedException e) {
            // Another container recorded it within the interval, or the token is gone: nothing to do.
        }
    }
}
