package dev.gracekeys.core;

import dev.gracekeys.core.events.EventPublisher;
import dev.gracekeys.core.ops.ExpirySweeper;
import dev.gracekeys.core.ops.LegacyImporter;
import dev.gracekeys.core.ops.TokenService;
import dev.gracekeys.core.store.dynamodb.DynamoDbStore;
import dev.gracekeys.core.token.Pepper;
import dev.gracekeys.core.token.SecureTokenGenerator;
import dev.gracekeys.core.token.TokenFormat;
import dev.gracekeys.core.token.TokenGenerator;
import dev.gracekeys.core.token.TokenHasher;
import dev.gracekeys.core.verify.Verifier;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.time.Clock;

/**
 * The core, wired: one place that turns settings, a DynamoDB client, the pepper, an event
 * publisher and a clock into the services. Function handlers, the local stack and the tests all
 * build the core through here.
 */
public final class GraceKeys {

    private final TokenService tokens;
    private final Verifier verifier;
    private final LegacyImporter importer;
    private final ExpirySweeper sweeper;
    private final DynamoDbStore store;

    private GraceKeys(GraceKeysConfig config, DynamoDbClient dynamo, Pepper pepper, EventPublisher events,
                      Clock clock, TokenGenerator generator) {
        TokenFormat format = config.tokenFormat();
        TokenHasher hasher = new TokenHasher(pepper);
        this.store = new DynamoDbStore(dynamo, config.tableName(), config.ttlDelay());
        this.tokens = new TokenService(store, hasher, generator == null ? new SecureTokenGenerator(format) : generator,
                events, clock, config);
        this.verifier = new Verifier(store, format, hasher, clock, config.verifyTimeout(), config.lastUseInterval());
        this.importer = new LegacyImporter(store, hasher, format, events, clock);
        this.sweeper = new ExpirySweeper(store, events, clock);
    }

    public static GraceKeys create(GraceKeysConfig config, DynamoDbClient dynamo, Pepper pepper,
                                   EventPublisher events, Clock clock) {
        return new GraceKeys(config, dynamo, pepper, events, clock, null);
    }

    /** As {@link #create}, with a token generator of the caller's (tests pin tokens with it). */
    public static GraceKeys create(GraceKeysConfig config, DynamoDbClient dynamo, Pepper pepper,
                                   EventPublisher events, Clock clock, TokenGenerator generator) {
        return new GraceKeys(config, dynamo, pepper, events, clock, generator);
    }

    public TokenService tokens() {
        return tokens;
    }

    public Verifier verifier() {
        return verifier;
    }

    public LegacyImporter importer() {
        return importer;
    }

    public ExpirySweeper sweeper() {
        return sweeper;
    }

    public DynamoDbStore store() {
        return store;
    }
}
