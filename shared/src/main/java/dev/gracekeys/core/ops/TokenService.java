package dev.gracekeys.core.ops;

import dev.gracekeys.core.ClientInactiveException;
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
import dev.gracekeys.core.token.IssuedToken;
import dev.gracekeys.core.token.TokenGenerator;
import dev.gracekeys.core.token.TokenHasher;
import dev.gracekeys.core.token.TokenKey;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * The ops operations: rotate (and create), revoke-old, set-status, describe. Each validates first
 * (bad input writes nothing), reads the client, computes the change with {@link ClientChanges} and
 * applies it as one transaction.
 */
public final class TokenService {

    private final ClientStore store;
    private final TokenHasher hasher;
    private final TokenGenerator tokens;
    private final Clock clock;
    private final GraceKeysConfig config;
    private final Changes changes;

    public TokenService(ClientStore store, TokenHasher hasher, TokenGenerator tokens, EventPublisher events,
                        Clock clock, GraceKeysConfig config) {
        this.store = store;
        this.hasher = hasher;
        this.tokens = tokens;
        this.clock = clock;
        this.config = config;
        this.changes = new Changes(store, events);
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
        Instant now = now();
        IssuedToken issued = tokens.next();
        TokenRef next = new TokenRef(hasher.keyOfToken(issued.value()), issued.tokenId(), now, null);

        if (create) {
            changes.apply(ClientChanges.create(clientId, name, next), "create", now, List.of(
                    DomainEvent.of(DomainEvent.CLIENT_CREATED, now)
                            .with("clientId", clientId).with("tokenId", issued.tokenId()).with("createdAt", now)
                            .build()));
            return new RotateResult(clientId, issued.value(), issued.tokenId(), now, null,
                    "Client " + clientId + " created. Deliver the token to its pushers now: it is shown only once.");
        }

        ClientRecord before = existing(clientId);
        if (!before.active()) {
            throw new ClientInactiveException("client '" + clientId + "' is inactive: reactivate it with set-status"
                    + " {\"clientId\":\"" + clientId + "\",\"active\":true} before rotating");
        }
        ClientChange change = ClientChanges.rotate(before, next, now, grace, config.maxPreviousTokens());
        List<TokenRef> kept = change.after().previous();
        TokenRef demoted = kept.stream().filter(p -> p.key().equals(before.current().key())).findFirst().orElse(null);
        changes.apply(change, "rotate", now, List.of(DomainEvent.of(DomainEvent.TOKEN_ROTATED, now)
                .with("clientId", clientId)
                .with("tokenId", issued.tokenId())
                .with("previousTokenId", before.current().tokenId())
                .with("previousExpiresAt", demoted == null ? now : demoted.expiresAt())
                .with("rotatedAt", now)
                .build()));

        StringBuilder message = new StringBuilder("Rotated. Deliver the new token now: it is shown only once. ");
        if (demoted != null) {
            message.append("The previous token ").append(demoted.tokenId()).append(" keeps working until ")
                    .append(Times.format(demoted.expiresAt())).append('.');
        } else {
            message.append("The previous token ").append(before.current().tokenId())
                    .append(" was revoked at once (graceSeconds 0).");
        }
        for (TokenRef dropped : change.revoked()) {
            if (!dropped.key().equals(before.current().key())) {
                message.append(" Older previous token ").append(dropped.tokenId())
                        .append(" was dropped (at most ").append(config.maxPreviousTokens())
                        .append(" previous token(s) are honoured).");
            }
        }
        return new RotateResult(clientId, issued.value(), issued.tokenId(), now,
                demoted == null ? null : new PreviousToken(demoted.tokenId(), demoted.expiresAt()),
                message.toString());
    }

    public RevokeResult revokeOld(RevokeRequest request) {
        if (request == null) {
            throw new ValidationException("the request is empty: send {\"clientId\":\"...\"}");
        }
        String clientId = Validation.clientId(request.clientId());
        Duration grace = Validation.graceSeconds(request.graceSeconds(), config.maxGrace(), Duration.ZERO);
        Instant now = now();
        ClientRecord before = existing(clientId);
        List<TokenRef> live = before.livePrevious(now);
        if (live.isEmpty()) {
            if (!before.previous().isEmpty()) { // tidy expired entries the sweep has not reached
                changes.apply(ClientChanges.removeExpired(before, now), "revoke-old", now, List.of());
            }
            return new RevokeResult(clientId, false, null,
                    "Client " + clientId + " has no previous token in its grace window: nothing to revoke.");
        }
        TokenRef newest = live.get(0);
        if (grace.isZero()) {
            changes.apply(ClientChanges.revokePrevious(before, now), "revoke-old", now, List.of());
            return new RevokeResult(clientId, true, new PreviousToken(newest.tokenId(), now),
                    "Previous token " + newest.tokenId() + " is revoked and rejected from now on (API Gateway may"
                            + " still serve a cached allow for up to the authorizer's result TTL).");
        }
        Instant newExpiry = now.plus(grace);
        changes.apply(ClientChanges.reschedulePrevious(before, now, newExpiry), "revoke-old", now, List.of());
        return new RevokeResult(clientId, false, new PreviousToken(newest.tokenId(), newExpiry),
                "Previous token " + newest.tokenId() + " now expires at " + Times.format(newExpiry)
                        + " (was " + Times.format(newest.expiresAt()) + ").");
    }

    public StatusResult setStatus(StatusRequest request) {
        if (request == null) {
            throw new ValidationException("the request is empty: send {\"clientId\":\"...\",\"active\":true|false}");
        }
        String clientId = Validation.clientId(request.clientId());
        boolean active = Validation.required(request.active(), "active");
        Instant now = now();
        ClientRecord before = existing(clientId);
        if (before.active() == active) {
            return new StatusResult(clientId, active); // already so: no write, no event
        }
        changes.apply(ClientChanges.setActive(before, active, now), "set-status", now, List.of(
                DomainEvent.of(DomainEvent.CLIENT_STATUS_CHANGED, now)
                        .with("clientId", clientId).with("active", active).with("changedAt", now).build()));
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
            c.livePrevious(now).stream().findFirst().ifPresent(p -> keys.add(p.key()));
        }
        Map<TokenKey, TokenRecord> tokens = keys.isEmpty() ? Map.of() : store.findTokens(keys);
        List<ClientView> views = new ArrayList<>();
        for (ClientRecord c : clients) {
            TokenRef prev = c.livePrevious(now).stream().findFirst().orElse(null);
            views.add(new ClientView(c.clientId(), c.name(), c.active(), c.createdAt(),
                    new CurrentTokenView(c.current().tokenId(), c.current().createdAt(), lastUsed(tokens, c.current())),
                    prev == null ? null
                            : new PreviousTokenView(prev.tokenId(), prev.createdAt(), prev.expiresAt(), lastUsed(tokens, prev))));
        }
        return views;
    }

    private static Instant lastUsed(Map<TokenKey, TokenRecord> tokens, TokenRef ref) {
        TokenRecord t = tokens.get(ref.key());
        return t == null ? null : t.lastUsedAt();
    }

    private ClientRecord existing(String clientId) {
        return store.findClient(clientId).orElseThrow(() -> new ClientNotFoundException("no client '" + clientId
                + "': check the id (describe lists clients), or create it with {\"clientId\":\"" + clientId
                + "\",\"create\":true}"));
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

    private Instant now() {
        return Times.second(clock.instant());
    }
}
