package dev.gracekeys.core.token;

import java.util.Arrays;
import java.util.Base64;

/**
 * The HMAC key that turns tokens into item keys. Secret: {@link #toString()} never shows it, and
 * no message built here contains it.
 */
public final class Pepper {

    public static final int MIN_BYTES = 32;

    private final byte[] bytes;

    private Pepper(byte[] bytes) {
        this.bytes = bytes.clone();
    }

    /**
     * A pepper of these bytes (copied).
     *
     * @throws IllegalArgumentException when too short to be a secret
     */
    public static Pepper of(byte[] bytes) {
        if (bytes == null || bytes.length < MIN_BYTES) {
            throw new IllegalArgumentException("the pepper must be at least " + MIN_BYTES
                    + " bytes of random data (for example: openssl rand -base64 48)");
        }
        return new Pepper(bytes);
    }

    /** Decodes a pepper given as base64 (how Secrets Manager, env vars and the local file hold it). */
    public static Pepper fromBase64(String encoded) {
        byte[] decoded;
        try {
            decoded = Base64.getDecoder().decode(encoded == null ? "" : encoded.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the pepper is not valid base64 (for example: openssl rand -base64 48)");
        }
        return of(decoded);
    }

    byte[] bytes() {
        return bytes.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Pepper p && java.security.MessageDigest.isEqual(bytes, p.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return "Pepper[<redacted>]";
    }
}
