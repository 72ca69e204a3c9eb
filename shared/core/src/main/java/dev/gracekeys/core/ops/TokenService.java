package dev.gracekeys.core.ops;

import dev.gracekeys.core.GraceKeysConfig;
import dev.gracekeys.core.events.EventPublisher;
import dev.gracekeys.core.metrics.Metrics;
import dev.gracekeys.core.ops.Requests.DescribeRequest;
import dev.gracekeys.core.ops.Requests.RevokeRequest;
import dev.gracekeys.core.ops.Requests.RotateRequest;
import dev.gracekeys.core.ops.Requests.StatusRequest;
import dev.gracekeys.core.ops.Results.ClientList;
import dev.gracekeys.core.ops.Results.ClientView;
import dev.gracekeys.core.ops.Results.RevokeResult;
import dev.gracekeys.core.ops.Results.RotateResult;
import dev.gracekeys.core.ops.Results.StatusResult;
import dev.gracekeys.core.store.ClientStore;
import dev.gracekeys.core.token.Pepper;
import dev.gracekeys.core.token.PepperRing;
import dev.gracekeys.core.token.SecureTokenGenerator;
import dev.gracekeys.core.token.TokenGenerator;

import java.time.Clock;
import java.util.Objects;

/**
 * The ops operations: rotate (and create), revoke-old, set-status, describe. Each validates first
 * (bad input writes nothing), reads the client, computes the change with {@link RotationRules} and
 * applies it as one transaction. Each operation is its own class ({@code RotateOperation},
 * {@code RevokeOperation}, {@code StatusOperation}, {@code DescribeOperation}) over one shared
 * {@code OpsContext}; this class is their entry point.
 *
 * <p>Every operation may also throw {@link dev.gracekeys.core.StoreUnavailableException} when the
 * store does not answer; what it had not written yet is not written.
 */
public final class TokenService {

    private final RotateOperation rotate;
    private final RevokeOperation revoke;
    private final StatusOperation status;
    private final DescribeOperation describe;
    private final OpsContext ctx;

    private TokenService(Builder b) {
        TokenGenerator generator = b.generator == null ? new SecureTokenGenerator(b.config.tokenFormat()) : b.generator;
        OpsContext ctx = new OpsContext(b.store, b.peppers, generator, b.events, b.clock, b.config, b.delivery, b.metrics);
        this.rotate = new RotateOperation(ctx);
        this.revoke = new RevokeOperation(ctx);
        this.status = new StatusOperation(ctx);
        this.describe = new DescribeOperation(ctx);
        this.ctx = ctx;
    }

    /**
     * rotate-secret's steps over these operations' store, pepper, clock and settings, reading and
     * changing delivery secrets through {@code secret} and testing pending tokens with {@code verifier}.
     */
    public SecretRotation secretRotation(RotationSecret secret, dev.gracekeys.core.verify.Verifier verifier) {
        return new SecretRotation(ctx, Objects.requireNonNull(secret, "secret"), Objects.requireNonNull(verifier, "verifier"));
    }

    /** A builder: {@code store}, {@code config} and the pepper(s) are required, the rest has defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Issues a client a new current token, keeping the one it had as a previous token for the grace
     * window ({@code graceSeconds}, 0 revokes it at once); with {@code "create":true}, creates the
     * client with its first token. A resend with the same {@code requestId} within 15 minutes answers
     * the first answer again and changes nothing.
     *
     * @throws dev.gracekeys.core.ValidationException        on bad input, or a requestId reused for another request
     * @throws dev.gracekeys.core.ClientNotFoundException    when the client does not exist (without create)
     * @throws dev.gracekeys.core.ClientInactiveException    when the client is inactive
     * @throws dev.gracekeys.core.ClientAlreadyExistsException when creating a client that exists
     * @throws dev.gracekeys.core.ConcurrentModificationException when another request changed the client
     *                                                       meanwhile (nothing written), or a resend's token
     *                                                       can no longer be shown
     * @throws TokenDeliveryException                        when the token cannot be staged in its secret
     *                                                       (nothing written)
     * @throws dev.gracekeys.core.StoreUnavailableException  when the store does not answer
     */
    public RotateResult rotate(RotateRequest request) {
        return rotate.rotate(request);
    }

    /**
     * Revokes a client's previous token now, or, with {@code graceSeconds}, reschedules its expiry.
     * A client with no live previous token is answered "nothing to revoke".
     *
     * @throws dev.gracekeys.core.ValidationException        on bad input, or a requestId reused for another request
     * @throws dev.gracekeys.core.ClientNotFoundException    when the client does not exist
     * @throws dev.gracekeys.core.PreviousTokenInUseException with {@code ifUnusedForSeconds}, while a live previous
     *                                                       token may have been used within that many seconds
     *                                                       (nothing written, nothing recorded for a resend)
     * @throws dev.gracekeys.core.ConcurrentModificationException when another request changed the client meanwhile
     * @throws dev.gracekeys.core.StoreUnavailableException  when the store does not answer
     */
    public RevokeResult revokeOld(RevokeRequest request) {
        return revoke.revokeOld(request);
    }

    /**
     * Deactivates a client (every token of it is rejected) or reactivates it; setting the status it
     * has already writes nothing.
     *
     * @throws dev.gracekeys.core.ValidationException        on bad input, or a requestId reused for another request
     * @throws dev.gracekeys.core.ClientNotFoundException    when the client does not exist
     * @throws dev.gracekeys.core.ConcurrentModificationException when another request changed the client meanwhile
     * @throws dev.gracekeys.core.StoreUnavailableException  when the store does not answer
     */
    public StatusResult setStatus(StatusRequest request) {
        return status.setStatus(request);
    }

    /**
     * One client with its current and live previous tokens and their last use.
     *
     * @throws dev.gracekeys.core.ValidationException        when the clientId is not a valid id
     * @throws dev.gracekeys.core.ClientNotFoundException    when the client does not exist
     * @throws dev.gracekeys.core.StoreUnavailableException  when the store does not answer
     */
    public ClientView describe(String clientId) {
        return describe.describe(clientId);
    }

    /**
     * A page of clients in clientId order; {@code nextCursor} is null on the last page.
     *
     * @param limit  clients per page (1..100; null for 50)
     * @param cursor the previous page's {@code nextCursor}, or null for the first page
     * @throws dev.gracekeys.core.ValidationException        on a bad limit or a cursor this service did not give
     * @throws dev.gracekeys.core.StoreUnavailableException  when the store does not answer
     */
    public ClientList list(Integer limit, String cursor) {
        return describe.list(limit, cursor);
    }

    /**
     * describe's request: one client by id (a {@link ClientView}), or a page of the list (a
     * {@link ClientList}); an empty request is the first page.
     *
     * @throws dev.gracekeys.core.ValidationException        when both a clientId and limit/cursor are given, or
     *                                                       on bad input
     * @throws dev.gracekeys.core.ClientNotFoundException    when the client asked for does not exist
     * @throws dev.gracekeys.core.StoreUnavailableException  when the store does not answer
     */
    public Object describe(DescribeRequest request) {
        return describe.describe(request);
    }

    /** The settings of a {@link TokenService}. Not thread-safe. */
    public static final class Builder {
        private ClientStore store;
        private PepperRing peppers;
        private GraceKeysConfig config;
        private TokenGenerator generator;
        private EventPublisher events = EventPublisher.NONE;
        private Clock clock = Clock.systemUTC();
        private TokenDelivery delivery = TokenDelivery.NONE;
        private Metrics metrics = Metrics.NONE;

        private Builder() {
        }

        /** Where clients, tokens and replays are kept (required). */
        public Builder store(ClientStore store) {
            this.store = Objects.requireNonNull(store, "store");
            return this;
        }

        /** The peppers new tokens are hashed under (required; this or {@link #pepper}). */
        public Builder peppers(PepperRing peppers) {
            this.peppers = Objects.requireNonNull(peppers, "peppers");
            return this;
        }

        /** One fixed pepper (tests, tools); this or {@link #peppers}. */
        public Builder pepper(Pepper pepper) {
            return peppers(PepperRing.fixed(Objects.requireNonNull(pepper, "pepper")));
        }

        /** The settings: grace limits, previous-token limit, token format (required). */
        public Builder config(GraceKeysConfig config) {
            this.config = Objects.requireNonNull(config, "config");
            return this;
        }

        /** Issues new tokens; by default a {@link SecureTokenGenerator} for the configured format. */
        public Builder tokenGenerator(TokenGenerator generator) {
            this.generator = Objects.requireNonNull(generator, "generator");
            return this;
        }

        /** Where domain events go; by default nowhere. */
        public Builder events(EventPublisher events) {
            this.events = Objects.requireNonNull(events, "events");
            return this;
        }

        /** The time of every rule; by default the system clock in UTC. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Delivers new tokens to secrets when asked; by default refused ({@link TokenDelivery#NONE}). */
        public Builder delivery(TokenDelivery delivery) {
            this.delivery = Objects.requireNonNull(delivery, "delivery");
            return this;
        }

        /** Where rotations, revocations and expiries are counted; by default nowhere. */
        public Builder metrics(Metrics metrics) {
            this.metrics = Objects.requireNonNull(metrics, "metrics");
            return this;
        }

        /**
         * The service.
         *
         * @throws IllegalStateException when {@code store}, {@code config} or the pepper(s) were not given
         */
        public TokenService build() {
            require(store != null, "store");
            require(config != null, "config");
            require(peppers != null, "peppers (or pepper)");
            return new TokenService(this);
        }

        private static void require(boolean given, String name) {
            if (!given) {
                throw new IllegalStateException("TokenService.builder() needs " + name + " before build()");
            }
        }
    }
}
