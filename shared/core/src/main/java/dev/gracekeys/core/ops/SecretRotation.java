package dev.gracekeys.core.ops;

import dev.gracekeys.core.ConcurrentModificationException;
import dev.gracekeys.core.GraceWindowOpenException;
import dev.gracekeys.core.RotationTestFailedException;
import dev.gracekeys.core.ValidationException;
import dev.gracekeys.core.events.DomainEvent;
import dev.gracekeys.core.metrics.Metric;
import dev.gracekeys.core.model.ClientRecord;
import dev.gracekeys.core.model.PendingToken;
import dev.gracekeys.core.model.Times;
import dev.gracekeys.core.model.TokenRef;
import dev.gracekeys.core.model.TokenSlot;
import dev.gracekeys.core.store.ClientChange;
import dev.gracekeys.core.token.IssuedToken;
import dev.gracekeys.core.token.TokenFormat;
import dev.gracekeys.core.token.TokenKey;
import dev.gracekeys.core.verify.Verdict;
import dev.gracekeys.core.verify.Verifier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.regex.Pattern;

/**
 * {@code rotate-secret}: Secrets Manager's four rotation steps for a client's delivery secret
 * (docs/design.md "Scheduled rotation"). A pending token verifies beside the current one from
 * {@code setSecret} on; {@code finishSecret} moves AWSCURRENT to it first and only then makes it the
 * client's current token, starting the old token's grace window. Each step is idempotent for its
 * rotation token (Secrets Manager retries steps).
 *
 * <p>Every step first checks what it is given: {@code T} (the rotation token) must be a version of the
 * secret, and the secret a GraceKeys delivery secret (its AWSCURRENT value is
 * {@code {"clientId","tokenId","token"}} of an existing client whose {@code deliverTo} names this
 * secret). If AWSCURRENT is on a version whose token is still the client's pending token (a
 * {@code finishSecret} that moved the stage and stopped before DynamoDB's promotion), every step
 * first completes that promotion; if {@code T} carries AWSCURRENT the rotation is finished and the
 * step returns. Otherwise {@code T} must carry AWSPENDING and the step runs:
 * <ol>
 *   <li>{@code createSecret}: a new token as version {@code T}'s value (nothing in DynamoDB);</li>
 *   <li>{@code setSecret}: that token becomes the client's pending token (expiring in 24 h),
 *       replacing any other pending token;</li>
 *   <li>{@code testSecret}: the {@link Verifier} must allow it, as this client's;</li>
 *   <li>{@code finishSecret}: AWSCURRENT moves to {@code T}, then the pending token becomes
 *       current and the current one previous for {@code DEFAULT_GRACE_SECONDS}.</li>
 * </ol>
 * Nothing here logs, publishes or throws a token or a secret value.
 */
public final class SecretRotation {

    /** The steps, by the names Secrets Manager sends. */
    public enum Step {
        CREATE_SECRET("createSecret"), SET_SECRET("setSecret"), TEST_SECRET("testSecret"), FINISH_SECRET("finishSecret");

        private final String wireName;

        Step(String wireName) {
            this.wireName = wireName;
        }

        public String wireName() {
            return wireName;
        }

        /**
         * The step Secrets Manager names {@code s}.
         *
         * @throws ValidationException when it names none
         */
        public static Step fromWire(String s) {
            for (Step step : values()) {
                if (step.wireName.equals(s)) {
                    return step;
                }
            }
            // Not echoed, not even in part: whatever was sent as Step (a token by mistake?) stays out of the message.
            throw new ValidationException("Step must be one of createSecret, setSecret, testSecret, finishSecret"
                    + " (Secrets Manager's rotation steps); " + (s == null ? "none was given" : "the Step given is none"
                    + " of them (not quoted)"));
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(SecretRotation.class);
    /** The operation as change errors, revocation events and logs name it. */
    static final String OPERATION = "rotate-secret";
    /** Tries of one DynamoDB change when another request changed the client meanwhile. */
    static final int ATTEMPTS = 3;
    /**
     * The least DEFAULT_GRACE_SECONDS a scheduled rotation accepts: the Secrets Manager caching
     * clients' default TTL (1 h). A consumer reading AWSCURRENT through such a cache holds the old
     * token up to that long after finishSecret moved the stage; with a shorter grace it is denied.
     */
    public static final Duration SCHEDULED_MIN_GRACE = Duration.ofHours(1);
    private static final Pattern ROTATION_TOKEN = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    private final OpsContext ctx;
    private final RotationSecret secret;
    private final Verifier verifier;

    SecretRotation(OpsContext ctx, RotationSecret secret, Verifier verifier) {
        this.ctx = ctx;
        this.secret = secret;
        this.verifier = verifier;
    }

    /**
     * Runs one step for the rotation {@code rotationToken} (Secrets Manager's ClientRequestToken, the
     * id of the version being made) of the delivery secret {@code secretId}.
     *
     * @throws ValidationException                        when the secret is not a GraceKeys delivery
     *                                                    secret, or the version is not this rotation's
     * @throws dev.gracekeys.core.RotationTestFailedException when testSecret's verify does not allow the pending token
     * @throws TokenDeliveryException                     when Secrets Manager cannot be read or changed
     */
    public void run(Step step, String secretId, String rotationToken) {
        if (step == null) {
            throw new ValidationException("Step is required: one of createSecret, setSecret, testSecret, finishSecret");
        }
        Rotation r = rotation(secretId, rotationToken);
        if (r.finished()) {
            return; // Secrets Manager retried a step of a rotation that is done
        }
        switch (step) {
            case CREATE_SECRET -> createSecret(r);
            case SET_SECRET -> setSecret(r);
            case TEST_SECRET -> testSecret(r);
            case FINISH_SECRET -> finishSecret(r);
        }
    }

    /**
     * What every step establishes first.
     *
     * @param name           the secret as messages name it
     * @param t              the rotation token (version id)
     * @param currentVersion the version carrying AWSCURRENT
     * @param current        its value
     * @param finished       whether {@code t} carries AWSCURRENT already
     */
    private record Rotation(String secretId, String name, String t, String currentVersion, DeliveredValue current,
                            String clientId, boolean finished) {
    }

    private Rotation rotation(String secretId, String rotationToken) {
        if (secretId == null || secretId.isBlank()) {
            throw new ValidationException("SecretId is required: the delivery secret's name or ARN, as Secrets Manager"
                    + " sends it");
        }
        if (rotationToken == null || !ROTATION_TOKEN.matcher(rotationToken).matches() || ctx.looksLikeToken(rotationToken)) {
            // Not quoted: whatever it is, it is not a version id this function would make.
            throw new ValidationException("ClientRequestToken is missing or invalid: Secrets Manager sends the id of the"
                    + " version its rotation makes (1-64 characters of A-Z a-z 0-9 . _ -, usually a UUID)");
        }
        String t = rotationToken;
        RotationSecret.Description d = secret.describe(secretId);
        String name = d.name() != null ? d.name() : secretId;
        if (!d.stagesByVersion().containsKey(t)) {
            throw new ValidationException("version " + t + " is not a version of secret " + name + ": a rotation step"
                    + " needs the ClientRequestToken of the rotation Secrets Manager started on this secret; start a new"
                    + " rotation with aws secretsmanager rotate-secret --secret-id " + name);
        }
        String currentVersion = d.versionWith(RotationSecret.CURRENT);
        DeliveredValue current = currentVersion == null ? null
                : DeliveredValue.parse(secret.value(secretId, currentVersion, RotationSecret.CURRENT));
        if (current == null) {
            throw notDelivery(name, "its AWSCURRENT value is not a GraceKeys token value"
                    + " {\"clientId\",\"tokenId\",\"token\"}", null);
        }
        String clientId = current.clientId();
        ClientRecord client = ctx.store.findClient(clientId).orElse(null);
        if (client == null) {
            boolean quotable = !ctx.looksLikeToken(clientId) && !ctx.looksLikeLegacyKey(clientId);
            throw notDelivery(name, "its AWSCURRENT value names " + (quotable ? "client '" + clientId + "'" : "a client")
                    + ", which does not exist", null);
        }
        if (client.deliverTo() == null
                || !(client.deliverTo().equals(d.name()) || client.deliverTo().equals(d.arn())
                || client.deliverTo().equals(secretId))) {
            throw notDelivery(name, "client '" + clientId + "' " + (client.deliverTo() == null
                    ? "has no delivery secret" : "delivers its tokens to another secret"), clientId);
        }
        Rotation r = new Rotation(secretId, name, t, currentVersion, current, clientId, d.has(t, RotationSecret.CURRENT));
        completeInterrupted(r, client);
        if (!r.finished() && !d.has(t, RotationSecret.PENDING)) {
            throw new ValidationException("version " + t + " of secret " + name + " is neither AWSPENDING nor AWSCURRENT:"
                    + " it is not a rotation in progress (a later rotation or rotate replaced it); Secrets Manager"
                    + " starts a new rotation at the next schedule, or now with aws secretsmanager rotate-secret"
                    + " --secret-id " + name);
        }
        return r;
    }

    private static ValidationException notDelivery(String name, String why, String clientId) {
        String client = clientId == null ? "<clientId>" : clientId;
        return new ValidationException("secret " + name + " is not a GraceKeys delivery secret: " + why + "."
                + " rotate-secret rotates only the secret a client's tokens are delivered to: first rotate the client"
                + " with {\"clientId\":\"" + client + "\",\"deliverToSecretId\":\"" + name + "\"} (then the"
                + " secret's AWSCURRENT value is that client's token), then turn on rotation for the secret");
    }

    /**
     * If AWSCURRENT is on the version whose token is the client's pending token, a finishSecret moved
     * the stage and did not get to the promotion: consumers may read that token already, so the
     * promotion is completed now, whichever step (of this rotation or the next) comes first.
     */
    private void completeInterrupted(Rotation r, ClientRecord client) {
        PendingToken p = client.pending();
        if (p != null && p.of(r.currentVersion()) && p.ref().tokenId().equals(r.current().tokenId())) {
            promote(r.clientId(), r.currentVersion(), r.current().tokenId());
        } else if (r.finished() && !client.current().tokenId().equals(r.current().tokenId())
                && client.livePrevious(ctx.now()).stream().noneMatch(x -> x.tokenId().equals(r.current().tokenId()))) {
            throw stranded(r);
        }
    }

    // ---- 1. createSecret -------------------------------------------------------------------------

    private void createSecret(Rotation r) {
        String staged = secret.value(r.secretId(), r.t(), RotationSecret.PENDING);
        if (staged != null) {
            DeliveredValue value = DeliveredValue.parse(staged);
            if (value != null && value.clientId().equals(r.clientId()) && !value.tokenId().equals(r.current().tokenId())) {
                return; // a retry: version T holds this rotation's new token
            }
            throw new ValidationException("version " + r.t() + " of secret " + r.name() + " already holds a value that is"
                    + " not a new GraceKeys token of client '" + r.clientId() + "', and a version's value cannot be"
                    + " replaced: remove the AWSPENDING label from it (aws secretsmanager update-secret-version-stage"
                    + " --secret-id " + r.name() + " --version-stage AWSPENDING --remove-from-version-id " + r.t()
                    + ") and start a new rotation");
        }
        // A rotation that could not finish does not start: checked again at finishSecret.
        requireSchedulableGrace(r);
        requireNoGraceCutShort(r, ctx.existing(r.clientId()));
        IssuedToken issued = ctx.tokens.next();
        secret.putPending(r.secretId(), r.t(), new DeliveredValue(r.clientId(), issued.tokenId(), issued.value()).json());
        LOG.atInfo().setMessage("pending token created").addKeyValue("clientId", r.clientId())
                .addKeyValue("tokenId", issued.tokenId()).log();
    }

    // ---- 2. setSecret ----------------------------------------------------------------------------

    private void setSecret(Rotation r) {
        DeliveredValue staged = pendingValue(r);
        TokenKey key = ctx.peppers.forNewTokens().keyOfToken(staged.token());
        changeClient(ctx, OPERATION, r.clientId(), (client, now) -> {
            PendingToken pending = client.pending();
            boolean stagedAlready = pending != null && pending.of(r.t()) && pending.ref().key().equals(key);
            if (stagedAlready && pending.isLiveAt(now)) {
                return null; // a retry: it is staged already
            }
            if (stagedAlready) {
                // A retry more than 24 h later: the staged token expired (testSecret would fail for ever).
                // The same token of the same rotation verifies again for a new lifetime.
                ClientChange again = RotationRules.restagePending(client, now);
                return new Planned(again, List.of(), () -> LOG.atInfo().setMessage("expired pending token staged again")
                        .addKeyValue("clientId", r.clientId()).addKeyValue("tokenId", staged.tokenId())
                        .addKeyValue("expiresAt", String.valueOf(again.after().pending().ref().expiresAt())).log());
            }
            if (pending != null && pending.isFinishingAt(now)) {
                throw new ConcurrentModificationException("client '" + r.clientId() + "': the finish of an earlier"
                        + " rotation (" + pending.rotationId() + ", since " + Times.format(pending.finishingAt())
                        + ") may still be moving AWSCURRENT: nothing was changed; Secrets Manager retries this step"
                        + " (or start the rotation again after "
                        + Times.format(pending.finishingAt().plus(PendingToken.FINISH_HOLD)) + ")");
            }
            if (holds(client, key)) {
                throw new ValidationException("version " + r.t() + " of secret " + r.name() + " holds a token client '"
                        + r.clientId() + "' has already (current, previous or another rotation's pending token): this"
                        + " rotation is over; Secrets Manager starts a new one at the next schedule, or now with aws"
                        + " secretsmanager rotate-secret --secret-id " + r.name());
            }
            ClientChange change = RotationRules.stagePending(client, PendingToken.staged(key, staged.tokenId(), now, r.t()));
            return new Planned(change, List.of(), () -> LOG.atInfo().setMessage("pending token staged")
                    .addKeyValue("clientId", r.clientId()).addKeyValue("tokenId", staged.tokenId())
                    .addKeyValue("expiresAt", String.valueOf(change.after().pending().ref().expiresAt()))
                    .addKeyValue("replacedTokenId", pending == null ? null : pending.ref().tokenId()).log());
        });
    }

    /** Whether {@code key} is one of the client's tokens (current, previous or pending). */
    private static boolean holds(ClientRecord client, TokenKey key) {
        return client.current().key().equals(key) || client.previous().stream().anyMatch(p -> p.key().equals(key))
                || (client.pending() != null && client.pending().ref().key().equals(key));
    }

    // ---- 3. testSecret ---------------------------------------------------------------------------

    private void testSecret(Rotation r) {
        DeliveredValue staged = pendingValue(r);
        Verdict v = verifier.verify(staged.token());
        if (!v.allowed()) {
            throw new RotationTestFailedException("the pending token " + staged.tokenId() + " of client '" + r.clientId()
                    + "' (version " + r.t() + " of secret " + r.name() + ") does not verify: " + denied(v.reason(), r));
        }
        if (!r.clientId().equals(v.clientId()) || !staged.tokenId().equals(v.tokenId())) {
            throw new RotationTestFailedException("the pending token " + staged.tokenId() + " (version " + r.t()
                    + " of secret " + r.name() + ") verifies, but not as that token of client '" + r.clientId()
                    + "': start a new rotation");
        }
        if (v.slot() == TokenSlot.PREVIOUS) {
            throw new RotationTestFailedException("the pending token " + staged.tokenId() + " of client '"
                    + r.clientId() + "' is already its previous token, which stops at the end of its grace window:"
                    + " this rotation is over; start a new one");
        }
    }

    private String denied(Verdict.DenyReason reason, Rotation r) {
        return switch (reason) {
            case INACTIVE -> "the client is inactive; reactivate it with set-status {\"clientId\":\"" + r.clientId()
                    + "\",\"active\":true} and rotate again";
            case UNKNOWN -> "no such token is stored: setSecret did not run, a later rotation replaced it, or the pepper"
                    + " changed; rotate again";
            case EXPIRED -> "it expired (a pending token verifies for " + PendingToken.LIFETIME.toHours()
                    + " h unless its rotation finishes); rotate again";
            case MALFORMED -> "it is not a token of this deployment's format (TOKEN_PREFIX changed?); rotate again";
            case STORE_UNAVAILABLE -> "the token store did not answer in time; retry the rotation";
        };
    }

    // ---- 4. finishSecret -------------------------------------------------------------------------

    private void finishSecret(Rotation r) {
        DeliveredValue staged = pendingValue(r);
        requireSchedulableGrace(r);
        markFinishing(r, staged);
        // Then the stage: consumers may read the new token (which verifies already, and no longer expires)
        // before the old token's grace clock starts. A failure between the two leaves both verifying; the
        // next step of this rotation or the next completes the promotion.
        secret.moveCurrent(r.secretId(), r.t(), r.currentVersion());
        promote(r.clientId(), r.t(), staged.tokenId());
    }

    /**
     * Marks the rotation's pending token finishing, in a change conditional on the client record its
     * checks read: from then on it has no expiry, and for {@link PendingToken#FINISH_HOLD} no rotate or
     * other rotation may change it. If a rotate (or anything) changed the client first, the mark fails
     * and is tried again on the new record: a cancelled rotation then stops here, before the stage moves.
     */
    private void markFinishing(Rotation r, DeliveredValue staged) {
        changeClient(ctx, OPERATION, r.clientId(), (client, now) -> {
            PendingToken p = client.pending();
            boolean ours = p != null && p.of(r.t()) && p.ref().tokenId().equals(staged.tokenId());
            if (ours && !p.isLiveAt(now)) {
                throw new ValidationException("the pending token of rotation " + r.t() + " of secret " + r.name()
                        + " (client '" + r.clientId() + "') expired (" + PendingToken.LIFETIME.toHours() + " h after"
                        + " setSecret) before finishSecret: AWSCURRENT was not moved. Run setSecret, testSecret and"
                        + " finishSecret again with this ClientRequestToken (setSecret stages the same token again), or"
                        + " remove AWSPENDING from version " + r.t() + " and start a new rotation");
            }
            if (!ours) {
                throw new ValidationException("the pending token of rotation " + r.t() + " of secret " + r.name()
                        + " (client '" + r.clientId() + "') is gone (a rotate cancelled the rotation, or a later"
                        + " rotation replaced it): AWSCURRENT was not moved. Remove AWSPENDING from version " + r.t()
                        + " if it still carries it (aws secretsmanager update-secret-version-stage --secret-id "
                        + r.name() + " --version-stage AWSPENDING --remove-from-version-id " + r.t() + "), then start"
                        + " a new rotation (aws secretsmanager rotate-secret --secret-id " + r.name() + ")");
            }
            requireNoGraceCutShort(r, client);
            return new Planned(RotationRules.markFinishing(client, now), List.of(), () -> LOG.atInfo()
                    .setMessage("pending token marked finishing").addKeyValue("clientId", r.clientId())
                    .addKeyValue("tokenId", staged.tokenId()).addKeyValue("rotationId", r.t()).log());
        });
    }

    /**
     * Refuses (ValidationException, nothing changed) when DEFAULT_GRACE_SECONDS is below
     * {@link #SCHEDULED_MIN_GRACE}: finishing would stop the old token before consumers caching
     * AWSCURRENT read the new one (with 0, at once).
     */
    private void requireSchedulableGrace(Rotation r) {
        Duration grace = ctx.config.defaultGrace();
        if (grace.compareTo(SCHEDULED_MIN_GRACE) < 0) {
            throw new ValidationException("DEFAULT_GRACE_SECONDS is " + grace.toSeconds() + ": a scheduled rotation"
                    + " starts the old token's grace window when it moves AWSCURRENT, and consumers reading AWSCURRENT"
                    + " through a cache (Secrets Manager's caching clients keep a value " + SCHEDULED_MIN_GRACE.toSeconds()
                    + " s) would be denied. Set DEFAULT_GRACE_SECONDS to at least " + SCHEDULED_MIN_GRACE.toSeconds()
                    + " (the template parameter DefaultGraceSeconds), then rotate again (aws secretsmanager"
                    + " rotate-secret --secret-id " + r.name() + "); AWSCURRENT was not moved");
        }
    }

    /**
     * Refuses ({@link GraceWindowOpenException}, nothing changed) when promoting now would revoke a live
     * previous token before its expiry (MAX_PREVIOUS_TOKENS live previous tokens already): a caller may
     * still push with it. Not applied to completing an interrupted finish (AWSCURRENT moved already).
     */
    private void requireNoGraceCutShort(Rotation r, ClientRecord client) {
        Instant now = ctx.now();
        List<TokenRef> cut = client.pending() != null && client.pending().of(r.t())
                ? RotationRules.promotePending(client, now, ctx.config.defaultGrace(), ctx.config.maxPreviousTokens())
                .revoked().stream().filter(x -> client.previous().contains(x)).toList()
                : RotationRules.cutShort(client, now, ctx.config.defaultGrace(), ctx.config.maxPreviousTokens());
        if (cut.isEmpty()) {
            return;
        }
        TokenRef first = cut.get(0);
        Instant until = cut.stream().map(TokenRef::expiresAt).max(Instant::compareTo).orElseThrow();
        throw new GraceWindowOpenException("client '" + r.clientId() + "': finishing this rotation now would cut short"
                + " the grace window of its previous token " + first.tokenId() + ", which verifies until "
                + first.expiresAt() + (cut.size() > 1 ? " (and " + (cut.size() - 1) + " more previous token(s), the"
                + " last until " + until + ")" : "") + " (MAX_PREVIOUS_TOKENS " + ctx.config.maxPreviousTokens()
                + " live previous tokens at most): a caller may still push with it. AWSCURRENT was not moved and"
                + " nothing changed. Wait until " + until + " and let Secrets Manager retry (or rotate again: aws"
                + " secretsmanager rotate-secret --secret-id " + r.name() + "), or, if it is unused, revoke it first"
                + " with revoke-old {\"clientId\":\"" + r.clientId() + "\",\"ifUnusedForSeconds\":3600}");
    }

    private void promote(String clientId, String t, String tokenId) {
        completePromotion(ctx, OPERATION, clientId, t, tokenId);
    }

    /**
     * The pending token of rotation {@code t} becomes current (idempotent: done already is fine),
     * the current token previous for the default grace window; TokenRotated, a Rotations count. Also
     * what a manual rotate does first when it finds a finish that stopped after moving AWSCURRENT.
     */
    static void completePromotion(OpsContext ctx, String operation, String clientId, String t, String tokenId) {
        changeClient(ctx, operation, clientId, (before, now) -> {
            PendingToken p = before.pending();
            if (p == null || !p.of(t) || !p.ref().tokenId().equals(tokenId)) {
                if (before.current().tokenId().equals(tokenId)) {
                    return null; // promoted already
                }
                throw new ValidationException("client '" + clientId + "': the token of rotation " + t + " is AWSCURRENT"
                        + " but no longer its pending token (replaced or expired before the rotation finished), so it"
                        + " does not verify. Move AWSCURRENT back to the version holding the client's current token"
                        + " (aws secretsmanager update-secret-version-stage --version-stage AWSCURRENT"
                        + " --move-to-version-id <the AWSPREVIOUS version id> --remove-from-version-id " + t
                        + " --secret-id <the secret>), then rotate again");
            }
            ClientChange change = RotationRules.promotePending(before, now, ctx.config.defaultGrace(),
                    ctx.config.maxPreviousTokens());
            TokenRef demoted = change.after().previous().stream()
                    .filter(x -> x.key().equals(before.current().key())).findFirst().orElse(null);
            return new Planned(change, List.of(DomainEvent.of(DomainEvent.TOKEN_ROTATED, now)
                    .with("clientId", clientId)
                    .with("tokenId", tokenId)
                    .with("previousTokenId", before.current().tokenId())
                    .with("previousExpiresAt", demoted == null ? now : demoted.expiresAt())
                    .with("rotatedAt", now)
                    .build()), () -> {
                        LOG.atInfo().setMessage("token rotated")
                                .addKeyValue("clientId", clientId).addKeyValue("tokenId", tokenId)
                                .addKeyValue("previousTokenId", before.current().tokenId()).log();
                        ctx.metrics.record(Metric.ROTATIONS, null, 1, Map.of("clientId", clientId, "tokenId", tokenId));
                    });
        });
    }

    /** A change one attempt decided on its read of the client, its events, and what follows once it is stored. */
    private record Planned(ClientChange change, List<DomainEvent> events, Runnable stored) {
    }

    /**
     * Reads the client and stores the change {@code plan} decides on that read (null: nothing to store).
     * When another request changed the client first (the change's version condition), it reads again and
     * decides again, up to {@link #ATTEMPTS} times; a refusal {@code plan} throws is not retried.
     */
    private static void changeClient(OpsContext ctx, String operation, String clientId,
                                     BiFunction<ClientRecord, Instant, Planned> plan) {
        for (int attempt = 1; ; attempt++) {
            Instant now = ctx.now();
            Planned planned = plan.apply(ctx.existing(clientId), now);
            if (planned == null) {
                return;
            }
            try {
                ctx.changes.apply(planned.change(), operation, now, planned.events());
            } catch (ConcurrentModificationException e) {
                if (attempt == ATTEMPTS) {
                    throw e;
                }
                continue;
            }
            planned.stored().run();
            return;
        }
    }

    private ValidationException stranded(Rotation r) {
        return new ValidationException("secret " + r.name() + ": its AWSCURRENT version " + r.currentVersion()
                + " holds a token that is neither the current nor the pending token of client '" + r.clientId()
                + "' (its rotation's pending token was replaced or expired before the rotation finished), so consumers"
                + " reading it are denied. Move AWSCURRENT back to the version holding the client's current token: aws"
                + " secretsmanager update-secret-version-stage --secret-id " + r.name() + " --version-stage AWSCURRENT"
                + " --move-to-version-id <the AWSPREVIOUS version id> --remove-from-version-id " + r.currentVersion()
                + "; then rotate again");
    }

    /** Version T's value as this rotation's new token for the client, or ValidationException. */
    private DeliveredValue pendingValue(Rotation r) {
        String value = secret.value(r.secretId(), r.t(), RotationSecret.PENDING);
        if (value == null) {
            throw new ValidationException("version " + r.t() + " of secret " + r.name() + " has no value yet: createSecret"
                    + " makes it; Secrets Manager runs the steps in order, so start a new rotation");
        }
        DeliveredValue staged = DeliveredValue.parse(value);
        if (staged == null || ctx.config.tokenFormat().classify(staged.token()) != TokenFormat.Kind.GRACEKEYS) {
            throw new ValidationException("version " + r.t() + " of secret " + r.name() + " does not hold a GraceKeys"
                    + " token value {\"clientId\",\"tokenId\",\"token\"}: remove the AWSPENDING label from it and"
                    + " start a new rotation");
        }
        if (!staged.clientId().equals(r.clientId())) {
            throw new ValidationException("version " + r.t() + " of secret " + r.name() + " holds a token of another"
                    + " client than the secret's ('" + r.clientId() + "'): remove the AWSPENDING label from it and start"
                    + " a new rotation");
        }
        return staged;
    }
}
