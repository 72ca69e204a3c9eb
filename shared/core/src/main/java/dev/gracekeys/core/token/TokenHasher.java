package dev.gracekeys.core.token;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * HMAC-SHA256 with the pepper: the only way a token becomes a {@link TokenKey}.
 *
 * <p>GraceKeys tokens: {@code HMAC(pepper, token)}. Legacy keys: {@code HMAC(pepper, "legacy-sha256:"
 * + hex(SHA-256(key)))}, which lets backfill import either the raw key or, when the raw keys are
 * gone, the legacy system's unpeppered SHA-256, and still verify with one lookup per presented key.
 * The {@code legacy-sha256:} label keeps the two families apart.
 */
public final class TokenHasher {

    private static final String HMAC = "HmacSHA256";
    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-fA-F]{64}");
    private static final byte[] LEGACY_LABEL = "legacy-sha256:".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TOKEN_ID_LABEL = "gracekeys-token-id:".getBytes(StandardCharsets.US_ASCII);

    private final SecretKeySpec key;
    // Mac is not thread-safe and Mac.getInstance costs far more than one HMAC: one per thread.
    private final ThreadLocal<Mac> mac;

    public TokenHasher(Pepper pepper) {
        this.key = new SecretKeySpec(pepper.bytes(), HMAC);
        this.mac = ThreadLocal.withInitial(this::newMac);
    }

    /** The item key of a GraceKeys-format token. */
    public TokenKey keyOfToken(String token) {
        return TokenKey.of(encode(hmac(token.getBytes(StandardCharsets.UTF_8))));
    }

    /** The item key of a raw legacy key. */
    public TokenKey keyOfLegacyKey(String rawKey) {
        return keyOfLegacySha256(HexFormat.of().formatHex(sha256(rawKey.getBytes(StandardCharsets.UTF_8))));
    }

    /** The item key of a legacy key known only by its unpeppered SHA-256 (64 hex digits). */
    public TokenKey keyOfLegacySha256(String sha256Hex) {
        if (!isSha256Hex(sha256Hex)) {
            throw new IllegalArgumentException("a SHA-256 hash is 64 hexadecimal digits");
        }
        byte[] hex = sha256Hex.toLowerCase(Locale.ROOT).getBytes(StandardCharsets.US_ASCII);
        byte[] input = new byte[LEGACY_LABEL.length + hex.length];
        System.arraycopy(LEGACY_LABEL, 0, input, 0, LEGACY_LABEL.length);
        System.arraycopy(hex, 0, input, LEGACY_LABEL.length, hex.length);
        return TokenKey.of(encode(hmac(input)));
    }

    /** The item key of any presented string, by its kind; {@code null} for a malformed one. */
    public TokenKey keyOf(String presented, TokenFormat.Kind kind) {
        return switch (kind) {
            case GRACEKEYS -> keyOfToken(presented);
            case LEGACY -> keyOfLegacyKey(presented);
            case MALFORMED -> null;
        };
    }

    /**
     * A key derived from the pepper for another purpose than hashing tokens: HMAC(pepper, "gracekeys-"
     * + purpose). One-way: it reveals nothing of the pepper, and differs per purpose.
     */
    public byte[] derivedKey(String purpose) {
        return hmac(("gracekeys-" + purpose).getBytes(StandardCharsets.US_ASCII));
    }

    /**
     * A display id for an imported legacy key: {@code legacy_} and 8 base62 characters of a hash of
     * its item key. One-way twice over, so it reveals nothing of the key, and deterministic, so a
     * re-run import names it the same.
     */
    public static String legacyTokenId(TokenKey key) {
        byte[] input = key.value().getBytes(StandardCharsets.US_ASCII);
        byte[] labelled = new byte[TOKEN_ID_LABEL.length + input.length];
        System.arraycopy(TOKEN_ID_LABEL, 0, labelled, 0, TOKEN_ID_LABEL.length);
        System.arraycopy(input, 0, labelled, TOKEN_ID_LABEL.length, input.length);
        byte[] digest = sha256(labelled);
        long v = 0;
        for (int i = 0; i < 6; i++) {
            v = (v << 8) | (digest[i] & 0xFF);
        }
        return "legacy_" + Base62.encodeFixed(v % 218340105584896L, 8); // 62^8
    }

    /** Whether {@code s} is 64 lowercase hex digits (a SHA-256 as this hasher writes it). */
    public static boolean isSha256Hex(String s) {
        return s != null && SHA256_HEX.matcher(s).matches();
    }

    /** Same pepper, same hasher (SecretKeySpec compares its bytes in constant time). */
    @Override
    public boolean equals(Object o) {
        return o instanceof TokenHasher h && h.key.equals(key);
    }

    @Override
    public int hashCode() {
        return key.hashCode();
    }

    @Override
    public String toString() {
        return "TokenHasher[<redacted>]";
    }

    private byte[] hmac(byte[] input) {
        return mac.get().doFinal(input);
    }

    private Mac newMac() {
        try {
            Mac m = Mac.getInstance(HMAC);
            m.init(key);
            return m;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available in this JVM", e);
        }
    }

    private static byte[] sha256(byte[] input) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(input);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is not available in this JVM", e);
        }
    }

    private static String encode(byte[] digest) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
    }
}
