package dev.gracekeys.core.token;

import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;
import java.util.zip.CRC32;

/**
 * The token format: {@code <prefix><50 base62 random><6 base62 CRC32 checksum>} (GitHub's scheme).
 *
 * <p>50 base62 characters carry 297 bits from {@code SecureRandom}; the {@code tokenId} shows the
 * first {@value #TOKEN_ID_CHARS} of them (36 bits), which leaves 262 secret bits. The checksum lets
 * {@link #classify} reject garbage and typos offline, with no database call.
 *
 * <p>Keys imported by backfill from a legacy system do not have this shape. Only where the operator
 * declares their format ({@code LEGACY_KEY_PATTERN}) is a string that does not start with the
 * prefix, is header-safe ({@link #LEGACY_PATTERN}) and matches the declared pattern in full
 * classified {@link Kind#LEGACY} and looked up; everything else is {@link Kind#MALFORMED} and denied
 * with zero database calls, so junk costs no read.
 */
public final class TokenFormat {

    public static final int RANDOM_CHARS = 50;
    public static final int CHECKSUM_CHARS = 6;
    public static final int TOKEN_ID_CHARS = 6;
    public static final String DEFAULT_PREFIX = "gk_";

    /** What a legacy key may look like: printable, header-safe, 16..256 characters. */
    public static final Pattern LEGACY_PATTERN = Pattern.compile("[A-Za-z0-9._~+/=-]{16,256}");

    private static final Pattern PREFIX_PATTERN = Pattern.compile("[A-Za-z0-9]{1,16}_");

    public enum Kind { GRACEKEYS, LEGACY, MALFORMED }

    private final String prefix;
    private final Pattern legacyKeys;

    /**
     * @param legacyKeys the declared format of legacy keys (matched in full), or {@code null} when
     *                   no legacy key is verified
     */
    public TokenFormat(String prefix, Pattern legacyKeys) {
        if (prefix == null || !PREFIX_PATTERN.matcher(prefix).matches()) {
            throw new IllegalArgumentException(
                    "TOKEN_PREFIX must be 1-16 letters or digits followed by '_', like 'gk_'");
        }
        this.prefix = prefix;
        this.legacyKeys = legacyKeys;
    }

    /** GraceKeys tokens with this prefix only. */
    public TokenFormat(String prefix) {
        this(prefix, null);
    }

    /** The default prefix; no legacy keys. */
    public static TokenFormat defaults() {
        return new TokenFormat(DEFAULT_PREFIX);
    }

    /** The prefix of every GraceKeys token (TOKEN_PREFIX). */
    public String prefix() {
        return prefix;
    }

    /** Whether legacy keys are looked up at all (LEGACY_KEY_PATTERN is set). */
    public boolean legacyTokens() {
        return legacyKeys != null;
    }

    /** The length of a GraceKeys token: prefix, body and checksum. */
    public int tokenLength() {
        return prefix.length() + RANDOM_CHARS + CHECKSUM_CHARS;
    }

    /** Builds a token from its random part: prefix, random, checksum. */
    String assemble(String random) {
        return prefix + random + checksum(random);
    }

    /**
     * A well-formed token that no client holds: its random part is all zeros, which the generator
     * gives with probability 62<sup>-50</sup>. Verifying it costs what verifying any unknown token
     * does (a hash and one read) and can only be denied: what SnapStart priming needs.
     */
    public String primingToken() {
        return assemble("0".repeat(RANDOM_CHARS));
    }

    /** Offline check. Never throws, whatever the input (null, huge, binary). */
    public Kind classify(String candidate) {
        if (candidate == null) {
            return Kind.MALFORMED;
        }
        if (candidate.startsWith(prefix)) {
            return isWellFormedGraceKeysToken(candidate) ? Kind.GRACEKEYS : Kind.MALFORMED;
        }
        if (legacyKeys != null && candidate.length() <= 256 && LEGACY_PATTERN.matcher(candidate).matches()
                && legacyKeys.matcher(candidate).matches()) {
            return Kind.LEGACY;
        }
        return Kind.MALFORMED;
    }

    private boolean isWellFormedGraceKeysToken(String candidate) {
        if (candidate.length() != tokenLength()) {
            return false;
        }
        int start = prefix.length();
        for (int i = start; i < candidate.length(); i++) {
            if (!Base62.isBase62(candidate.charAt(i))) {
                return false;
            }
        }
        String random = candidate.substring(start, start + RANDOM_CHARS);
        return checksum(random).equals(candidate.substring(start + RANDOM_CHARS));
    }

    /**
     * The non-secret display id of a well-formed GraceKeys token: the prefix and the first
     * {@value #TOKEN_ID_CHARS} random characters, e.g. {@code gk_3fA9xQ}.
     */
    public String tokenIdOf(String token) {
        return token.substring(0, prefix.length() + TOKEN_ID_CHARS);
    }

    static String checksum(String random) {
        CRC32 crc = new CRC32();
        crc.update(random.getBytes(StandardCharsets.US_ASCII));
        return Base62.encodeFixed(crc.getValue(), CHECKSUM_CHARS);
    }
}
