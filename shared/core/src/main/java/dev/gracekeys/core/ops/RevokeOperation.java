package dev.gracekeys.core.ops;

import dev.gracekeys.core.ConcurrentModificationException;
import dev.gracekeys.core.PreviousTokenInUseException;
import dev.gracekeys.core.ValidationException;
import dev.gracekeys.core.model.ClientRecord;
import dev.gracekeys.core.model.Times;
import dev.gracekeys.core.model.TokenRecord;
import dev.gracekeys.core.model.TokenRef;
import dev.gracekeys.core.ops.Requests.RevokeRequest;
import dev.gracekeys.core.ops.Results.PreviousToken;
import dev.gracekeys.core.ops.Results.RevokeResult;
import dev.gracekeys.core.store.ClientChange;
import dev.gracekeys.core.store.Replay;
import dev.gracekeys.core.token.TokenKey;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * revoke-old: ends a client's previous token now, or reschedules its expiry ({@code graceSeconds});
 * with {@code ifUnusedForSeconds}, either only while no live previous token may have been used within
 * that many seconds ({@code PreviousTokenInUseException} otherwise, changing nothing).
 */
final class RevokeOperation {

    private final OpsContext ctx;

    RevokeOperation(OpsContext ctx) {
        this.ctx = ctx;
    }

    RevokeResult revokeOld(RevokeRequest request) {
        if (request == null) {
            throw new ValidationException("the request is empty: send {\"clientId\":\"...\"}");
        }
        String clientId = Validation.clientId(request.clientId());
        Duration grace = Validation.graceSeconds(request.graceSeconds(), ctx.config.maxGrace(), Duration.ZERO);
        Long ifUnusedFor = Validation.windowSeconds(request.ifUnusedForSeconds(), "ifUnusedForSeconds");
        String requestId = ctx.requestId(request.requestId());
        String fingerprint = ifUnusedFor == null ? OpsContext.fingerprint("revoke-old", clientId, grace.toSeconds())
                : OpsContext.fingerprint("revoke-old", clientId, grace.toSeconds(), "ifUnusedFor", ifUnusedFor);
        Instant now = ctx.now();
        RevokeResult replayed = replayed(requestId, fingerprint, now);
        if (replayed != null) {
            return replayed;
        }
        ClientRecord before = ctx.existing(clientId);
        List<TokenRef> live = before.livePrevious(now);
        if (live.isEmpty()) {
            if (!before.previous().isEmpty()) { // tidy expired entries the sweep has not reached
                ctx.changes.apply(RotationRules.removeExpired(before, now), "revoke-old", now, List.of());
            }
            return new RevokeResult(clientId, false, null,
                    "Client " + clientId + " has no previous token in its grace window: nothing to revoke.");
        }
        if (ifUnusedFor != null) {
            // Before any write, and never recorded as a replay: a resend of a refused call is checked afresh.
            refuseWhileInUse(clientId, live, Duration.ofSeconds(ifUnusedFor), now);
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
            ctx.changes.apply(change, "revoke-old", now, List.of(), record(requestId, fingerprint, now, result));
        } catch (ConcurrentModificationException e) {
            RevokeResult again = replayed(requestId, fingerprint, now);
            if (again != null) {
                return again;
            }
            throw e;
        }
        return result;
    }

    /**
     * The {@code ifUnusedForSeconds} guard: refuses while a live previous token may have been used
     * within {@code window} (see {@link LastUse}: the recorded last use lags the real one by up to
     * LAST_USE_INTERVAL_SECONDS plus API Gateway's authorizer cache TTL, AUTHORIZER_CACHE_TTL_SECONDS,
     * so that much is added).
     */
    private void refuseWhileInUse(String clientId, List<TokenRef> live, Duration window, Instant now) {
        Map<TokenKey, TokenRecord> tokens = ctx.store.findTokens(live.stream().map(TokenRef::key).toList());
        LastUse rule = LastUse.of(ctx.config);
        TokenRef inUse = null;
        Instant lastUsed = null;
        for (TokenRef ref : live) {
            TokenRecord t = tokens.get(ref.key());
            Instant at = t == null ? null : t.lastUsedAt();
            if (rule.possiblyWithin(at, window, now) && (lastUsed == null || at.isAfter(lastUsed))) {
                inUse = ref;
                lastUsed = at;
            }
        }
        if (inUse == null) {
            return;
        }
        long ago = Math.max(0, Duration.between(lastUsed, now).toSeconds());
        throw new PreviousTokenInUseException("Previous token " + inUse.tokenId() + " of client " + clientId
                + " was last used at " + Times.format(lastUsed) + " (" + ago + " s ago; last use is recorded at"
                + " most once every " + rule.interval().toSeconds() + " s, LAST_USE_INTERVAL_SECONDS, and pushes"
                + " API Gateway answers from its authorizer cache are not recorded at all, for up to "
                + rule.cacheTtl().toSeconds() + " s, AUTHORIZER_CACHE_TTL_SECONDS, so it may have been used until "
                + Times.format(rule.possiblyUsedUntil(lastUsed)) + ", " + rule.lag().toSeconds()
                + " s later), within ifUnusedForSeconds="
                + window.toSeconds() + ": nothing was changed. Wait until "
                + Times.format(rule.unusedFrom(lastUsed, window)) + " and call again if it is no"
                + " longer used (describe with usedWithinSeconds lists who still uses a previous token), or drop"
                + " ifUnusedForSeconds to revoke it anyway.");
    }

    private RevokeResult replayed(String requestId, String fingerprint, Instant now) {
        Replay r = ctx.replay(requestId, fingerprint, now);
        if (r == null) {
            return null;
        }
        Map<String, String> f = r.fields();
        PreviousToken previous = f.containsKey("previousTokenId")
                ? new PreviousToken(f.get("previousTokenId"), Instant.parse(f.get("previousExpiresAt"))) : null;
        return new RevokeResult(f.get("clientId"), Boolean.parseBoolean(f.get("revoked")), previous,
                String.format(OpsContext.REPLAYED, Times.format(r.recordedAt())) + f.get("message"));
    }

    private static Replay record(String requestId, String fingerprint, Instant now, RevokeResult result) {
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
}
