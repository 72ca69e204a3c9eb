package dev.gracekeys.core.ops;

import dev.gracekeys.core.ClientAlreadyExistsException;
import dev.gracekeys.core.ClientInactiveException;
import dev.gracekeys.core.ConcurrentModificationException;
import dev.gracekeys.core.ValidationException;
import dev.gracekeys.core.events.DomainEvent;
import dev.gracekeys.core.model.ClientRecord;
import dev.gracekeys.core.model.PendingToken;
import dev.gracekeys.core.model.Times;
import dev.gracekeys.core.model.TokenRef;
import dev.gracekeys.core.ops.Requests.RotateRequest;
import dev.gracekeys.core.ops.Results.PreviousToken;
import dev.gracekeys.core.ops.Results.RotateResult;
import dev.gracekeys.core.store.ClientChange;
import dev.gracekeys.core.store.Replay;
import dev.gracekeys.core.token.IssuedToken;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** rotate: a new current token for a client (or a new client, {@code "create":true}), delivered if asked. */
final class RotateOperation {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(RotateOperation.class);

    private final OpsContext ctx;

    RotateOperation(OpsContext ctx) {
        this.ctx = ctx;
    }

    RotateResult rotate(RotateRequest request) {
        if (request == null) {
            throw new ValidationException("the request is empty: send {\"clientId\":\"...\"}");
        }
        String clientId = Validation.clientId(request.clientId());
        boolean create = Boolean.TRUE.equals(request.create());
        Duration grace = Validation.graceSeconds(request.graceSeconds(), ctx.config.maxGrace(), ctx.config.defaultGrace());
        String name = Validation.name(request.name());
        if (create && request.graceSeconds() != null) {
            throw new ValidationException("graceSeconds has no meaning with \"create\":true (a new client has no"
                    + " previous token): leave it out");
        }
        if (!create && name != null) {
            throw new ValidationException("name can only be set when creating a client (\"create\":true)");
        }
        String deliverTo = Validation.secretId(request.deliverToSecretId());
        if (create && ctx.looksLikeToken(clientId)) {
            throw new ValidationException("clientId looks like a token (it has the token prefix and checksum): a"
                    + " token must never become a client id, which is shown in listings and events; choose another id");
        }
        String requestId = ctx.requestId(request.requestId());
        String fingerprint = OpsContext.fingerprint("rotate", clientId, request.graceSeconds(), create, name, deliverTo);
        Instant now = ctx.now();
        RotateResult replayed = replayed(requestId, fingerprint, now);
        if (replayed != null) {
            return replayed;
        }
        IssuedToken issued = ctx.tokens.next();
        TokenRef next = new TokenRef(ctx.peppers.forNewTokens().keyOfToken(issued.value()), issued.tokenId(), now, null);
        Request r = new Request(clientId, requestId, fingerprint, now, issued, next);
        return create ? create(r, name, deliverTo) : rotate(r, grace, deliverTo);
    }

    /** What one rotate request settled on before it reads the client. */
    private record Request(String clientId, String requestId, String fingerprint, Instant now, IssuedToken issued,
                           TokenRef next) {
    }

    private RotateResult create(Request r, String name, String deliverTo) {
        ClientChange change = delivering(RotationRules.create(r.clientId(), name, r.next()), deliverTo);
        String staged = stage(deliverTo, r.clientId(), r.issued());
        String base = "Client " + r.clientId() + " created.";
        try {
            ctx.changes.apply(change, "create", r.now(), List.of(
                    DomainEvent.of(DomainEvent.CLIENT_CREATED, r.now())
                            .with("clientId", r.clientId()).with("tokenId", r.issued().tokenId())
                            .with("createdAt", r.now()).with("deliveredTo", deliverTo).build()),
                    record(r, null, base, deliverTo, staged));
        } catch (ClientAlreadyExistsException | ConcurrentModificationException e) {
            discard(deliverTo, staged, null); // certainly not stored
            RotateResult again = replayed(r.requestId(), r.fingerprint(), r.now());
            if (again != null) {
                return again; // a resend of this very request got there first
            }
            throw e;
        }
        rotated(r.clientId(), r.issued().tokenId(), null);
        return new RotateResult(r.clientId(), r.issued().value(), r.issued().tokenId(), r.now(), null,
                base + " " + (deliverTo == null
                        ? "Deliver the token to its pushers now: it is shown only once."
                        : promote(deliverTo, staged)), deliverTo);
    }

    private RotateResult rotate(Request r, Duration grace, String deliverTo) {
        String clientId = r.clientId();
        ClientRecord read = ctx.existing(clientId);
        if (!read.active()) {
            throw new ClientInactiveException("client '" + clientId + "' is inactive: reactivate it with set-status"
                    + " {\"clientId\":\"" + clientId + "\",\"active\":true} before rotating");
        }
        PendingToken pending = read.pending();
        if (pending != null && pending.isFinishingAt(r.now())) {
            throw finishing(read, pending, r.now());
        }
        StringBuilder settled = new StringBuilder();
        ClientRecord before = pending != null && pending.isFinishing()
                ? settleStoppedFinish(read, pending, settled) : read;
        String target = deliverTo != null ? deliverTo : before.deliverTo();
        ClientChange change = delivering(
                RotationRules.rotate(before, r.next(), r.now(), grace, ctx.config.maxPreviousTokens()), target);
        // Only a client with a pending token has a scheduled rotation that needs its label back if this fails.
        String pendingBefore = before.pending() == null ? null : pendingVersion(target);
        String staged = stage(target, clientId, r.issued());
        TokenRef demoted = change.after().previous().stream()
                .filter(p -> p.key().equals(before.current().key())).findFirst().orElse(null);
        String message = settled + message(before, change, demoted);
        PreviousToken previous = demoted == null ? null : new PreviousToken(demoted.tokenId(), demoted.expiresAt());
        try {
            ctx.changes.apply(change, "rotate", r.now(), List.of(DomainEvent.of(DomainEvent.TOKEN_ROTATED, r.now())
                    .with("clientId", clientId)
                    .with("tokenId", r.issued().tokenId())
                    .with("previousTokenId", before.current().tokenId())
                    .with("previousExpiresAt", demoted == null ? r.now() : demoted.expiresAt())
                    .with("rotatedAt", r.now())
                    .build()),
                    record(r, previous, "Rotated. " + message, target, staged));
        } catch (ConcurrentModificationException e) {
            discard(target, staged, pendingBefore); // certainly not stored (a timeout is not: the staging stays)
            RotateResult again = replayed(r.requestId(), r.fingerprint(), r.now());
            if (again != null) {
                return again; // a resend of this very request got there first
            }
            if (before.pending() != null) { // a scheduled rotation was in progress: did its finish win?
                ClientRecord now = ctx.existing(clientId);
                if (now.pending() != null && now.pending().isFinishingAt(ctx.now())) {
                    throw finishing(now, now.pending(), ctx.now()); // lost to a scheduled rotation's finish: say so
                }
            }
            throw e;
        }
        rotated(clientId, r.issued().tokenId(), before.current().tokenId());
        String head = target == null
                ? "Rotated. Deliver the new token now: it is shown only once. "
                : "Rotated. " + promote(target, staged) + " ";
        return new RotateResult(clientId, r.issued().value(), r.issued().tokenId(), r.now(), previous, head + message,
                target);
    }

    /** Logs and counts a rotation that issued a token (a client's first included); resends are not counted. */
    private void rotated(String clientId, String tokenId, String previousTokenId) {
        LOG.atInfo().setMessage("token rotated")
                .addKeyValue("clientId", clientId).addKeyValue("tokenId", tokenId)
                .addKeyValue("previousTokenId", previousTokenId).log();
        ctx.metrics.record(dev.gracekeys.core.metrics.Metric.ROTATIONS, null, 1, Map.of("clientId", clientId, "tokenId", tokenId));
    }

    /** What became of the tokens the client had: kept for a while, revoked, or dropped. */
    private String message(ClientRecord before, ClientChange change, TokenRef demoted) {
        StringBuilder message = new StringBuilder();
        if (demoted != null) {
            message.append("The previous token ").append(demoted.tokenId()).append(" keeps working until ")
                    .append(Times.format(demoted.expiresAt())).append('.');
        } else {
            message.append("The previous token ").append(before.current().tokenId())
                    .append(" was revoked at once (graceSeconds 0).");
            for (TokenRef older : change.after().previous()) {
                message.append(" Older previous token ").append(older.tokenId()).append(" keeps working until ")
                        .append(Times.format(older.expiresAt())).append(" (revoke-old revokes it now).");
            }
        }
        PendingToken pending = before.pending();
        if (pending != null) {
            message.append(" The scheduled rotation in progress (Secrets Manager rotation ").append(pending.rotationId())
                    .append(") was cancelled: its pending token ").append(pending.ref().tokenId())
                    .append(" no longer verifies (it was never the secret's AWSCURRENT value).");
        }
        for (TokenRef dropped : change.revoked()) {
            if (!dropped.key().equals(before.current().key())) {
                message.append(" Older previous token ").append(dropped.tokenId())
                        .append(" was dropped (at most ").append(ctx.config.maxPreviousTokens())
                        .append(" previous token(s) are honoured).");
            }
        }
        return message.toString();
    }

    // ---- a scheduled rotation finishing meanwhile -------------------------------------------------

    /**
     * The refusal while a finishSecret may be moving AWSCURRENT (its mark is less than
     * {@link PendingToken#FINISH_HOLD} old). It says what a retry right after the finish would do.
     */
    private ConcurrentModificationException finishing(ClientRecord client, PendingToken pending, Instant now) {
        String secret = client.deliverTo() == null ? "<the secret>" : client.deliverTo();
        return new ConcurrentModificationException("client '" + client.clientId() + "': a scheduled rotation"
                + " (Secrets Manager rotation " + pending.rotationId() + " of secret " + secret + ") is finishing"
                + " since " + Times.format(pending.finishingAt()) + ": it is moving AWSCURRENT to its token "
                + pending.ref().tokenId() + ", and a rotate now could leave consumers reading a token that stops."
                + " Nothing was changed. Retry in a minute: describe shows no pending token once it has finished."
                + " Then the token it replaces, " + client.current().tokenId() + ", is previous, consumers caching"
                + " AWSCURRENT may hold it for up to " + SecretRotation.SCHEDULED_MIN_GRACE.toMinutes() + " minutes,"
                + " and with MAX_PREVIOUS_TOKENS " + ctx.config.maxPreviousTokens() + " a rotate drops the oldest live"
                + " previous token at once: unless it must stop now, rotate after "
                + Times.format(now.plus(SecretRotation.SCHEDULED_MIN_GRACE)) + ". A finish that stopped"
                + " half-way holds a rotate back until " + Times.format(pending.finishingAt().plus(PendingToken.FINISH_HOLD))
                + " (to end Secrets Manager's retries: aws secretsmanager cancel-rotate-secret --secret-id " + secret
                + "; to stop every token now: set-status {\"clientId\":\"" + client.clientId() + "\",\"active\":false})");
    }

    /**
     * A finish that stopped after its mark, longer ago than the hold: the secret says whether it moved
     * AWSCURRENT. If it did, consumers read its token: that promotion is completed first (its old token
     * previous for the default grace window, TokenRotated), and this rotate then rotates the new current
     * token. If not, nobody read the token, and this rotate cancels it like any pending token.
     *
     * @return the client to rotate
     */
    private ClientRecord settleStoppedFinish(ClientRecord before, PendingToken pending, StringBuilder note) {
        String clientId = before.clientId();
        // No delivery secret, or it is gone: nobody reads its AWSCURRENT. TokenDeliveryException: nothing changed.
        String onCurrent = before.deliverTo() == null ? null
                : ctx.delivery.versionWith(before.deliverTo(), RotationSecret.CURRENT);
        if (onCurrent == null || !pending.of(onCurrent)) {
            LOG.atInfo().setMessage("stopped finish never moved AWSCURRENT: cancelled by rotate")
                    .addKeyValue("clientId", clientId).addKeyValue("tokenId", pending.ref().tokenId()).log();
            return before;
        }
        SecretRotation.completePromotion(ctx, "rotate", clientId, pending.rotationId(), pending.ref().tokenId());
        note.append("A scheduled rotation's finish had stopped after moving AWSCURRENT (rotation ")
                .append(pending.rotationId()).append("): its promotion was completed first, so its token ")
                .append(pending.ref().tokenId()).append(" became current before this rotation. ");
        return ctx.existing(clientId);
    }

    // ---- resends (requestId) ---------------------------------------------------------------------

    private RotateResult replayed(String requestId, String fingerprint, Instant now) {
        Replay r = ctx.replay(requestId, fingerprint, now);
        if (r == null) {
            return null;
        }
        Map<String, String> f = r.fields();
        String token = ctx.cipher.decrypt(f.get("token"), requestId);
        if (token == null) {
            throw new ConcurrentModificationException("this requestId was handled at " + Times.format(r.recordedAt())
                    + " (token " + f.get("tokenId") + " issued), but its token can no longer be shown: the pepper"
                    + " changed twice since. Rotate again with a new requestId to get a token to deliver");
        }
        PreviousToken previous = f.containsKey("previousTokenId")
                ? new PreviousToken(f.get("previousTokenId"), Instant.parse(f.get("previousExpiresAt"))) : null;
        String delivery = f.containsKey("deliveredTo") && f.containsKey("stagedVersion")
                ? finishDelivery(f.get("clientId"), f.get("tokenId"), f.get("deliveredTo"), f.get("stagedVersion")) : "";
        return new RotateResult(f.get("clientId"), token, f.get("tokenId"), Instant.parse(f.get("createdAt")), previous,
                String.format(OpsContext.REPLAYED, Times.format(r.recordedAt())) + delivery + f.get("message"),
                f.get("deliveredTo"));
    }

    /**
     * A resend of a rotate whose first answer was lost may find the rotation stored but its token never
     * made current in the secret (the call ended between the commit and the promotion, or the commit's
     * answer timed out): consumers would keep reading the old token until its grace ends. If the token is
     * still the client's current one, its staged version is made current now. Idempotent.
     */
    private String finishDelivery(String clientId, String tokenId, String secretId, String versionId) {
        try {
            if (versionId.equals(ctx.delivery.versionWith(secretId, RotationSecret.CURRENT))) {
                return ""; // delivered
            }
            ClientRecord client = ctx.store.findClient(clientId).orElse(null);
            if (client == null || !client.current().tokenId().equals(tokenId)) {
                return ""; // a later rotation replaced the token: AWSCURRENT is that one's business
            }
            ctx.delivery.promote(secretId, versionId);
            return "Only its delivery was finished now: its token had not reached secret " + secretId + " (the first"
                    + " call ended before it made it current), and is now the secret's current version. ";
        } catch (TokenDeliveryException e) {
            return "Its token may not have reached secret " + secretId + " (" + e.getMessage() + "): make it current"
                    + " with aws secretsmanager update-secret-version-stage --secret-id " + secretId + " --version-stage"
                    + " AWSCURRENT --move-to-version-id " + versionId + " --remove-from-version-id <the AWSCURRENT"
                    + " version id>. ";
        }
    }


    private Replay record(Request r, PreviousToken previous, String message, String deliveredTo,
                          String stagedVersion) {
        if (r.requestId() == null) {
            return null;
        }
        Map<String, String> f = new HashMap<>();
        f.put("clientId", r.clientId());
        f.put("token", ctx.cipher.encrypt(r.issued().value(), r.requestId()));
        f.put("tokenId", r.issued().tokenId());
        f.put("createdAt", Times.format(r.now()));
        if (previous != null) {
            f.put("previousTokenId", previous.tokenId());
            f.put("previousExpiresAt", Times.format(previous.expiresAt()));
        }
        f.put("message", message.strip());
        if (deliveredTo != null) {
            f.put("deliveredTo", deliveredTo);
        }
        if (stagedVersion != null) {
            f.put("stagedVersion", stagedVersion); // a version id: the resend finishes a delivery left half-done
        }
        return new Replay(r.requestId(), r.fingerprint(), r.now(), f);
    }

    // ---- delivery --------------------------------------------------------------------------------

    /*
     * Delivery order, so that a client is never half-rotated and a token never lost:
     * 1. stage the new token as a pending version of the secret (consumers still read the old one);
     *    if this fails, nothing has changed and the caller gets TokenDeliveryException;
     * 2. store the rotation; if this fails, the pending version is never promoted, and if it certainly
     *    failed (a condition, not a timeout) the AWSPENDING label goes back where it was (best effort:
     *    Secrets Manager refuses to start a scheduled rotation while AWSPENDING is on a version that is
     *    not current, and a scheduled rotation in progress needs it on its own version);
     * 3. promote the pending version to current; if this fails, the rotation stands, the old token
     *    keeps working for its grace window, and the message says how to promote by hand.
     */
    private static ClientChange delivering(ClientChange change, String secretId) {
        if (secretId == null || secretId.equals(change.after().deliverTo())) {
            return change;
        }
        return new ClientChange(change.before(), change.after().deliveringTo(secretId), change.tokenWrites(),
                change.revoked(), change.expired());
    }

    private String stage(String secretId, String clientId, IssuedToken issued) {
        return secretId == null ? null : ctx.delivery.stage(secretId, clientId, issued);
    }

    /**
     * The version carrying AWSPENDING before this rotation stages its own (which takes the label): a
     * scheduled rotation's, usually; null if none or no delivery.
     */
    private String pendingVersion(String secretId) {
        return secretId == null ? null : ctx.delivery.versionWith(secretId, RotationSecret.PENDING);
    }

    /** The rotation was certainly not stored: the secret's labels go back as they were (best effort). */
    private void discard(String secretId, String versionId, String pendingBefore) {
        if (secretId != null && versionId != null) {
            ctx.delivery.discard(secretId, versionId, pendingBefore);
        }
    }

    private String promote(String secretId, String versionId) {
        try {
            ctx.delivery.promote(secretId, versionId);
            return "The new token is delivered: it is now the current version of secret " + secretId + ".";
        } catch (TokenDeliveryException e) {
            return "The new token is stored in secret " + secretId + " as pending version " + versionId
                    + " but could not be made current (" + e.getMessage() + "). Consumers still read the previous"
                    + " token, valid for its grace window; promote it with: aws secretsmanager"
                    + " update-secret-version-stage --secret-id " + secretId + " --version-stage AWSCURRENT"
                    + " --move-to-version-id " + versionId + " --remove-from-version-id <the AWSCURRENT version id>.";
        }
    }
}
