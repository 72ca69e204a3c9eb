package dev.gracekeys.core;

import dev.gracekeys.core.token.TokenFormat;

import java.time.Duration;
import java.util.Map;
import java.util.function.Function;

/**
 * Every setting of the core, with its environment variable and default. {@link #fromEnv} fails at
 * start-up naming the variable, never at the first request.
 *
 * @param tableName          {@code TABLE_NAME} (required)
 * @param tokenPrefix        {@code TOKEN_PREFIX}, default {@code gk_}. Set it once: tokens issued
 *                           under another prefix no longer verify.
 * @param legacyKeyPattern   {@code LEGACY_KEY_PATTERN}, default none: the format of the legacy keys
 *                           imported by backfill, a Java regular expression a key must match in
 *                           full (e.g. {@code sk_live_[A-Za-z0-9]{32}}). Only strings that match it
 *                           (and are 16-256 header-safe characters) are looked up as legacy keys;
 *                           without it no legacy key verifies and everything that is not a GraceKeys
 *                           token is denied without a read. Unset it once every legacy key is
 *                           rotated out. ({@code LEGACY_TOKENS=false} also turns legacy keys off;
 *                           {@code LEGACY_TOKENS=true} without a pattern is refused at start-up.)
 * @param maxPreviousTokens  {@code MAX_PREVIOUS_TOKENS}, default 1
 * @param defaultGrace       {@code DEFAULT_GRACE_SECONDS}, default 86400 (24 h)
 * @param maxGrace           {@code MAX_GRACE_SECONDS}, default 2592000 (30 days)
 * @param lastUseInterval    {@code LAST_USE_INTERVAL_SECONDS}, default 300: at most one last-use
 *                           write per token per interval
 * @param verifyTimeout      {@code VERIFY_TIMEOUT_MILLIS}, default 1500: the verify's whole budget
 *                           for DynamoDB (retries included); past it the push is denied
 * @param ttlDelay           {@code TTL_DELAY_SECONDS}, default 172800 (2 days): the TTL attribute of
 *                           a previous token is its expiry plus this, so the daily sweep (which
 *                           reports the expiry and tidies the client) runs first and TTL only
 *                           cleans up what the sweep missed. Never part of the security check.
 * @param authorizerCacheTtl {@code AUTHORIZER_CACHE_TTL_SECONDS}, default 60, 0..3600 (0: no cache):
 *                           how long API Gateway caches the authorizer's answer per token, the
 *                           template's {@code AuthorizerResultTtlSeconds} (it sets this from that
 *                           parameter). Pushes answered from that cache never reach the authorizer,
 *                           so they are not recorded as last use: describe's
 *                           {@code usedWithinSeconds} and revoke-old's {@code ifUnusedForSeconds}
 *                           widen a recorded last use by {@code lastUseInterval} plus this.
 */
public record GraceKeysConfig(
        String tableName,
        String tokenPrefix,
        String legacyKeyPattern,
        int maxPreviousTokens,
        Duration defaultGrace,
        Duration maxGrace,
        Duration lastUseInterval,
        Duration verifyTimeout,
        Duration ttlDelay,
        Duration authorizerCacheTtl) {

    public static final int MAX_PREVIOUS_TOKENS_LIMIT = 10;
    /** AUTHORIZER_CACHE_TTL_SECONDS when unset: the template's AuthorizerResultTtlSeconds default. */
    public static final int DEFAULT_AUTHORIZER_CACHE_TTL_SECONDS = 60;
    /** The largest AUTHORIZER_CACHE_TTL_SECONDS: API Gateway caches an authorizer's answer at most 3600 s. */
    public static final int MAX_AUTHORIZER_CACHE_TTL_SECONDS = 3600;
    private static final java.util.regex.Pattern TABLE_NAME_PATTERN = java.util.regex.Pattern.compile("[A-Za-z0-9_.-]{3,255}");

    public GraceKeysConfig {
        require(tableName != null && TABLE_NAME_PATTERN.matcher(tableName).matches(),
                "TABLE_NAME must name the DynamoDB table: 3-255 characters of a-z A-Z 0-9 _ - .");
        new TokenFormat(tokenPrefix, legacyKeys(legacyKeyPattern)); // validates the prefix and the pattern
        require(maxPreviousTokens >= 1 && maxPreviousTokens <= MAX_PREVIOUS_TOKENS_LIMIT,
                "MAX_PREVIOUS_TOKENS must be 1.." + MAX_PREVIOUS_TOKENS_LIMIT);
        require(!maxGrace.isNegative(), "MAX_GRACE_SECONDS must be >= 0");
        require(!defaultGrace.isNegative() && defaultGrace.compareTo(maxGrace) <= 0,
                "DEFAULT_GRACE_SECONDS must be 0..MAX_GRACE_SECONDS");
        require(lastUseInterval.toSeconds() >= 1, "LAST_USE_INTERVAL_SECONDS must be >= 1");
        require(verifyTimeout.toMillis() >= 50 && verifyTimeout.toMillis() <= 9000,
                "VERIFY_TIMEOUT_MILLIS must be 50..9000 (API Gateway gives an authorizer 10 s)");
        require(!ttlDelay.isNegative(), "TTL_DELAY_SECONDS must be >= 0");
        require(authorizerCacheTtl != null && !authorizerCacheTtl.isNegative()
                        && authorizerCacheTtl.compareTo(Duration.ofSeconds(MAX_AUTHORIZER_CACHE_TTL_SECONDS)) <= 0,
                "AUTHORIZER_CACHE_TTL_SECONDS must be 0.." + MAX_AUTHORIZER_CACHE_TTL_SECONDS + " (API Gateway's"
                        + " authorizer result TTL range): set it to the API's AuthorizerResultTtlSeconds, 0 when its"
                        + " cache is off");
    }

    /** The defaults, for a table name. */
    public static GraceKeysConfig defaults(String tableName) {
        return fromEnv(Map.of("TABLE_NAME", tableName));
    }

    /**
     * The settings from the function's environment (unset or blank: the default).
     *
     * @throws IllegalArgumentException when a value is not a number, out of range, or LEGACY_TOKENS is on without
     *                                  a valid LEGACY_KEY_PATTERN; the message names the variable
     */
    public static GraceKeysConfig fromEnv(Map<String, String> env) {
        Function<String, String> get = name -> {
            String v = env.get(name);
            return v == null || v.isBlank() ? null : v.trim();
        };
        return new GraceKeysConfig(
                get.apply("TABLE_NAME"),
                orDefault(get.apply("TOKEN_PREFIX"), TokenFormat.DEFAULT_PREFIX),
                legacyKeyPattern(get.apply("LEGACY_KEY_PATTERN"), get.apply("LEGACY_TOKENS")),
                (int) number(get.apply("MAX_PREVIOUS_TOKENS"), "MAX_PREVIOUS_TOKENS", 1),
                Duration.ofSeconds(number(get.apply("DEFAULT_GRACE_SECONDS"), "DEFAULT_GRACE_SECONDS", 86_400)),
                Duration.ofSeconds(number(get.apply("MAX_GRACE_SECONDS"), "MAX_GRACE_SECONDS", 2_592_000)),
                Duration.ofSeconds(number(get.apply("LAST_USE_INTERVAL_SECONDS"), "LAST_USE_INTERVAL_SECONDS", 300)),
                Duration.ofMillis(number(get.apply("VERIFY_TIMEOUT_MILLIS"), "VERIFY_TIMEOUT_MILLIS", 1_500)),
                Duration.ofSeconds(number(get.apply("TTL_DELAY_SECONDS"), "TTL_DELAY_SECONDS", 172_800)),
                Duration.ofSeconds(number(get.apply("AUTHORIZER_CACHE_TTL_SECONDS"), "AUTHORIZER_CACHE_TTL_SECONDS",
                        DEFAULT_AUTHORIZER_CACHE_TTL_SECONDS)));
    }

    /**
     * The token format these settings describe: the prefix, and the legacy keys that verify too.
     *
     * @throws IllegalArgumentException when the legacy key pattern is not a valid regular expression
     */
    public TokenFormat tokenFormat() {
        return new TokenFormat(tokenPrefix, legacyKeys(legacyKeyPattern));
    }

    /** Legacy keys of this format verify too (tests, tools); {@code null} turns them off. */
    public GraceKeysConfig withLegacyKeyPattern(String pattern) {
        return new GraceKeysConfig(tableName, tokenPrefix, pattern, maxPreviousTokens, defaultGrace, maxGrace,
                lastUseInterval, verifyTimeout, ttlDelay, authorizerCacheTtl);
    }

    private static String legacyKeyPattern(String pattern, String legacyTokens) {
        boolean on = bool(legacyTokens, "LEGACY_TOKENS", pattern != null);
        if (on && pattern == null) {
            throw new IllegalArgumentException("LEGACY_TOKENS=true needs LEGACY_KEY_PATTERN: set it to a regular"
                    + " expression your legacy keys match in full (e.g. sk_live_[A-Za-z0-9]{32}), so that nothing"
                    + " else costs a read; or unset LEGACY_TOKENS");
        }
        return on ? pattern : null;
    }

    private static java.util.regex.Pattern legacyKeys(String pattern) {
        if (pattern == null) {
            return null;
        }
        try {
            return java.util.regex.Pattern.compile(pattern);
        } catch (java.util.regex.PatternSyntaxException e) {
            throw new IllegalArgumentException("LEGACY_KEY_PATTERN is not a valid Java regular expression ("
                    + e.getDescription() + " at index " + e.getIndex() + ")");
        }
    }

    /**
     * These settings with another MAX_PREVIOUS_TOKENS.
     *
     * @throws IllegalArgumentException when out of range
     */
    public GraceKeysConfig withMaxPreviousTokens(int n) {
        return new GraceKeysConfig(tableName, tokenPrefix, legacyKeyPattern, n, defaultGrace, maxGrace,
                lastUseInterval, verifyTimeout, ttlDelay, authorizerCacheTtl);
    }

    /**
     * These settings with another VERIFY_TIMEOUT_MILLIS.
     *
     * @throws IllegalArgumentException when out of range
     */
    public GraceKeysConfig withVerifyTimeout(Duration timeout) {
        return new GraceKeysConfig(tableName, tokenPrefix, legacyKeyPattern, maxPreviousTokens, defaultGrace,
                maxGrace, lastUseInterval, timeout, ttlDelay, authorizerCacheTtl);
    }

    /**
     * These settings with another AUTHORIZER_CACHE_TTL_SECONDS.
     *
     * @throws IllegalArgumentException when out of range
     */
    public GraceKeysConfig withAuthorizerCacheTtl(Duration ttl) {
        return new GraceKeysConfig(tableName, tokenPrefix, legacyKeyPattern, maxPreviousTokens, defaultGrace,
                maxGrace, lastUseInterval, verifyTimeout, ttlDelay, ttl);
    }

    private static String orDefault(String v, String d) {
        return v == null ? d : v;
    }

    private static long number(String v, String name, long d) {
        if (v == null) {
            return d;
        }
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a whole number, got '" + v + "'");
        }
    }

    private static boolean bool(String v, String name, boolean d) {
        if (v == null) {
            return d;
        }
        if (v.equalsIgnoreCase("true") || v.equalsIgnoreCase("false")) {
            return Boolean.parseBoolean(v);
        }
        throw new IllegalArgumentException(name + " must be true or false, got '" + v + "'");
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
