package dev.gracekeys.core.ops;

import dev.gracekeys.core.ClientAlreadyExistsException;
import dev.gracekeys.core.ClientInactiveException;
import dev.gracekeys.core.ConcurrentModificationException;
import dev.gracekeys.core.ClientNotFoundException;
import dev.gracekeys.core.GraceKeysConfig;
import dev.gracekeys.core.ValidationException;
import dev.gracekeys.core.events.DomainEvent;
import dev.gracekeys.core.events.EventPublisher;
import dev.gracekeys.core.model.ClientRecord;
import dev.gracekeys.core.model.Times;
import dev.gracekeys.core.model.TokenRecord;
import dev.gracekeys.core.model.TokenRef;
import dev.gracekeys.core.ops.Requests.DescribeRequest;
import dev.gracekeys.core.ops.Requests.RevokeRequest;
import dev.gracekeys.core.ops.Requests.RotateRequest;
import dev.gracekeys.core.ops.Requests.StatusRequest;
import dev.gracekeys.core.ops.Results.ClientList;
import dev.gracekeys.core.ops.Results.ClientView;
import dev.gracekeys.core.ops.Results.CurrentTokenView;
import dev.gracekeys.core.ops.Results.PreviousToken;
import dev.gracekeys.core.ops.Results.PreviousTokenView;
import dev.gracekeys.core.ops.Results.RevokeResult;
import dev.gracekeys.core.ops.Results.RotateResult;
import dev.gracekeys.core.ops.Results.StatusResult;
import dev.gracekeys.core.store.ClientChange;
import dev.gracekeys.core.store.ClientStore;
import dev.gracekeys.core.store.Replay;
import dev.gracekeys.core.token.IssuedToken;
import dev.gracekeys.core.token.TokenGenerator;
import dev.gracekeys.core.token.PepperRing;
import dev.gracekeys.core.token.TokenKey;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The ops operations: rotate (and create), revoke-old, set-status, describe. Each validates first
 * (bad input writes nothing), reads the client, computes the change with {@link RotationRules} and
 * applies it as one transaction.
 */
public final class TokenService {

    private final ClientStore store;
    private final PepperRing peppers;
    private final TokenGenerator tokens;
    private final Clock clock;
    private final GraceKeysConfig config;
    private final ChangeApplier changes;
    private final TokenDelivery delivery;
    private final ReplayCipher cipher;

    public TokenService(ClientStore store, PepperRing peppers, TokenGenerator tokens, EventPublisher events,
                        Clock clock, GraceKeysConfig config) {
        this(store, peppers, tokens, events, clock, config, TokenDelivery.NONE);
    }

    public TokenService(ClientStore store, PepperRing peppers, TokenGenerator tokens, EventPublisher events,
                        Clock clock, GraceKeysConfig config, TokenDelivery delivery) {
        this.delivery = delivery;
        this.store = store;
        this.peppers = peppers;
        this.tokens = tokens;
        this.clock = clock;
        this.config = config;
        this.changes = new ChangeApplier(store, events);
        this.cipher = new ReplayCipher(peppers);
    }

    public RotateResult rotate(RotateRequest request) {
        if (request == null) {
            throw new ValidationException("the request is empty: send {\"clientId\":\"...\"}");
        }
        String clientId = Validation.clientId(request.clientId());
        boolean create = Boolean.TRUE.equals(request.create());
        Duration grace = Validation.graceSeconds(request.graceSeconds(), config.maxGrace(), config.defaultGrace());
        String name = Validation.name(request.name());
        if (create && request.graceSeconds() != null) {
            throw new ValidationException("graceSeconds has no meaning with \"create\":true (a new client has no"
                    + " previous token): leave it out");
        }
        if (!create && name != null) {
            throw new ValidationException("name can only be set when creating a client (\"create\":true)");
        }
        String deliverTo = Validation.secretId(request.deliverToSecretId());
        if (create && looksLikeToken(clientId)) {
            throw new ValidationException("clientId looks like a token (it has the token prefix and checksum): a"
                    + " token must never become a client id, which is shown in listings and events; choose another id");
        }
        String requestId = requestId(request.requestId());
        String fingerprint = fingerprint("rotate", clientId, request.graceSeconds(), create, name, deliverTo);
        Instant now = now();
        RotateResult replayed = replayedRotate(requestId, fingerprint, now);
        if (replayed != null) {
            return replayed;
        }
        IssuedToken issued = tokens.next();
        TokenRef next = new TokenRef(peppers.forNewTokens().keyOfToken(issued.value()), issued.tokenId(), now, null);

        if (create) {
            ClientChange change = delivering(RotationRules.create(clientId, name, next), deliverTo);
            String staged = stage(deliverTo, clientId, issued);
            String base = "Client " + clientId + " created.";
            try {
                changes.apply(change, "create", now, List.of(
                        DomainEvent.of(DomainEvent.CLIENT_CREATED, now)
                                .with("clientId", clientId).with("tokenId", issued.tokenId()).with("createdAt", now)
                                .with("deliveredTo", deliverTo).build()),
                        rotateReplay(requestId, fingerprint, now, clientId, issued, null, base, deliverTo));
            } catch (ClientAlreadyExistsException | ConcurrentModificationException e) {
                RotateResult again = replayedRotate(requestId, fingerprint, now);
                if (again != null) {
                    return again; // a resend of this very request got there first
                }
                throw e;
            }
            return new RotateResult(clientId, issued.value(), issued.tokenId(), now, null,
                    base + " " + (deliverTo == null
                            ? "Deliver the token to its pushers now: it is shown only once."
                            : promote(deliverTo, staged)), deliverTo);
        }

        ClientRecord before = existing(clientId);
        if (!before.active()) {
            throw new ClientInactiveException("client '" + clientId + "' is inactive: reactivate it with set-status"
                    + " {\"clientId\":\"" + clientId + "\",\"active\":true} before rotating");
        }
        String target = deliverTo != null ? deliverTo : before.deliverTo();
        ClientChange change = delivering(RotationRules.rotate(before, next, now, grace, config.maxPreviousTokens()), target);
        String staged = stage(target, clientId, issued);
        List<TokenRef> kept = change.after().previous();
        TokenRef demoted = kept.stream().filter(p -> p.key().equals(before.current().key())).findFirst().orElse(null);
        StringBuilder message = new StringBuilder();
        if (demoted != null) {
            message.append("The previous token ").append(demoted.tokenId()).append(" keeps working until ")
                    .append(Times.format(demoted.expiresAt())).append('.');
        } else {
            message.append("The previous token ").append(before.current().tokenId())
                    .append(" was revoked at once (graceSeconds 0).");
            for (TokenRef older : kept) {
                message.append(" Older previous token ").append(older.tokenId()).append(" keeps working until ")
                        .append(Times.format(older.expiresAt())).append(" (revoke-old revokes it now).");
            }
        }
        for (TokenRef dropped : change.revoked()) {
            if (!dropped.key().equals(before.current().key())) {
                message.append(" Older previous token ").append(dropped.tokenId())
                        .append(" was dropped (at most ").append(config.maxPreviousTokens())
                        .append(" previous token(s) are honoured).");
            }
        }
        PreviousToken previous = demoted == null ? null : new PreviousToken(demoted.tokenId(), demoted.expiresAt());
        try {
            changes.apply(change, "rotate", now, List.of(DomainEvent.of(DomainEvent.TOKEN_ROTATED, now)
                    .with("clientId", clientId)
                    .with("tokenId", issued.tokenId())
                    .with("previousTokenId", before.current().tokenId())
                    .with("previousExpiresAt", demoted == null ? now : demoted.expiresAt())
                    .with("rotatedAt", now)
                    .build()),
                    rotateReplay(requestId, fingerprint, now, clientId, issued, previous, "Rotated. " + message, target));
        } catch (ConcurrentModificationException e) {
            RotateResult again = replayedRotate(requestId, fingerprint, now);
            if (again != null) {
                return again; // a resend of this very request got there first
            }
            throw e;
        }
        String head = target == null
                ? "Rotated. Deliver the new token now: it is shown only once. "
                : "Rotated. " + promote(target, staged) + " ";
        return new RotateResult(clientId, issued.value(), issued.tokenId(), now, previous, head + message, target);
    }

    // ---- resends (requestId) ---------------------------------------------------------------------

    private static final String REPLAYED = "Already done: this requestId was handled at %s, and this resend"
            + " changed nothing. ";

    private String requestId(String requestId) {
        String id = Validation.requestId(requestId);
        if (id != null && looksLikeToken(id)) {
            throw new ValidationException("requestId looks like a token (it has the token prefix and checksum):"
                    + " requestIds are stored and logged; use a fresh id such as a UUID");
        }
        return id;
    }

    /** What a request asked for: the same requestId with another fingerprint is refused. */
    private static String fingerprint(Object... parts) {
        StringBuilder b = new StringBuilder();
        for (Object p : parts) {
            b.append(p == null ? "\u0001" : p.toString()).append('\u0000');
        }
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(b.toString().getBytes(StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(digest);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available in this JVM", e);
        }
    }

    /** The live replay of this requestId, refusing one recorded for another request. */
    private Replay replay(String requestId, String fingerprint, Instant now) {
        if (requestId == null) {
            return null;
        }
        Replay r = store.findReplay(requestId).filter(x -> x.liveAt(now)).orElse(null);
        if (r != null && !r.fingerprint().equals(fingerprint)) {
            throw new ValidationException("this requestId was used within the last 15 minutes for a different"
                    + " request, so nothing was changed: use a new requestId for each new request, and the same one"
                    + " only to resend the very same request");
        }
        return r;
    }

    private RotateResult replayedRotate(String requestId, String fingerprint, Instant now) {
        Replay r = replay(requestId, fingerprint, now);
        if (r == null) {
            return null;
        }
        Map<String, String> f = r.fields();
        String token = cipher.decrypt(f.get("token"), requestId);
        if (token == null) {
            throw new ConcurrentModificationException("this requestId was handled at " + Times.format(r.recordedAt())
                    + " (token " + f.get("tokenId") + " issued), but its token can no longer be shown: the pepper"
                    + " changed twice since. Rotate again with a new requestId to get a token to deliver");
        }
        PreviousToken previous = f.containsKey("previousTokenId")
                ? new PreviousToken(f.get("previousTokenId"), Instant.parse(f.get("previousExpiresAt"))) : null;
        return new RotateResult(f.get("clientId"), token, f.get("tokenId"), Instant.parse(f.get("createdAt")), previous,
                String.format(REPLAYED, Times.format(r.recordedAt())) + f.get("message"), f.get("deliveredTo"));
    }

    private Replay rotateReplay(String requestId, String fingerprint, Instant now, String clientId, IssuedToken issued,
                                PreviousToken previous, String message, String deliveredTo) {
        if (requestId == null) {
            return null;
        }
        Map<String, String> f = new HashMap<>();
        f.put("clientId", clientId);
        f.put("token", cipher.encrypt(issued.value(), requestId));
        f.put("tokenId", issued.tokenId());
        f.put("createdAt", Times.format(now));
        if (previous != null) {
            f.put("previousTokenId", previous.tokenId());
            f.put("previousExpiresAt", Times.format(previous.expiresAt()));
        }
        f.put("message", message.strip());
        if (deliveredTo != null) {
            f.put("deliveredTo", deliveredTo);
        }
        return new Replay(requestId, fingerprint, now, f);
    }

    /*
     * Delivery order, so that a client is never half-rotated and a token never lost:
     * 1. stage the new token as a pending version of the secret (consumers still read the old one);
     *    if this fails, nothing has changed and the caller gets TokenDeliveryException;
     * 2. store the rotation; if this fails, the pending version is simply never promoted (the next
     *    rotation stages over it);
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
        return secretId == null ? null : delivery.stage(secretId, clientId, issued);
    }

    private String promote(String secretId, String versionId) {
        try {
            delivery.promote(secretId, versionId);
            return "The new token is delivered: it is now the current version of secret " + secretId + ".";
        } catch (TokenDeliveryException e) {
            return "The new token is stored in secret " + secretId + " as pending version " + versionId
                    + " but could not be made current (" + e.getMessage() + "). Consumers still read the previous"
                    + " token, valid for its grace window; promote it with: aws secretsmanager"
                    + " update-secret-version-stage --secret-id " + secretId + " --version-stage AWSCURRENT"
                    + " --move-to-version-id " + versionId + " --remove-from-version-id <the AWSCURRENT version id>.";
        }
    }

    public RevokeResult revokeOld(RevokeRequest request) {
        if (request == null) {
            throw new ValidationException("the request is empty: send {\"clientId\":\"...\"}");
        }
        String clientId = Validation.clientId(request.clientId());
        Duration grace = Validation.graceSeconds(request.graceSeconds(), config.maxGrace(), Duration.ZERO);
        String requestId = requestId(request.requestId());
        String fingerprint = fingerprint("revoke-old", clientId, grace.toSeconds());
        Instant now = now();
        RevokeResult replayed = replayedRevoke(requestId, fingerprint, now);
        if (replayed != null) {
            return replayed;
        }
        ClientRecord before = existing(clientId);
        List<TokenRef> live = before.livePrevious(now);
        if (live.isEmpty()) {
            if (!before.previous().isEmpty()) { // tidy expired entries the sweep has not reached
                changes.apply(RotationRules.removeExpired(before, now), "revoke-old", now, List.of());
            }
            return new RevokeResult(clientId, false, null,
                    "Client " + clientId + " has no previous token in its grace window: nothing to revoke.");
        }
        TokenRef newest = live.get(0);
        ClientChange change;
        RevokeResult result;
        if (grace.isZero()) {
            change = RotationRules.revokePrevious(before, now);
            result = new RevokeResult(clientId, true, new PreviousToken(newest.tokenId(), now),
                    "Previous token " + newest.tokenId() + " is revoked and rejected from now on (API Gateway may"
                            + " still serve a cached allow for up to the authorizer's result TTL).");
        } else {
            Instant newExpiry = now.plus(grace);
            change = RotationRules.reschedulePrevious(before, now, newExpiry);
            result = new RevokeResult(clientId, false, new PreviousToken(newest.tokenId(), newExpiry),
                    "Previous token " + newest.tokenId() + " now expires at " + Times.format(newExpiry)
                            + " (was " + Times.format(newest.expiresAt()) + ").");
        }
        try {
            changes.apply(change, "revoke-old", now, List.of(), revokeReplay(requestId, fingerprint, now, result));
        } catch (ConcurrentModificationException e) {
            RevokeResult again = replayedRevoke(requestId, fingerprint, now);
            if (again != null) {
                return again;
            }
            throw e;
        }
        return result;
    }

    private RevokeResult replayedRevoke(String requestId, String fingerprint, Instant now) {
        Replay r = replay(requestId, fingerprint, now);
        if (r == null) {
            return null;
        }
        Map<String, String> f = r.fields();
        PreviousToken previous = f.containsKey("previousTokenId")
                ? new PreviousToken(f.get("previousTokenId"), Instant.parse(f.get("previousExpiresAt"))) : null;
        return new RevokeResult(f.get("clientId"), Boolean.parseBoolean(f.get("revoked")), previous,
                String.format(REPLAYED, Times.format(r.recordedAt())) + f.get("message"));
    }

    private static Replay revokeReplay(String requestId, String fingerprint, Instant now, RevokeResult result) {
        if (requestId == null) {
            return null;
        }
        Map<String, String> f = new HashMap<>();
        f.put("clientId", result.clientId());
        f.put("revoked", Boolean.toString(result.revoked()));
        if (result.previous() != null) {
            f.put("previousTokenId", result.previous().tokenId());
            f.put("previousExpiresAt", Times.format(result.previous().expiresAt()));
        }
        f.put("message", result.message());
        return new Replay(requestId, fingerprint, now, f);
    }

    public StatusResult setStatus(StatusRequest request) {
        if (request == null) {
            throw new ValidationException("the request is empty: send {\"clientId\":\"...\",\"active\":true|false}");
        }
        String clientId = Validation.clientId(request.clientId());
        boolean active = Validation.required(request.active(), "active");
        String requestId = requestId(request.requestId());
        String fingerprint = fingerprint("set-status", clientId, active);
        Instant now = now();
        if (replay(requestId, fingerprint, now) != null) {
            return new StatusResult(clientId, active); // a resend: the first call did it
        }
        ClientRecord before = existing(clientId);
        if (before.active() == active) {
            return new StatusResult(clientId, active); // already so: no write, no event
        }
        try {
            changes.apply(RotationRules.setActive(before, active, now), "set-status", now, List.of(
                    DomainEvent.of(DomainEvent.CLIENT_STATUS_CHANGED, now)
                            .with("clientId", clientId).with("active", active).with("changedAt", now).build()),
                    requestId == null ? null : new Replay(requestId, fingerprint, now,
                            Map.of("clientId", clientId, "active", Boolean.toString(active))));
        } catch (ConcurrentModificationException e) {
            if (replay(requestId, fingerprint, now) != null) {
                return new StatusResult(clientId, active);
            }
            throw e;
        }
        return new StatusResult(clientId, active);
    }

    public ClientView describe(String clientId) {
        ClientRecord client = existing(Validation.clientId(clientId));
        return views(List.of(client)).get(0);
    }

    /** A page of clients in clientId order; {@code nextCursor} is null on the last page. */
    public ClientList list(Integer limit, String cursor) {
        int max = Validation.listLimit(limit);
        String after = decodeCursor(cursor);
        ClientStore.ClientPage page = store.listClients(max, after);
        String next = page.lastClientId() == null ? null
                : Base64.getUrlEncoder().withoutPadding().encodeToString(page.lastClientId().getBytes(StandardCharsets.UTF_8));
        return new ClientList(views(page.clients()), next);
    }

    /** describe's request: one client by id, or a page of the list. */
    public Object describe(DescribeRequest request) {
        if (request != null && request.clientId() != null) {
            if (request.limit() != null || request.cursor() != null) {
                throw new ValidationException("give either clientId (one client) or limit/cursor (the list), not both");
            }
            return describe(request.clientId());
        }
        return request == null ? list(null, null) : list(request.limit(), request.cursor());
    }

    private List<ClientView> views(List<ClientRecord> clients) {
        Instant now = clock.instant();
        List<TokenKey> keys = new ArrayList<>();
        for (ClientRecord c : clients) {
            keys.add(c.current().key());
            c.livePrevious(now).forEach(p -> keys.add(p.key()));
        }
        Map<TokenKey, TokenRecord> tokens = keys.isEmpty() ? Map.of() : store.findTokens(keys);
        List<ClientView> views = new ArrayList<>();
        for (ClientRecord c : clients) {
            List<PreviousTokenView> previous = c.livePrevious(now).stream()
                    .map(p -> new PreviousTokenView(p.tokenId(), p.createdAt(), p.expiresAt(), lastUsed(tokens, p)))
                    .toList();
            views.add(new ClientView(c.clientId(), c.name(), c.active(), c.createdAt(),
                    new CurrentTokenView(c.current().tokenId(), c.current().createdAt(), lastUsed(tokens, c.current())),
                    previous.isEmpty() ? null : previous.get(0), previous));
        }
        return views;
    }

    private static Instant lastUsed(Map<TokenKey, TokenRecord> tokens, TokenRef ref) {
        TokenRecord t = tokens.get(ref.key());
        return t == null ? null : t.lastUsedAt();
    }

    private ClientRecord existing(String clientId) {
        return store.findClient(clientId).orElseThrow(() -> {
            if (looksLikeToken(clientId)) {
                // A token pasted as clientId: say so, without quoting it back.
                return new ClientNotFoundException("no such client: the clientId given looks like a token, not a"
                        + " client id; describe lists clients");
            }
            if (looksLikeLegacyKey(clientId)) {
                // Maybe a legacy key pasted as clientId: an unknown id of that shape is never quoted back.
                return new ClientNotFoundException("no such client: the clientId given is unknown and has the shape"
                        + " of a legacy key (LEGACY_KEY_PATTERN), so it is not shown here; check the id (describe"
                        + " lists clients)");
            }
            return new ClientNotFoundException("no client '" + clientId + "': check the id (describe lists"
                    + " clients), or create it with {\"clientId\":\"" + clientId + "\",\"create\":true}");
        });
    }

    private static String decodeCursor(String cursor) {
        if (cursor == null) {
            return null;
        }
        try {
            String after = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
            return Validation.clientId(after);
        } catch (IllegalArgumentException | ValidationException e) {
            throw new ValidationException("cursor is not one this function returned: pass nextCursor from the"
                    + " previous page unchanged, or leave it out to start from the beginning");
        }
    }

    /** A GraceKeys token (prefix and valid checksum) where a client id belongs: never echo or store it. */
    private boolean looksLikeLegacyKey(String clientId) {
        return config.tokenFormat().classify(clientId) == dev.gracekeys.core.token.TokenFormat.Kind.LEGACY;
    }

    private boolean looksLikeToken(String clientId) {
        return config.tokenFormat().classify(clientId) == dev.gracekeys.core.token.TokenFormat.Kind.GRACEKEYS;
    }

    private Instant now() {
        return Times.second(clock.instant());
    }
}
