package dev.gracekeys.core;

import dev.gracekeys.core.events.EventPublisher;
import dev.gracekeys.core.metrics.Metrics;
import dev.gracekeys.core.ops.ExpirySweeper;
import dev.gracekeys.core.ops.LegacyImporter;
import dev.gracekeys.core.ops.TokenDelivery;
import dev.gracekeys.core.ops.RotationSecret;
import dev.gracekeys.core.ops.SecretRotation;
import dev.gracekeys.core.ops.TokenService;
import dev.gracekeys.core.store.SweepStore;
import dev.gracekeys.core.store.TokenLookup;
import dev.gracekeys.core.token.Pepper;
import dev.gracekeys.core.token.PepperRing;
import dev.gracekeys.core.token.SecureTokenGenerator;
import dev.gracekeys.core.token.TokenFormat;
import dev.gracekeys.core.token.TokenGenerator;
import dev.gracekeys.core.verify.Verifier;

import java.time.Clock;
import java.util.Objects;

/**
 * The core, wired: one place that turns settings, a store, the pepper, an event publisher and a
 * clock into the services. It takes the store through its ports only ({@link SweepStore} and
 * {@link TokenLookup}), so the core needs no AWS SDK: the Lambda functions and the local stack give
 * it the DynamoDB adapter ({@code store.dynamodb.DynamoDbGraceKeys} builds that), the fast tests an
 * in-memory store.
 *
 * <pre>{@code
 * GraceKeys core = GraceKeys.builder()
 *         .config(config)
 *         .store(store)
 *         .peppers(peppers)
 *         .events(events)
 *         .clock(clock)
 *         .build();
 * }</pre>
 */
public final class GraceKeys {

    private final TokenService tokens;
    private final Verifier verifier;
    private final LegacyImporter importer;
    private final ExpirySweeper sweeper;
    private final SweepStore store;
    private final SecretRotation secretRotation;

    private GraceKeys(Builder b) {
        TokenFormat format = b.config.tokenFormat();
        TokenGenerator generator = b.generator == null ? new SecureTokenGenerator(format) : b.generator;
        this.store = b.store;
        this.tokens = TokenService.builder().store(b.store).peppers(b.peppers).config(b.config)
                .tokenGenerator(generator).events(b.events).clock(b.clock).delivery(b.delivery).metrics(b.metrics).build();
        this.verifier = Verifier.builder().lookup(b.lookup).peppers(b.peppers).config(b.config)
                .clock(b.clock).metrics(b.metrics).build();
        this.importer = new LegacyImporter(b.store, b.peppers, format, b.events, b.clock, b.metrics);
        this.sweeper = new ExpirySweeper(b.store, b.events, b.clock, b.metrics);
        this.secretRotation = tokens.secretRotation(b.rotationSecret, verifier);
    }

    /** A builder: {@code config}, {@code store} and the pepper(s) are required, the rest has defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** The ops operations: rotate, revoke-old, set-status, describe. */
    public TokenService tokens() {
        return tokens;
    }

    /** The verify decision of the authorizer. */
    public Verifier verifier() {
        return verifier;
    }

    /** The backfill of legacy keys. */
    public LegacyImporter importer() {
        return importer;
    }

    /** The daily expiry sweep. */
    public ExpirySweeper sweeper() {
        return sweeper;
    }

    /** rotate-secret's four steps, over {@link Builder#rotationSecret}. */
    public SecretRotation secretRotation() {
        return secretRotation;
    }

    /** The store the services use, through its ports (tests read it back, or wrap it). */
    public SweepStore store() {
        return store;
    }

    /** The settings of one core. Not thread-safe; build once per container. */
    public static final class Builder {

        private GraceKeysConfig config;
        private SweepStore store;
        private TokenLookup lookup;
        private PepperRing peppers;
        private EventPublisher events = EventPublisher.NONE;
        private Clock clock = Clock.systemUTC();
        private TokenGenerator generator;
        private TokenDelivery delivery = TokenDelivery.NONE;
        private Metrics metrics = Metrics.NONE;
        private RotationSecret rotationSecret = RotationSecret.NONE;

        private Builder() {
        }

        /** Delivery secrets as rotate-secret reads and changes them; by default refused ({@link RotationSecret#NONE}). */
        public Builder rotationSecret(RotationSecret rotationSecret) {
            this.rotationSecret = Objects.requireNonNull(rotationSecret, "rotationSecret");
            return this;
        }

        /** The settings (required). */
        public Builder config(GraceKeysConfig config) {
            this.config = Objects.requireNonNull(config, "config");
            return this;
        }

        /**
         * The store (required): one object serving the ops services and the sweep ({@link SweepStore},
         * which is a {@code ClientStore}) and the verify ({@link TokenLookup}).
         */
        public <S extends SweepStore & TokenLookup> Builder store(S store) {
            Objects.requireNonNull(store, "store");
            this.store = store;
            this.lookup = store;
            return this;
        }

        /** Peppers that may rotate (Secrets Manager's AWSCURRENT and AWSPREVIOUS). This or {@link #pepper}. */
        public Builder peppers(PepperRing peppers) {
            this.peppers = Objects.requireNonNull(peppers, "peppers");
            return this;
        }

        /** One fixed pepper (tests, tools). This or {@link #peppers}. */
        public Builder pepper(Pepper pepper) {
            return peppers(PepperRing.fixed(Objects.requireNonNull(pepper, "pepper")));
        }

        /** Where domain events go; by default nowhere ({@link EventPublisher#NONE}). */
        public Builder events(EventPublisher events) {
            this.events = Objects.requireNonNull(events, "events");
            return this;
        }

        /** The time of every rule; by default the system clock in UTC. Tests pass their own. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Issues new tokens; by default a {@link SecureTokenGenerator} for the configured prefix (tests pin tokens). */
        public Builder tokenGenerator(TokenGenerator generator) {
            this.generator = Objects.requireNonNull(generator, "generator");
            return this;
        }

        /** Delivers new tokens to secrets when a client asks for it; by default refused ({@link TokenDelivery#NONE}). */
        public Builder delivery(TokenDelivery delivery) {
            this.delivery = Objects.requireNonNull(delivery, "delivery");
            return this;
        }

        /** Where the services record their metrics; by default nowhere ({@link Metrics#NONE}). */
        public Builder metrics(Metrics metrics) {
            this.metrics = Objects.requireNonNull(metrics, "metrics");
            return this;
        }

        /**
         * The wired core.
         *
         * @throws IllegalStateException when {@code config}, {@code store} or the pepper(s) were not given
         */
        public GraceKeys build() {
            require(config != null, "config");
            require(store != null, "store");
            require(peppers != null, "peppers (or pepper)");
            return new GraceKeys(this);
        }

        private static void require(boolean given, String name) {
            if (!given) {
                throw new IllegalStateException("GraceKeys.builder() needs " + name + " before build()");
            }
        }
    }
}
