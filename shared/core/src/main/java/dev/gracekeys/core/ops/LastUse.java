package dev.gracekeys.core.ops;

import dev.gracekeys.core.GraceKeysConfig;

import java.time.Duration;
import java.time.Instant;

/**
 * What a recorded {@code lastUsedAt} tells about use. Two things hide real uses from it:
 * <ul>
 *   <li>the verifier writes it at most once per token per {@code LAST_USE_INTERVAL_SECONDS}: after
 *       a write at T, the verifies before T + interval are not written;</li>
 *   <li>API Gateway caches the authorizer's allow for {@code AuthorizerResultTtlSeconds}
 *       ({@code AUTHORIZER_CACHE_TTL_SECONDS} here) and answers the token's pushes from that cache
 *       without calling the authorizer at all: an allow given (unrecorded) just before T + interval
 *       keeps the token working, unseen, until T + interval + TTL.</li>
 * </ul>
 * So a token recorded as last used at T may really have been used until T + {@link #lag()}, the
 * interval plus the cache TTL, and "may have been used within the last N seconds" means
 * T + lag + N &gt; now. describe's {@code usedWithinSeconds} and revoke-old's
 * {@code ifUnusedForSeconds} both use this one rule, so describe lists exactly the clients whose
 * revoke-old the guard would refuse, and the guard never calls a token in use "unused".
 *
 * @param interval {@code LAST_USE_INTERVAL_SECONDS}
 * @param cacheTtl {@code AUTHORIZER_CACHE_TTL_SECONDS} (0: API Gateway does not cache)
 */
record LastUse(Duration interval, Duration cacheTtl) {

    /** The rule for these settings. */
    static LastUse of(GraceKeysConfig config) {
        return new LastUse(config.lastUseInterval(), config.authorizerCacheTtl());
    }

    /** How long after a recorded last use the token may still have been used, unrecorded: interval + cache TTL. */
    Duration lag() {
        return interval.plus(cacheTtl);
    }

    /** Until when a token recorded as last used at {@code lastUsedAt} may really have been used. */
    Instant possiblyUsedUntil(Instant lastUsedAt) {
        return lastUsedAt.plus(lag());
    }

    /** Whether a token recorded as last used at {@code lastUsedAt} (null: never) may have been used within {@code window}. */
    boolean possiblyWithin(Instant lastUsedAt, Duration window, Instant now) {
        return lastUsedAt != null && unusedFrom(lastUsedAt, window).isAfter(now);
    }

    /** From when a token recorded as last used at {@code lastUsedAt} counts as unused for {@code window}. */
    Instant unusedFrom(Instant lastUsedAt, Duration window) {
        return possiblyUsedUntil(lastUsedAt).plus(window);
    }
}
