package dev.gracekeys.core.token;

import java.security.SecureRandom;

/** Base62 (0-9, A-Z, a-z): URL-, header- and double-click-safe. */
final class Base62 {

    static final String ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    private Base62() {
    }

    static boolean isBase62(char c) {
        return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    }

    /** {@code length} characters, each uniformly random (rejection sampling, no modulo bias). */
    static String random(SecureRandom random, int length) {
        char[] out = new char[length];
        byte[] buf = new byte[length + 16];
        int filled = 0;
        while (filled < length) {
            random.nextBytes(buf);
            for (int i = 0; i < buf.length && filled < length; i++) {
                int v = buf[i] & 0xFF;
                if (v < 248) { // 248 = 4 * 62: the largest multiple of 62 below 256
                    out[filled++] = ALPHABET.charAt(v % 62);
                }
            }
        }
        return new String(out);
    }

    /** A non-negative number in exactly {@code width} characters, zero-padded. */
    static String encodeFixed(long value, int width) {
        char[] out = new char[width];
        long v = value;
        for (int i = width - 1; i >= 0; i--) {
            out[i] = ALPHABET.charAt((int) (v % 62));
            v /= 62;
        }
        if (v != 0) {
            throw new IllegalArgumentException("value does not fit in " + width + " base62 characters");
        }
        return new String(out);
    }
}
