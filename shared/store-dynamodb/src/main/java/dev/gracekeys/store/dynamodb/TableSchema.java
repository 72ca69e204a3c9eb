package dev.gracekeys.store.dynamodb;

import dev.gracekeys.core.token.TokenKey;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.Projection;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.UpdateTimeToLiveRequest;

import java.util.Map;

/**
 * The whole single-table schema: key shapes, attribute names, indexes, TTL. The store adapter, the
 * tests, the local stack and {@code template.yaml} all follow this class (a contract test checks the
 * template against it).
 *
 * <pre>
 * item            pk                  sk       other attributes
 * client          CLIENT#&lt;clientId&gt;   CLIENT   clientId name active createdAt version cur prev clientList
 *                                              (+ deliverTo, pend when present)
 * token           TOKEN#&lt;hmac&gt;        TOKEN    clientId tokenId slot active createdAt lastUsedAt
 *                                              + on previous tokens only: expiresAt ttl expShard
 *                                              (and soonSentFor once the sweep announced it)
 *                                              + on a pending token: expiresAt only (no ttl, no expShard),
 *                                                none once it is finishing
 * </pre>
 *
 * <p>A pending token (slot {@code pending}, a scheduled rotation's) carries its expiry for the verify
 * (none once finishSecret marked it finishing: then it verifies until promoted) but neither a TTL (TTL must not delete it behind its client item's back: the client's next change
 * deletes it with the pointer) nor {@code expShard} (the sweep is about previous tokens only).
 *
 * <p>A verify is one strongly consistent GetItem on {@code TOKEN#<hmac>}: the token item carries its
 * client's {@code active} flag and its own expiry, so nothing else is read.
 *
 * <p>{@value #EXPIRY_INDEX} is sparse: only previous-token items have {@code expShard}, so the sweep
 * reads expired slots and nothing else. Its partition key is sharded over {@value #EXPIRY_SHARDS}
 * values (from the token's key) so that many expiries at once do not land on one partition.
 *
 * <p>{@value #CLIENT_INDEX} lists clients in id order without reading token items (whose keys are
 * hashes and must never reach a listing cursor).
 */
public final class TableSchema {

    private TableSchema() {
    }

    // Keys
    public static final String PK = "pk";
    public static final String SK = "sk";
    public static final String CLIENT_PREFIX = "CLIENT#";
    public static final String TOKEN_PREFIX = "TOKEN#";
    public static final String CLIENT_SK = "CLIENT";
    public static final String TOKEN_SK = "TOKEN";

    // Common attributes
    public static final String CLIENT_ID = "clientId";
    public static final String ACTIVE = "active";
    public static final String CREATED_AT = "createdAt";

    // Client item
    public static final String NAME = "name";
    public static final String VERSION = "version";
    /** Map {k, id, c}: the current token's key, tokenId, createdAt. */
    public static final String CURRENT = "cur";
    /** List of maps {k, id, c, x}, newest first: previous tokens with their expiry. */
    public static final String PREVIOUS = "prev";
    public static final String REF_KEY = "k";
    public static final String REF_TOKEN_ID = "id";
    public static final String REF_CREATED_AT = "c";
    public static final String REF_EXPIRES_AT = "x";
    /**
     * Map {k, id, c, x, r} or, once finishing, {k, id, c, r, f}, on client items with a pending token
     * only: a scheduled rotation's token, its expiry, its rotation id (Secrets Manager's
     * ClientRequestToken) and when finishSecret marked it (then it has no expiry).
     */
    public static final String PENDING = "pend";
    public static final String REF_ROTATION = "r";
    public static final String REF_FINISHING_AT = "f";
    /** Constant partition of {@link #CLIENT_INDEX}; present on client items only. */
    public static final String CLIENT_LIST = "clientList";
    public static final String CLIENT_LIST_VALUE = "CLIENTS";
    /** The secret new tokens are delivered to (Secrets Manager id or ARN); optional. */
    public static final String DELIVER_TO = "deliverTo";

    // Token item
    public static final String TOKEN_ID = "tokenId";
    public static final String SLOT = "slot";
    public static final String EXPIRES_AT = "expiresAt";
    public static final String LAST_USED_AT = "lastUsedAt";
    /** The TTL attribute (epoch seconds): housekeeping only, never the security check. */
    public static final String TTL = "ttl";
    public static final String EXPIRY_SHARD = "expShard";
    /**
     * On a previous token: the {@code expiresAt} its {@code PreviousTokenExpiringSoon} was sent for.
     * The sweep sets it with a conditional update before it publishes (a claim), so the notice goes
     * out at most once per token and expiry, across runs and concurrent sweepers. Not in any index:
     * the claim itself is the check.
     */
    public static final String SOON_SENT_FOR = "soonSentFor";

    // Indexes
    public static final String EXPIRY_INDEX = "expiry-index";
    public static final int EXPIRY_SHARDS = 16;
    public static final String CLIENT_INDEX = "client-index";

    public static Map<String, AttributeValue> clientKey(String clientId) {
        return Map.of(PK, s(CLIENT_PREFIX + clientId), SK, s(CLIENT_SK));
    }

    /** A state-changing ops call's recorded answer, by its requestId (Replay). */
    public static final String REQUEST_PREFIX = "REQUEST#";
    public static final String REQUEST_SK = "REQUEST";
    public static final String REPLAY_FINGERPRINT = "fp";
    public static final String REPLAY_AT = "recordedAt";
    public static final String REPLAY_FIELDS = "answer";

    public static Map<String, AttributeValue> replayKey(String requestId) {
        return Map.of(PK, s(REQUEST_PREFIX + requestId), SK, s(REQUEST_SK));
    }

    public static Map<String, AttributeValue> tokenKey(TokenKey key) {
        return Map.of(PK, s(TOKEN_PREFIX + key.value()), SK, s(TOKEN_SK));
    }

    public static String expiryShard(TokenKey key) {
        return Integer.toString(key.shard(EXPIRY_SHARDS));
    }

    /** The table as GraceKeys needs it (on-demand; TTL is a separate call, {@link #enableTtl}). */
    public static CreateTableRequest createTable(String tableName) {
        return CreateTableRequest.builder()
                .tableName(tableName)
                .billingMode(BillingMode.PAY_PER_REQUEST)
                .keySchema(key(PK, KeyType.HASH), key(SK, KeyType.RANGE))
                .attributeDefinitions(
                        attr(PK), attr(SK), attr(EXPIRY_SHARD), attr(EXPIRES_AT), attr(CLIENT_LIST), attr(CLIENT_ID))
                .globalSecondaryIndexes(
                        GlobalSecondaryIndex.builder()
                                .indexName(EXPIRY_INDEX)
                                .keySchema(key(EXPIRY_SHARD, KeyType.HASH), key(EXPIRES_AT, KeyType.RANGE))
                                .projection(Projection.builder()
                                        .projectionType(ProjectionType.INCLUDE)
                                        .nonKeyAttributes(CLIENT_ID, TOKEN_ID)
                                        .build())
                                .build(),
                        GlobalSecondaryIndex.builder()
                                .indexName(CLIENT_INDEX)
                                .keySchema(key(CLIENT_LIST, KeyType.HASH), key(CLIENT_ID, KeyType.RANGE))
                                .projection(Projection.builder().projectionType(ProjectionType.ALL).build())
                                .build())
                .build();
    }

    public static UpdateTimeToLiveRequest enableTtl(String tableName) {
        return UpdateTimeToLiveRequest.builder()
                .tableName(tableName)
                .timeToLiveSpecification(t -> t.attributeName(TTL).enabled(true))
                .build();
    }

    static AttributeValue s(String value) {
        return AttributeValue.builder().s(value).build();
    }

    private static KeySchemaElement key(String name, KeyType type) {
        return KeySchemaElement.builder().attributeName(name).keyType(type).build();
    }

    private static AttributeDefinition attr(String name) {
        return AttributeDefinition.builder().attributeName(name).attributeType(ScalarAttributeType.S).build();
    }
}
