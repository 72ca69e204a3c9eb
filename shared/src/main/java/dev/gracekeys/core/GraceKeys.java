package dev.gracekeys.core;

import dev.gracekeys.core.events.EventPublisher;
import dev.gracekeys.core.ops.ExpirySweeper;
import dev.gracekeys.core.ops.LegacyImporter;
import dev.gracekeys.core.ops.TokenDelivery;
import dev.gracekeys.core.ops.TokenService;
import dev.gracekeys.core.store.dynamodb.DynamoDbStore;
import dev.gracekeys.core.token.Pepper;
import dev.gracekeys.core.token.PepperRing;
import dev.gracekeys.core.token.SecureTokenGenerator;
import dev.gracekeys.core.token.TokenFormat;
import dev.gracekeys.core.token.TokenGenerator;
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

    private GraceKeys(GraceKeysConfig config, DynamoDbClient dynamo, PepperRing peppers, EventPublisher events,
                      Clock clock, TokenGenerator generator, TokenDelivery delivery) {
        TokenFormat format = config.tokenFormat();
        this.store = new DynamoDbStore(dynamo, config.tableName(), config.ttlDelay());
        this.tokens = new TokenService(store, peppers, generator == null ? new SecureTokenGenerator(format) : generator,
                events, clock, config, delivery);
        this.verifier = new Verifier(store, format, peppers, clock, config.verifyTimeout(),
                config.lastUseInterval());
        this.importer = new LegacyImporter(store, peppers, format, events, clock);
        this.sweeper = new ExpirySweeper(store, events, clock);
    }

    /** With one fixed pepper (tests, tools). */
    public static GraceKeys create(GraceKeysConfig config, DynamoDbClient dynamo, Pepper pepper,
                                   EventPublisher events, Clock clock) {
        return new GraceKeys(config, dynamo, PepperRing.fixed(pepper), events, clock, null, TokenDelivery.NONE);
    }

    /** As {@link #create}, with a token generator of the caller's (tests pin tokens with it). */
    public static GraceKeys create(GraceKeysConfig config, DynamoDbClient dynamo, Pepper pepper,
                                   EventPublisher events, Clock clock, TokenGenerator generator) {
        return new GraceKeys(config, dynamo, PepperRing.fixed(pepper), events, clock, generator, TokenDelivery.NONE);
    }

    /** With peppers that may rotate (Secrets Manager's AWSCURRENT and AWSPREVIOUS). */
    public static GraceKeys create(GraceKeysConfig config, DynamoDbClient dynamo, PepperRing peppers,
                                   EventPublisher events, Clock clock) {
        return new GraceKeys(config, dynamo, peppers, events, clock, null, TokenDelivery.NONE);
    }

    /** As above, delivering new tokens to secrets when a client asks for it. */
    public static GraceKeys create(GraceKeysConfig config, DynamoDbClient dynamo, PepperRing peppers,
                                   EventPublisher events, Clock clock, TokenDelivery delivery) {
        return new GraceKeys(config, dynamo, peppers, events, clock, null, delivery);
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
