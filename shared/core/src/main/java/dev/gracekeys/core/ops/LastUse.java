package dev.gracekeys.core.ops;

import java.time.Duration;
import java.time.Instant;

/**
 * What a recorded {@code lastUsedAt} tells about use. The verifier writes it at most once per token
 * per {@code LAST_USE_INTERVAL_SECONDS}: after a write at T, uses before T + interval are not
 * written. So a token recorded as last used at T was really last used before T + interval, and
 * "may have been used within the last N seconds" means T + interval + N &gt; now. describe's
 * {@code usedWithinSeconds} and revoke-old's {@code ifUnusedForSeconds} both use this one rule, so
 * describe lists exactly the clients whose revoke-old the guard would refuse.
 */
final class LastUse {

    private LastUse() {
    }

    /** Whether a token recorded as last used at {@code lastUsedAt} (null: never) may have been used within {@code window}. */
    static boolean possiblyWithin(Instant lastUsedAt, Duration window, Instant now, Duration interval) {
        return lastUsedAt != null && unusedFrom(lastUsedAt, window, interval).isAfter(now);
    }

    /** From when a token recorded as last used at {@code lastUsedAt} counts as unused for {@code window}. */
    static Instant unusedFrom(Instant lastUsedAt, Duration window, Duration interval) {
        return lastUsedAt.plus(interval).plus(window);
    }
}
