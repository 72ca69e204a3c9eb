package dev.gracekeys.core.store;

import dev.gracekeys.core.model.TokenRecord;
import dev.gracekeys.core.token.TokenKey;

import java.time.Duration;
import java.time.Instant;

/** The store as the verifier sees it: one read per verify, and a throttled last-use write. */
public interface TokenLookup {

    /**
     * The token item for this key, or {@code null}; strongly consistent.
     *
     * @param budget the most this call may take, retries included; past it, it throws
     * @throws dev.gracekeys.core.StoreUnavailableException when the store fails or the budget is spent
     */
    TokenRecord findToken(TokenKey key, Duration budget);

    /**
     * Sets the token's last use to {@code now} unless it was set after {@code notUsedSince}: a
     * conditional write, so many containers together write at most once per interval.
     *
     * @throws dev.gracekeys.core.StoreUnavailableException when the store fails or the budget is spent
     */
    void recordLastUse(TokenKey key, Instant now, Instant notUsedSince, Duration budget);
}
