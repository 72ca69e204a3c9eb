package dev.gracekeys.core.token;

import java.util.Objects;

/**
 * The keyed hash of a token (base64url HMAC-SHA256): the token item's key. Not a secret that
 * unlocks anything, but it is never logged, put in an event or in an error; {@link #toString()}
 * hides it.
 */
public final class TokenKey {

    private final String value;

    private TokenKey(String value) {
        this.value = value;
    }

    /** Wraps a stored key (as read back from the table). */
    public static TokenKey of(String value) {
        return new TokenKey(Objects.requireNonNull(value, "value"));
    }

    /** The encoded hash, for the store adapter only. */
    public String value() {
        return value;
    }

    /** A small non-secret number derived from the key, e.g. to spread items over index shards. */
    public int shard(int shards) {
        return Math.floorMod(value.hashCode(), shards);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TokenKey k && k.value.equals(value);
    }

    @Override
    public int hashCode() {
        return value.hashCode();
    }

    @Override
    public String toString() {
        return "TokenKey[<redacted>]";
    }
}
