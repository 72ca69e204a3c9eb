package dev.gracekeys.core.ops;

import dev.gracekeys.core.ValidationException;
import dev.gracekeys.core.model.ClientRecord;
import dev.gracekeys.core.model.TokenRecord;
import dev.gracekeys.core.model.TokenRef;
import dev.gracekeys.core.ops.Requests.DescribeRequest;
import dev.gracekeys.core.ops.Results.ClientList;
import dev.gracekeys.core.ops.Results.ClientView;
import dev.gracekeys.core.ops.Results.CurrentTokenView;
import dev.gracekeys.core.ops.Results.PreviousTokenView;
import dev.gracekeys.core.store.ClientStore;
import dev.gracekeys.core.token.TokenKey;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/** describe: one client, or a page of the list, with its live tokens and their last use. Reads only. */
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
        int max = Validation.listLimit(limit);
        String after = decodeCursor(cursor);
        ClientStore.ClientPage page = ctx.store.listClients(max, after);
        String next = page.lastClientId() == null ? null
                : Base64.getUrlEncoder().withoutPadding().encodeToString(page.lastClientId().getBytes(StandardCharsets.UTF_8));
        return new ClientList(views(page.clients()), next);
    }

    Object describe(DescribeRequest request) {
        if (request != null && request.clientId() != null) {
            if (request.limit() != null || request.cursor() != null) {
                throw new ValidationException("give either clientId (one client) or limit/cursor (the list), not both");
            }
            return describe(request.clientId());
        }
        return request == null ? list(null, null) : list(request.limit(), request.cursor());
    }

    private List<ClientView> views(List<ClientRecord> clients) {
        Instant now = ctx.clock.instant();
        List<TokenKey> keys = new ArrayList<>();
        for (ClientRecord c : clients) {
            keys.add(c.current().key());
            c.livePrevious(now).forEach(p -> keys.add(p.key()));
        }
        Map<TokenKey, TokenRecord> tokens = keys.isEmpty() ? Map.of() : ctx.store.findTokens(keys);
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
