package dev.gracekeys.core.ops;

import dev.gracekeys.core.ValidationException;
import dev.gracekeys.core.model.ClientRecord;
import dev.gracekeys.core.model.PendingToken;
import dev.gracekeys.core.model.TokenRecord;
import dev.gracekeys.core.model.TokenRef;
import dev.gracekeys.core.ops.Requests.DescribeRequest;
import dev.gracekeys.core.ops.Results.ClientList;
import dev.gracekeys.core.ops.Results.ClientView;
import dev.gracekeys.core.ops.Results.CurrentTokenView;
import dev.gracekeys.core.ops.Results.PendingTokenView;
import dev.gracekeys.core.ops.Results.PreviousTokenView;
import dev.gracekeys.core.store.ClientStore;
import dev.gracekeys.core.token.TokenKey;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * describe: one client, or a page of the list (optionally filtered to the clients in their grace
 * window, expiring soon, or still using the previous token), with its live tokens and their last
 * use. Reads only.
 */
final class DescribeOperation {

    private final OpsContext ctx;

    DescribeOperation(OpsContext ctx) {
        this.ctx = ctx;
    }

    ClientView describe(String clientId) {
        ClientRecord client = ctx.existing(Validation.clientId(clientId));
        return views(List.of(client)).get(0);
    }

    ClientList list(Integer limit, String cursor) {
        return list(new DescribeRequest(null, limit, cursor));
    }

    /**
     * A page of the list, filtered. Like a DynamoDB Scan with a filter: {@code limit} clients are
     * read, those that do not match are left out, so a page may hold fewer (even none) and
     * {@code nextCursor} still continues after the last client read.
     */
    private ClientList list(DescribeRequest request) {
        int max = Validation.listLimit(request.limit());
        Filter filter = Filter.of(request, LastUse.of(ctx.config));
        String after = decodeCursor(request.cursor());
        ClientStore.ClientPage page = ctx.store.listClients(max, after);
        String next = page.lastClientId() == null ? null
                : Base64.getUrlEncoder().withoutPadding().encodeToString(page.lastClientId().getBytes(StandardCharsets.UTF_8));
        Instant now = ctx.clock.instant();
        List<ClientView> views = views(page.clients()).stream().filter(v -> filter.matches(v, now)).toList();
        return new ClientList(views, next);
    }

    Object describe(DescribeRequest request) {
        if (request != null && request.clientId() != null) {
            if (request.limit() != null || request.cursor() != null || request.filtered()) {
                throw new ValidationException("give either clientId (one client) or limit/cursor/inGrace/"
                        + "expiringWithinSeconds/usedWithinSeconds (the list), not both: drop clientId to filter"
                        + " the list, or drop the list fields to describe one client");
            }
            return describe(request.clientId());
        }
        return list(request == null ? new DescribeRequest(null, null, null) : request);
    }

    /**
     * The list filters, validated. A client matches when every given filter holds: {@code inGrace}
     * true and the token filters on one and the same live previous token; {@code inGrace} false on
     * a client with no live previous token.
     */
    private record Filter(Boolean inGrace, Duration expiringWithin, Duration usedWithin, LastUse lastUse) {

        static Filter of(DescribeRequest r, LastUse lastUse) {
            Long expiring = Validation.windowSeconds(r.expiringWithinSeconds(), "expiringWithinSeconds");
            Long used = Validation.windowSeconds(r.usedWithinSeconds(), "usedWithinSeconds");
            if (Boolean.FALSE.equals(r.inGrace()) && (expiring != null || used != null)) {
                throw new ValidationException("inGrace false (clients without a live previous token) never matches"
                        + " expiringWithinSeconds or usedWithinSeconds, which are about a live previous token: set"
                        + " inGrace to true or leave it out");
            }
            return new Filter(r.inGrace(), expiring == null ? null : Duration.ofSeconds(expiring),
                    used == null ? null : Duration.ofSeconds(used), lastUse);
        }

        boolean matches(ClientView v, Instant now) {
            if (Boolean.FALSE.equals(inGrace)) {
                return v.previousTokens().isEmpty();
            }
            if (inGrace == null && expiringWithin == null && usedWithin == null) {
                return true;
            }
            return v.previousTokens().stream().anyMatch(p -> matches(p, now));
        }

        private boolean matches(PreviousTokenView p, Instant now) {
            return (expiringWithin == null || !p.expiresAt().isAfter(now.plus(expiringWithin)))
                    && (usedWithin == null || lastUse.possiblyWithin(p.lastUsedAt(), usedWithin, now));
        }
    }

    private List<ClientView> views(List<ClientRecord> clients) {
        Instant now = ctx.clock.instant();
        List<TokenKey> keys = new ArrayList<>();
        for (ClientRecord c : clients) {
            keys.add(c.current().key());
            c.livePrevious(now).forEach(p -> keys.add(p.key()));
            if (c.livePending(now) != null) {
                keys.add(c.livePending(now).ref().key());
            }
        }
        Map<TokenKey, TokenRecord> tokens = keys.isEmpty() ? Map.of() : ctx.store.findTokens(keys);
        List<ClientView> views = new ArrayList<>();
        for (ClientRecord c : clients) {
            List<PreviousTokenView> previous = c.livePrevious(now).stream()
                    .map(p -> new PreviousTokenView(p.tokenId(), p.createdAt(), p.expiresAt(), lastUsed(tokens, p)))
                    .toList();
            PendingToken pending = c.livePending(now);
            views.add(new ClientView(c.clientId(), c.name(), c.active(), c.createdAt(),
                    new CurrentTokenView(c.current().tokenId(), c.current().createdAt(), lastUsed(tokens, c.current())),
                    previous.isEmpty() ? null : previous.get(0), previous,
                    pending == null ? null : new PendingTokenView(pending.ref().tokenId(), pending.ref().createdAt(),
                            pending.ref().expiresAt(), lastUsed(tokens, pending.ref()), pending.finishingAt())));
        }
        return views;
    }

    private static Instant lastUsed(Map<TokenKey, TokenRecord> tokens, TokenRef ref) {
        TokenRecord t = tokens.get(ref.key());
        return t == null ? null : t.lastUsedAt();
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
}
