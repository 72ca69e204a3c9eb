package dev.gracekeys.store.dynamodb;

import dev.gracekeys.core.StoreUnavailableException;
import dev.gracekeys.core.model.ClientRecord;
import dev.gracekeys.core.model.Times;
import dev.gracekeys.core.model.TokenRecord;
import dev.gracekeys.core.model.TokenRef;
import dev.gracekeys.core.model.TokenSlot;
import dev.gracekeys.core.store.ChangeRejectedException;
import dev.gracekeys.core.store.ChangeRejectedException.Reason;
import dev.gracekeys.core.store.BatchRejectedException;
import dev.gracekeys.core.store.ClientChange;
import dev.gracekeys.core.store.ClientStore;
import dev.gracekeys.core.store.Replay;
import dev.gracekeys.core.store.SweepStore;
import dev.gracekeys.core.store.TokenLookup;
import dev.gracekeys.core.store.TokenWrite;
import dev.gracekeys.core.token.TokenKey;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.GetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemResponse;
import software.amazon.awssdk.awscore.exception.AwsServiceException;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import static dev.gracekeys.store.dynamodb.TableSchema.*;

/**
 * The DynamoDB adapter of the store ports ({@link ClientStore}, {@link SweepStore},
 * {@link TokenLookup}). Every change is one TransactWriteItems whose first item is the client with
 * an optimistic version condition; the token items ride in the same transaction, so a change lands
 * whole or not at all.
 *
 * <p>Reads are strongly consistent. For the verify this is deliberate: a revoked (deleted) token
 * must stop working at once, and a token issued a moment ago must work at its first push; an
 * eventually consistent read could get either wrong for about a second. It costs one full read unit
 * instead of half, on a single small item.
 */
public final class DynamoDbStore implements ClientStore, SweepStore, TokenLookup {

    /**
     * Items per page of the expiry index: a page is one quick Query, so the sweep checks its
     * deadline often and holds little in memory.
     */
    static final int EXPIRY_PAGE = 100;

    private static final String TOKEN_ATTRIBUTES = String.join(", ",
            CLIENT_ID, TOKEN_ID, SLOT, ACTIVE, CREATED_AT, EXPIRES_AT, LAST_USED_AT);

    private final DynamoDbClient dynamo;
    private final String table;
    private final Duration ttlDelay;
    private final int expiryPage;

    /**
     * @param ttlDelay how long after its expiry a previous-token item carries its TTL: TTL is
     *                 housekeeping behind the sweep, never the check
     */
    public DynamoDbStore(DynamoDbClient dynamo, String table, Duration ttlDelay) {
        this(dynamo, table, ttlDelay, EXPIRY_PAGE);
    }

    /** As above, with the expiry index read {@code expiryPage} items at a time (tests page with a few). */
    DynamoDbStore(DynamoDbClient dynamo, String table, Duration ttlDelay, int expiryPage) {
        this.dynamo = dynamo;
        this.table = table;
        this.ttlDelay = ttlDelay;
        this.expiryPage = expiryPage;
    }

    // ---- TokenLookup: the verify's hot path -------------------------------------------------

    @Override
    public TokenRecord findToken(TokenKey key, Duration budget) {
        GetItemResponse response = dynamo.getItem(r -> r
                .tableName(table)
                .key(tokenKey(key))
                .consistentRead(true)
                .projectionExpression(TOKEN_ATTRIBUTES)
                .overrideConfiguration(o -> o.apiCallTimeout(budget)));
        return response.hasItem() && !response.item().isEmpty() ? toTokenRecord(key, response.item()) : null;
    }

    @Override
    public void recordLastUse(TokenKey key, Instant now, Instant notUsedSince, Duration budget) {
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

    // ---- ClientStore ----------------------------------------------------------------------------

    @Override
    public Optional<ClientRecord> findClient(String clientId) {
        try {
            GetItemResponse response = dynamo.getItem(r -> r.tableName(table).key(clientKey(clientId)).consistentRead(true));
            return response.hasItem() && !response.item().isEmpty()
                    ? Optional.of(toClient(response.item()))
                    : Optional.empty();
        } catch (SdkException e) {
            // Not the id: it is the caller's input, not yet known to be a client (it may be a pasted key).
            throw unavailable("reading a client", e);
        }
    }

    @Override
    public void apply(ClientChange change) {
        try {
            transact(List.of(change), "changing client " + change.after().clientId());
        } catch (BatchRejectedException e) {
            Reason reason = e.reason(0);
            throw new ChangeRejectedException(reason == null ? Reason.TRANSACTION_CONFLICT : reason);
        }
    }

    @Override
    public void apply(ClientChange change, Replay replay) {
        try {
            transact(List.of(change), "changing client " + change.after().clientId(), replay);
        } catch (BatchRejectedException e) {
            Reason reason = e.reason(0);
            throw new ChangeRejectedException(reason == null ? Reason.TRANSACTION_CONFLICT : reason);
        }
    }

    @Override
    public Optional<Replay> findReplay(String requestId) {
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
            throw unavailable("reading the answer recorded for a requestId", e);
        }
    }

    @Override
    public void applyAll(List<ClientChange> changes) {
        if (!changes.isEmpty()) {
            transact(changes, "changing " + changes.size() + " clients at once");
        }
    }

    private void transact(List<ClientChange> changes, String what) {
        transact(changes, what, null);
    }

    /**
     * One TransactWriteItems for all the changes: per change, its client item, then its token
     * items; last, the replay item (if any), which must not exist yet unless it is past its window.
     */
    private void transact(List<ClientChange> changes, String what, Replay replay) {
        List<TransactWriteItem> items = new ArrayList<>();
        for (ClientChange change : changes) {
            items.add(clientPut(change));
            for (TokenWrite write : change.tokenWrites()) {
                items.add(tokenWrite(write, change.after()));
            }
        }
        if (replay != null) {
            items.add(replayPut(replay));
        }
        if (items.size() > MAX_ITEMS_PER_APPLY) {
            throw new IllegalArgumentException(items.size() + " items in one transaction; at most " + MAX_ITEMS_PER_APPLY);
        }
        try {
            dynamo.transactWriteItems(r -> r
                    .transactItems(items)
                    // Makes the SDK's own retries idempotent: a retry of a transaction that did
                    // commit (response lost) succeeds instead of failing its conditions.
                    .clientRequestToken(UUID.randomUUID().toString()));
        } catch (TransactionCanceledException e) {
            throw new BatchRejectedException(refused(changes, e));
        } catch (SdkException e) {
            throw unavailable(what, e);
        }
    }

    @Override
    public Map<TokenKey, TokenRecord> findTokens(Collection<TokenKey> keys) {
        Map<TokenKey, TokenRecord> found = new HashMap<>();
        List<TokenKey> all = List.copyOf(keys);
        try {
            for (int from = 0; from < all.size(); from += 100) {
                List<Map<String, AttributeValue>> batch = new ArrayList<>();
                for (TokenKey k : all.subList(from, Math.min(all.size(), from + 100))) {
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
                        TokenKey k = TokenKey.of(item.get(PK).s().substring(TOKEN_PREFIX.length()));
                        found.put(k, toTokenRecord(k, item));
                    }
                    request = response.hasUnprocessedKeys() ? response.unprocessedKeys() : Map.of();
                }
            }
            return found;
        } catch (SdkException e) {
            throw unavailable("reading tokens", e);
        }
    }

    @Override
    public ClientPage listClients(int limit, String afterClientId) {
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
            List<ClientRecord> clients = response.items().stream().map(DynamoDbStore::toClient).toList();
            String last = response.hasLastEvaluatedKey() && !response.lastEvaluatedKey().isEmpty() && !clients.isEmpty()
                    ? clients.get(clients.size() - 1).clientId()
                    : null;
            return new ClientPage(clients, last);
        } catch (SdkException e) {
            throw unavailable("listing clients", e);
        }
    }

    @Override
    public List<ExpiringToken> findPreviousTokensExpiring(Instant after, Instant until) {
        List<ExpiringToken> found = new ArrayList<>();
        previousTokensExpiring(after, until).forEach(found::add);
        return found;
    }

    // ---- SweepStore -----------------------------------------------------------------------------

    @Override
    public Iterable<ExpiringToken> previousTokensExpiring(Instant after, Instant until) {
        return () -> new ExpiryIndexReader(after, until);
    }

    /**
     * Walks the expiry index shard by shard, one page (of {@link #EXPIRY_PAGE} items by default) at
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
                    TokenKey.of(item.get(PK).s().substring(TOKEN_PREFIX.length())),
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
                throw unavailable("reading the expiry index", e);
            }
        }
    }

    @Override
    public Set<TokenKey> expiringSoonNoticesSent(List<ExpiringToken> tokens) {
        if (tokens.size() > MAX_NOTICE_READ) {
            throw new IllegalArgumentException(tokens.size() + " tokens in one read; at most " + MAX_NOTICE_READ);
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
                    TokenKey key = TokenKey.of(item.get(PK).s().substring(TOKEN_PREFIX.length()));
                    String sentFor = str(item, SOON_SENT_FOR);
                    if (sentFor != null && sentFor.equals(expiries.get(key))) {
                        sent.add(key);
                    }
                }
                request = response.hasUnprocessedKeys() ? response.unprocessedKeys() : Map.of();
            }
            return sent;
        } catch (SdkException e) {
            throw unavailable("reading which expiring-soon notices were sent", e);
        }
    }

    @Override
    public Optional<NoticeClaim> claimExpiringSoonNotice(ExpiringToken token) {
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
            throw unavailable("claiming the expiring-soon notice of a token of client " + token.clientId(), e);
        }
    }

    @Override
    public void releaseExpiringSoonNotice(NoticeClaim claim) {
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
            throw unavailable("releasing the expiring-soon notice of a token of client " + token.clientId(), e);
        }
    }

    @Override
    public boolean deleteExpiredOrphan(ExpiringToken token, Instant now) {
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
            throw unavailable("deleting an expired token of client " + token.clientId(), e);
        }
    }

    // ---- writes -------------------------------------------------------------------------------

    private TransactWriteItem replayPut(Replay replay) {
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
        ClientRecord c = change.after();
        Map<String, AttributeValue> item = new HashMap<>(clientKey(c.clientId()));
        item.put(CLIENT_ID, s(c.clientId()));
        if (c.name() != null) {
            item.put(NAME, s(c.name()));
        }
        item.put(ACTIVE, bool(c.active()));
        item.put(CREATED_AT, s(Times.format(c.createdAt())));
        item.put(VERSION, n(c.version()));
        item.put(CURRENT, refMap(c.current()));
        item.put(PREVIOUS, AttributeValue.builder().l(c.previous().stream().map(DynamoDbStore::refMap).toList()).build());
        item.put(CLIENT_LIST, s(CLIENT_LIST_VALUE));
        if (c.deliverTo() != null) {
            item.put(DELIVER_TO, s(c.deliverTo()));
        }
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
            Map<String, AttributeValue> item = new HashMap<>(tokenKey(create.key()));
            item.put(CLIENT_ID, s(clientId));
            item.put(TOKEN_ID, s(create.ref().tokenId()));
            item.put(SLOT, s(create.slot().wireName()));
            item.put(ACTIVE, bool(client.active()));
            item.put(CREATED_AT, s(Times.format(create.ref().createdAt())));
            if (create.slot() == TokenSlot.PREVIOUS) {
                item.putAll(expiryAttributes(create.ref()));
            }
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
            } else {
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

    /**
     * Why each change was refused, from the cancellation reasons (one per item, in request order).
     * Within a change, a transaction conflict wins (retry as is); then its first failed condition:
     * on the client item the client exists (create) or moved on (update), on a new token item the key
     * is taken, on any other token item the client is not as read. Any other code (throttling, say)
     * is a conflict too: retryable. With no reasons at all, every change counts as conflicted.
     */
    private static Map<Integer, Reason> refused(List<ClientChange> changes, TransactionCanceledException e) {
        List<CancellationReason> reasons = e.hasCancellationReasons() ? e.cancellationReasons() : List.of();
        Map<Integer, Reason> refused = new HashMap<>();
        int first = 0;
        for (int c = 0; c < changes.size(); c++) {
            ClientChange change = changes.get(c);
            int end = first + 1 + change.tokenWrites().size();
            Reason reason = null;
            boolean otherError = false;
            for (int i = first; i < end && i < reasons.size(); i++) {
                String code = reasons.get(i).code();
                if ("TransactionConflict".equals(code)) {
                    reason = Reason.TRANSACTION_CONFLICT;
                    break;
                }
                if ("ConditionalCheckFailed".equals(code)) {
                    if (reason == null) {
                        reason = i == first
                                ? (change.isCreate() ? Reason.CLIENT_EXISTS : Reason.VERSION_CHANGED)
                                : change.tokenWrites().get(i - first - 1) instanceof TokenWrite.Create
                                        ? Reason.TOKEN_EXISTS
                                        // A token item of this client is not as the client item says.
                                        : Reason.VERSION_CHANGED;
                    }
                } else if (code != null && !"None".equals(code)) {
                    otherError = true;
                }
            }
            if (reason == null && otherError) {
                reason = Reason.TRANSACTION_CONFLICT;
            }
            if (reason != null) {
                refused.put(c, reason);
            }
            first = end;
        }
        if (refused.isEmpty()) {
            for (int c = 0; c < changes.size(); c++) {
                refused.put(c, Reason.TRANSACTION_CONFLICT);
            }
        }
        return refused;
    }

    private static StoreUnavailableException unavailable(String what, SdkException e) {
        // The SDK message can quote request values; name only the error code.
        String code = e instanceof AwsServiceException ase && ase.awsErrorDetails() != null
                ? ase.awsErrorDetails().errorCode()
                : e.getClass().getSimpleName();
        return new StoreUnavailableException("DynamoDB did not answer while " + what + " (" + code
                + "). A change is all-or-nothing: it happened in full or not at all. Before retrying a rotate,"
                + " describe the client to see which; if it persists, check the table and the function's"
                + " permissions", null);
    }

    // ---- mapping ------------------------------------------------------------------------------

    private static TokenRecord toTokenRecord(TokenKey key, Map<String, AttributeValue> item) {
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

    private static ClientRecord toClient(Map<String, AttributeValue> item) {
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
                str(item, DELIVER_TO));
    }

    private static AttributeValue refMap(TokenRef ref) {
        Map<String, AttributeValue> m = new LinkedHashMap<>();
        m.put(REF_KEY, s(ref.key().value()));
        m.put(REF_TOKEN_ID, s(ref.tokenId()));
        m.put(REF_CREATED_AT, s(Times.format(ref.createdAt())));
        if (ref.expiresAt() != null) {
            m.put(REF_EXPIRES_AT, s(Times.format(ref.expiresAt())));
        }
        return AttributeValue.builder().m(m).build();
    }

    private static TokenRef toRef(Map<String, AttributeValue> m) {
        return new TokenRef(
                TokenKey.of(m.get(REF_KEY).s()),
                m.get(REF_TOKEN_ID).s(),
                Times.parse(m.get(REF_CREATED_AT).s()),
                m.containsKey(REF_EXPIRES_AT) ? Times.parse(m.get(REF_EXPIRES_AT).s()) : null);
    }

    private static String str(Map<String, AttributeValue> item, String name) {
        AttributeValue v = item.get(name);
        return v == null ? null : v.s();
    }

    private static AttributeValue bool(boolean b) {
        return AttributeValue.builder().bool(b).build();
    }

    private static AttributeValue n(long v) {
        return AttributeValue.builder().n(Long.toString(v)).build();
    }
}
