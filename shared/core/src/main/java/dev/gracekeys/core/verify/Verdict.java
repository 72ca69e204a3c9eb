package dev.gracekeys.core.verify;

import dev.gracekeys.core.model.TokenSlot;

import java.time.Instant;

/**
 * The answer to one verify. When allowed: whose token it is and in which slot (current, previous, or
 * pending: a scheduled rotation's token, which callers treat as current), and for a previous token
 * when it stops working. When denied: why (for logs and metrics only; callers just see a deny).
 */
public record Verdict(
        boolean allowed,
        DenyReason reason,
        String clientId,
        TokenSlot slot,
        String tokenId,
        Instant previousExpiresAt) {

    public enum DenyReason {
        /** Not a token at all (format or checksum): decided without a database call. */
        MALFORMED,
        /** Well formed but no such token (never issued, revoked, or dropped). */
        UNKNOWN,
        /** The client is deactivated. */
        INACTIVE,
        /**
         * A previous token past its expiry (even if TTL has not deleted its item yet), or a pending
         * token whose rotation never finished within its lifetime.
         */
        EXPIRED,
        /** DynamoDB did not answer within the time budget: fail closed. */
        STORE_UNAVAILABLE
    }

    /** An allow for this client's token. */
    public static Verdict allow(String clientId, TokenSlot slot, String tokenId, Instant previousExpiresAt) {
        return new Verdict(true, null, clientId, slot, tokenId, previousExpiresAt);
    }

    /** A deny, with its reason. */
    public static Verdict deny(DenyReason reason) {
        return new Verdict(false, reason, null, null, null, null);
    }
}
