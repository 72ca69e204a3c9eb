package dev.gracekeys.lambda;

import dev.gracekeys.core.GraceKeys;
import dev.gracekeys.core.GraceKeysConfig;
import dev.gracekeys.core.events.EventPublisher;
import dev.gracekeys.core.events.LoggingEventPublisher;
import dev.gracekeys.core.ops.ExpirySweeper;
import dev.gracekeys.core.ops.LegacyImporter;
import dev.gracekeys.core.ops.TokenService;
import dev.gracekeys.core.token.Pepper;
import dev.gracekeys.core.verify.Verifier;
import io.micronaut.context.BeanProvider;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Requires;
import jakarta.inject.Singleton;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

import java.time.Clock;

/**
 * The core, wired once per container. Each bean can be replaced by registering another (tests give
 * their own {@link Settings}, {@link Clock} and {@link EventPublisher}; the local stack its own
 * publisher).
 */
@Factory
public class CoreFactory {

    /** The names {@link GraceKeysConfig#fromEnv} reads. */
    static final String[] CORE_SETTINGS = {"TABLE_NAME", "TOKEN_PREFIX", "LEGACY_TOKENS", "MAX_PREVIOUS_TOKENS",
            "DEFAULT_GRACE_SECONDS", "MAX_GRACE_SECONDS", "LAST_USE_INTERVAL_SECONDS", "VERIFY_TIMEOUT_MILLIS",
            "TTL_DELAY_SECONDS"};

    @Singleton
    @Requires(missingBeans = Settings.class)
    Settings settings() {
        return Settings.fromEnvironment();
    }

    @Singleton
    GraceKeysConfig config(Settings settings) {
        return GraceKeysConfig.fromEnv(settings.asMap(CORE_SETTINGS));
    }

    @Singleton
    @Requires(missingBeans = Clock.class)
    Clock clock() {
        return Clock.systemUTC();
    }

    @Singleton
    @Requires(missingBeans = EventPublisher.class)
    EventPublisher events() {
        return new LoggingEventPublisher();
    }

    @Singleton
    Pepper pepper(Settings settings, BeanProvider<SecretsManagerClient> secrets) {
        // The Secrets Manager client is built only when a secret id is set.
        return PepperSource.load(settings, secrets::get);
    }

    @Singleton
    GraceKeys core(GraceKeysConfig config, DynamoDbClient dynamo, Pepper pepper, EventPublisher events, Clock clock) {
        return GraceKeys.create(config, dynamo, pepper, events, clock);
    }

    @Singleton
    TokenService tokenService(GraceKeys core) {
        return core.tokens();
    }

    @Singleton
    Verifier verifier(GraceKeys core) {
        return core.verifier();
    }

    @Singleton
    LegacyImporter importer(GraceKeys core) {
        return core.importer();
    }

    @Singleton
    ExpirySweeper sweeper(GraceKeys core) {
        return core.sweeper();
    }
}
