package dev.gracekeys.lambda;

import dev.gracekeys.aws.secretsmanager.SecretsManagerRotationSecret;
import dev.gracekeys.aws.secretsmanager.SecretsManagerTokenDelivery;

import dev.gracekeys.aws.eventbridge.EventBridgePublisher;

import dev.gracekeys.core.GraceKeys;
import dev.gracekeys.core.GraceKeysConfig;
import dev.gracekeys.core.events.EventPublisher;
import dev.gracekeys.core.events.LoggingEventPublisher;
import dev.gracekeys.core.metrics.Metrics;
import dev.gracekeys.core.ops.ExpirySweeper;
import dev.gracekeys.core.ops.LegacyImporter;
import dev.gracekeys.core.ops.RotationSecret;
import dev.gracekeys.core.ops.SecretRotation;
import dev.gracekeys.core.ops.TokenService;
import dev.gracekeys.core.ops.TokenDelivery;
import dev.gracekeys.store.dynamodb.DynamoDbGraceKeys;
import dev.gracekeys.core.token.PepperRing;
import dev.gracekeys.core.verify.Verifier;
import io.micronaut.context.BeanProvider;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Requires;
import jakarta.inject.Singleton;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.http.SdkHttpClient;

import java.time.Clock;
import java.time.Duration;

/**
 * The core, wired once per container. Each bean can be replaced by registering another (tests give
 * their own {@link Settings}, {@link Clock} and {@link EventPublisher}; the local stack its own
 * publisher).
 */
@Factory
public class CoreFactory {

    /** The names {@link GraceKeysConfig#fromEnv} reads. */
    static final String[] CORE_SETTINGS = {"TABLE_NAME", "TOKEN_PREFIX", "LEGACY_TOKENS", "LEGACY_KEY_PATTERN", "MAX_PREVIOUS_TOKENS",
            "DEFAULT_GRACE_SECONDS", "MAX_GRACE_SECONDS", "LAST_USE_INTERVAL_SECONDS", "VERIFY_TIMEOUT_MILLIS",
            "TTL_DELAY_SECONDS", "AUTHORIZER_CACHE_TTL_SECONDS"};

    public static final String EVENT_BUS_NAME = "EVENT_BUS_NAME";

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

    /**
     * CloudWatch Embedded Metric Format lines on stdout, in the namespace {@code METRICS_NAMESPACE}
     * names ({@code GraceKeys} when unset); a bad name fails the init, saying what is allowed.
     */
    @Singleton
    @Requires(missingBeans = Metrics.class)
    Metrics metrics(Settings settings, Clock clock) {
        return EmfMetrics.fromSettings(settings, clock);
    }

    /** The publisher's wait between attempts; tests register one that does not sleep. */
    @Singleton
    @Requires(missingBeans = EventBridgePublisher.Backoff.class)
    EventBridgePublisher.Backoff publishBackoff() {
        return EventBridgePublisher.Backoff.EXPONENTIAL;
    }

    /** To the bus {@code EVENT_BUS_NAME} names; as log lines when it is unset. */
    @Singleton
    @Requires(missingBeans = EventPublisher.class)
    EventPublisher events(Settings settings, AwsClients clients, SdkHttpClient http, EventBridgePublisher.Backoff backoff,
                          Metrics metrics) {
        String bus = settings.get(EVENT_BUS_NAME);
        return bus == null ? new LoggingEventPublisher() : new EventBridgePublisher(clients.eventBridge(http), bus, backoff, metrics);
    }

    /**
     * The functions that hash tokens (verify-authorizer, rotate, backfill) are deployed with
     * {@code PEPPER_SECRET_ID} and read the pepper at start-up, so a missing or unreadable secret
     * fails the init (and the deployment), not a request. The others (describe, set-status,
     * revoke-old, expire-sweep) never hash: they are deployed without the secret and without the
     * right to read it, and get a ring that would say so if anything ever asked it for a pepper.
     */
    @Singleton
    PepperRing peppers(Settings settings, SecretsManagerAccess secrets, Clock clock) {
        if (!PepperSettings.configured(settings)) {
            return PepperRing.onFirstUse(PepperSettings.none(), clock,
                    Duration.ofSeconds(PepperSettings.DEFAULT_REFRESH_SECONDS));
        }
        // The Secrets Manager client is built only when a secret id is set.
        return new PepperRing(PepperSettings.source(settings, secrets), clock,
                Duration.ofSeconds(settings.intOrDefault(PepperSettings.PEPPER_REFRESH_SECONDS,
                        PepperSettings.DEFAULT_REFRESH_SECONDS, PepperSettings.MIN_REFRESH_SECONDS,
                        PepperSettings.MAX_REFRESH_SECONDS)));
    }

    /** Into Secrets Manager; replaceable (the local stack without an AWS emulator refuses instead). */
    @Singleton
    @Requires(missingBeans = TokenDelivery.class)
    TokenDelivery delivery(SecretsManagerAccess secrets) {
        return new SecretsManagerTokenDelivery(secrets);
    }

    /**
     * rotate-secret's view of the delivery secrets, over the same lazily built Secrets Manager
     * client: no function builds it unless a step runs. Replaceable (the local stack without an AWS
     * emulator refuses instead, saying to start it with --aws-endpoint).
     */
    @Singleton
    @Requires(missingBeans = RotationSecret.class)
    RotationSecret rotationSecret(SecretsManagerAccess secrets) {
        return new SecretsManagerRotationSecret(secrets);
    }

    /** SnapStart's runtime hooks go to CRaC's global context; tests register a Registrar of their own. */
    @Singleton
    @Requires(missingBeans = ReseedOnRestore.Registrar.class)
    ReseedOnRestore.Registrar restoreHooks() {
        return ReseedOnRestore.Registrar.CRAC;
    }

    /** After a SnapStart restore, fresh randomness for the token generators (see {@link ReseedOnRestore}). */
    @Singleton
    ReseedOnRestore reseedOnRestore(ReseedOnRestore.Registrar registrar) {
        ReseedOnRestore hook = new ReseedOnRestore();
        registrar.register(hook);
        return hook;
    }

    /**
     * The event publisher is looked up at the first publish, not here: the authorizer never
     * publishes, so it never builds an EventBridge client nor reads EVENT_BUS_NAME. The restore hook
     * is taken so that no core is built, in any function, without it registered.
     */
    @Singleton
    GraceKeys core(GraceKeysConfig config, DynamoDbClient dynamo, PepperRing peppers, BeanProvider<EventPublisher> events,
                   Clock clock, TokenDelivery delivery, RotationSecret rotationSecret, ReseedOnRestore reseedOnRestore,
                   Metrics metrics) {
        return DynamoDbGraceKeys.builder(config, dynamo)
                .peppers(peppers)
                .events(batch -> events.get().publish(batch))
                .clock(clock)
                .delivery(delivery)
                .rotationSecret(rotationSecret)
                .metrics(metrics)
                .build();
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

    @Singleton
    SecretRotation secretRotation(GraceKeys core) {
        return core.secretRotation();
    }
}
