package dev.gracekeys.reliability;

import dev.gracekeys.core.token.TokenFormat;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Hostile input from one seeded {@link Random}, so a failing run can be replayed exactly
 * ({@code -Dfuzz.seed=N}). Values have the Java types the Lambda Java runtime makes of JSON
 * (String, Integer, Long, BigInteger, Double, Boolean, null, ArrayList, LinkedHashMap), including
 * what JSON can carry but no sane client sends: lone surrogates, NUL, bidi overrides, megabyte-ish
 * strings, deep nesting.
 */
final class FuzzInputs {

    /** As the functions under test run: LambdaTestKit declares the tests' legacy-key format (LEGACY_KEY_PATTERN). */
    static final TokenFormat FORMAT = new TokenFormat(TokenFormat.defaults().prefix(),
            java.util.regex.Pattern.compile(dev.gracekeys.core.testing.Fixture.LEGACY_KEYS));
    static final String BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    static final String LEGACY_CHARS = BASE62 + "._~+/=-";
    /** AuthorizerProtocol ignores a header or token value longer than this. */
    static final int MAX_HEADER_CHARS = 8192;

    static final String VALID_ARN = "arn:aws:execute-api:us-east-1:123456789012:abcde12345/prod/POST/push";
    static final List<String> VALID_ARNS = List.of(VALID_ARN,
            "arn:aws:execute-api:eu-west-1:210987654321:Zz9Yy8Xx7/$default/POST/push",
            "arn:aws-cn:execute-api:cn-north-1:123456789012:api01/stage/GET/",
            "arn:aws-us-gov:execute-api:us-gov-west-1:123456789012:api02/v1/POST/push/deep/path");

    static final List<String> AUTH_NAMES = List.of("authorization", "Authorization", "AUTHORIZATION", "aUtHoRiZaTiOn");
    static final List<String> API_KEY_NAMES = List.of("x-api-key", "X-API-KEY", "X-Api-Key", "x-API-Key");
    /** Names that are not where a token is read from, some of them deceptively close. */
    static final List<String> DECOY_NAMES = List.of("authorisation", "proxy-authorization", "x-api-token", "x-apikey",
            "x_api_key", "api-key", "authorization ", " authorization", "authorization\u0000", "x-api-key\n",
            "x-amz-security-token", "cookie", "x-forwarded-authorization", "AUTHORİZATION" /* dotted capital I */,
            "authorızation" /* dotless i */, "x-api-kéy", "www-authenticate", "bearer", "token");
    static final List<String> COMMON_NAMES = List.of("content-type", "user-agent", "host", "accept", "x-forwarded-for",
            "x-amzn-trace-id", "content-length", "x-request-id", "via", "forwarded");

    private static final List<String> INJECTIONS = List.of("' OR '1'='1", "\"; DROP TABLE gracekeys; --",
            "${jndi:ldap://127.0.0.1/a}", "<script>alert(1)</script>", "../../../../etc/passwd", "%00%0d%0a",
            "{\"isAuthorized\":true}", "\\u0000", "Bearer", "Bearer ", "bearer\t", "Basic dXNlcjpwYXNz",
            "null", "undefined", "NaN", "true", "[]", "{}", "0", "-1", "1e309", "gk_", "GK_", "gk__", "gk_ ",
            "TOKEN#", "CLIENT#GRACE01", "#{7*7}", "*", "arn:aws:execute-api:*", "\u202Egk_reversed", "\uFEFFgk_bom");

    private static final int[][] UNICODE_RANGES = {
            {0x00A0, 0x00FF}, {0x0100, 0x017F}, {0x0370, 0x03FF}, {0x0400, 0x04FF}, {0x0590, 0x05FF},
            {0x0600, 0x06FF}, {0x0660, 0x0669} /* Arabic-Indic digits */, {0x0900, 0x097F}, {0x1F600, 0x1F64F},
            {0x2000, 0x206F} /* spaces, zero-width, bidi */, {0x2100, 0x214F} /* Kelvin sign, ... */,
            {0x3040, 0x30FF}, {0x4E00, 0x4EFF}, {0xFF01, 0xFF5E} /* full-width ASCII */, {0xFFF0, 0xFFFF},
            {0x1D400, 0x1D7FF} /* mathematical letters and digits */, {0xE0000, 0xE007F} /* tags */};

    final Random rnd;
    private final String bigAscii;

    FuzzInputs(long seed) {
        this.rnd = new Random(seed);
        StringBuilder b = new StringBuilder(40_000);
        while (b.length() < 40_000) {
            b.append((char) (0x20 + rnd.nextInt(0x5F)));
        }
        this.bigAscii = b.toString();
    }

    /** The seed: {@code -Dfuzz.seed=N} to replay a run, else the given default. */
    static long seed(long defaultSeed) {
        String s = System.getProperty("fuzz.seed");
        return s == null || s.isBlank() ? defaultSeed : Long.parseLong(s.trim());
    }

    // ---------------------------------------------------------------- strings

    boolean chance(double p) {
        return rnd.nextDouble() < p;
    }

    int between(int min, int maxInclusive) {
        return min + rnd.nextInt(maxInclusive - min + 1);
    }

    <T> T pick(List<T> options) {
        return options.get(rnd.nextInt(options.size()));
    }

    /** Printable ASCII; long ones are cut from one shared random pool (fast, but they may overlap). */
    String ascii(int length) {
        if (length <= 512) {
            return freshAscii(length);
        }
        int from = rnd.nextInt(bigAscii.length() - length + 1);
        return bigAscii.substring(from, from + length);
    }

    /** Printable ASCII, every character drawn anew: unrelated to any other string. */
    String freshAscii(int length) {
        char[] c = new char[length];
        for (int i = 0; i < length; i++) {
            c[i] = (char) (0x20 + rnd.nextInt(0x5F));
        }
        return new String(c);
    }

    String fromAlphabet(String alphabet, int length) {
        char[] c = new char[length];
        for (int i = 0; i < length; i++) {
            c[i] = alphabet.charAt(rnd.nextInt(alphabet.length()));
        }
        return new String(c);
    }

    String unicode(int codePoints) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < codePoints; i++) {
            int roll = rnd.nextInt(10);
            if (roll == 0) {
                b.append((char) (0xD800 + rnd.nextInt(0x800))); // a lone surrogate, high or low
            } else if (roll == 1) {
                b.append(BASE62.charAt(rnd.nextInt(62)));
            } else {
                int[] r = UNICODE_RANGES[rnd.nextInt(UNICODE_RANGES.length)];
                b.appendCodePoint(between(r[0], r[1]));
            }
        }
        return b.toString();
    }

    String controls(int length) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < length; i++) {
            int roll = rnd.nextInt(6);
            b.append(switch (roll) {
                case 0 -> (char) rnd.nextInt(0x20);
                case 1 -> '\u007F';
                case 2 -> (char) (0x80 + rnd.nextInt(0x20)); // C1 controls, NEL
                case 3 -> rnd.nextBoolean() ? '\u2028' : '\u2029';
                default -> (char) (0x20 + rnd.nextInt(0x5F));
            });
        }
        return b.toString();
    }

    /** Any string at all: the raw material. May happen to look like a legacy key. */
    String junk() {
        return switch (rnd.nextInt(12)) {
            case 0 -> "";
            case 1 -> fromAlphabet(" \t\r\n\u000B\f\u0000\u001F", between(1, 12));
            case 2, 3 -> ascii(between(1, 80));
            case 4, 5 -> unicode(between(1, 60));
            case 6 -> controls(between(1, 60));
            case 7 -> pick(INJECTIONS);
            case 8 -> lookalikeToken();
            case 9 -> chance(0.3) ? ascii(between(MAX_HEADER_CHARS + 1, 20_000)) : ascii(between(257, MAX_HEADER_CHARS));
            case 10 -> fromAlphabet(LEGACY_CHARS + "!@#$%^&*()[]{}<>?,;:'\"\\| ", between(1, 300));
            default -> pick(INJECTIONS) + unicode(between(0, 5)) + ascii(between(0, 20));
        };
    }

    /** Things that resemble a token at a glance: right prefix, wrong body. */
    String lookalikeToken() {
        String random = fromAlphabet(BASE62, 50);
        String checksum = fromAlphabet(BASE62, 6);
        return switch (rnd.nextInt(9)) {
            case 0 -> "gk_" + fromAlphabet(BASE62, between(0, 55));                      // too short
            case 1 -> "gk_" + fromAlphabet(BASE62, between(57, 300));                    // too long
            case 2 -> "GK_" + random + checksum;                                          // prefix case
            case 3 -> "gk-" + random + checksum;                                          // prefix punctuation
            case 4 -> "gk_" + random.substring(0, 25) + unicode(1) + random.substring(26) + checksum; // one odd char
            case 5 -> "gk_" + random + checksum.substring(0, 5) + "\u0000";              // NUL in the checksum
            case 6 -> "ｇｋ＿" + random + checksum;                                        // full-width prefix
            case 7 -> "gk_" + random.replace('7', '\u0667') + checksum;                  // Arabic-Indic seven
            default -> "gk_" + random + checksum + unicode(1);                            // trailing extra
        };
    }

    /**
     * A string the authorizer must treat as no token at all: {@code s}, trimmed, and with a
     * {@code Bearer } scheme stripped, are all malformed (not a checksummed token, not a legacy key).
     */
    String malformed() {
        String s = junk();
        if (!malformedEverywhere(s)) {
            s = poison(s);
        }
        return s;
    }

    /** Makes a string unusable as a token or legacy key, wherever it is cut: a '!' at the end. */
    static String poison(String s) {
        return s + "!";
    }

    static boolean malformedEverywhere(String s) {
        if (s.length() > MAX_HEADER_CHARS) {
            return true; // AuthorizerProtocol never reads such a value
        }
        String t = s.trim();
        return isMalformed(s) && isMalformed(t) && isMalformed(t.strip())
                && (t.length() <= 7 || isMalformed(t.substring(7).trim()));
    }

    static boolean isMalformed(String s) {
        return FORMAT.classify(s) == TokenFormat.Kind.MALFORMED;
    }

    /** A well-formed token (prefix, 50 base62, checksum) with a checksum that does not match. */
    String badChecksum(String wellFormed) {
        for (int attempt = 0; ; attempt++) {
            String candidate = mutate(wellFormed);
            if (isMalformed(candidate) && candidate.length() == wellFormed.length()) {
                return candidate;
            }
            if (attempt > 100) {
                throw new IllegalStateException("cannot derive a bad-checksum token");
            }
        }
    }

    private String mutate(String token) {
        char[] c = token.toCharArray();
        int body = 3; // "gk_"
        switch (rnd.nextInt(5)) {
            case 0 -> { // substitute one character of the random part or the checksum
                int i = between(body, c.length - 1);
                c[i] = BASE62.charAt((BASE62.indexOf(c[i]) + 1 + rnd.nextInt(61)) % 62); // never the same
            }
            case 1 -> { // swap two neighbours (a typo)
                int i = between(body, c.length - 2);
                if (c[i] == c[i + 1]) {
                    c[i] = c[i] == 'a' ? 'b' : 'a';
                } else {
                    char t = c[i];
                    c[i] = c[i + 1];
                    c[i + 1] = t;
                }
            }
            case 2 -> { // a fresh random checksum
                for (int i = c.length - 6; i < c.length; i++) {
                    c[i] = BASE62.charAt(rnd.nextInt(62));
                }
            }
            case 3 -> { // flip the case of one letter
                int i = between(body, c.length - 1);
                c[i] = Character.isUpperCase(c[i]) ? Character.toLowerCase(c[i])
                        : Character.isLowerCase(c[i]) ? Character.toUpperCase(c[i]) : (c[i] == '0' ? '1' : '0');
            }
            default -> { // an entirely random body with a random checksum
                String fresh = fromAlphabet(BASE62, c.length - body);
                fresh.getChars(0, fresh.length(), c, body);
            }
        }
        return new String(c);
    }

    /** A string the authorizer classifies as a legacy key (one lookup): 16-256 legacy characters. */
    String legacyShaped() {
        while (true) {
            String s = fromAlphabet(LEGACY_CHARS, between(16, 256));
            if (FORMAT.classify(s) == TokenFormat.Kind.LEGACY) {
                return s;
            }
        }
    }

    // ---------------------------------------------------------------- values

    /** A JSON value of any type; strings from {@link #malformed()} so no value is usable as a token. */
    Object junkValue(int depth) {
        int roll = rnd.nextInt(depth <= 0 ? 9 : 11);
        return switch (roll) {
            case 0 -> null;
            case 1 -> rnd.nextInt();
            case 2 -> rnd.nextLong();
            case 3 -> new BigInteger(between(65, 400), rnd);
            case 4 -> pick(List.of(0.5, -0.0, 1e308, -1e-308, Double.MAX_VALUE, 3.14, rnd.nextDouble() * 1e20));
            case 5 -> rnd.nextBoolean();
            case 6, 7, 8 -> malformed();
            case 9 -> junkList(depth - 1);
            default -> junkMap(depth - 1);
        };
    }

    List<Object> junkList(int depth) {
        List<Object> l = new ArrayList<>();
        int n = chance(0.01) ? between(50, 300) : between(0, 5);
        for (int i = 0; i < n; i++) {
            l.add(junkValue(depth));
        }
        return l;
    }

    Map<String, Object> junkMap(int depth) {
        Map<String, Object> m = new LinkedHashMap<>();
        int n = between(0, 6);
        for (int i = 0; i < n; i++) {
            m.put(chance(0.8) ? pick(COMMON_NAMES) + i : malformed(), junkValue(depth));
        }
        return m;
    }

    /** A nested value {@code levels} deep: [[[...]]] or {"a":{"a":...}}. */
    Object deep(int levels) {
        Object v = malformed();
        for (int i = 0; i < levels; i++) {
            if (rnd.nextBoolean()) {
                List<Object> l = new ArrayList<>();
                l.add(v);
                v = l;
            } else {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("a", v);
                v = m;
            }
        }
        return v;
    }

    /** A method or route ARN API Gateway would never send. */
    Object garbledArn() {
        return switch (rnd.nextInt(12)) {
            case 0 -> null;
            case 1 -> junk();
            case 2 -> "arn:aws:execute-api:us-east-1:123456789012:";                     // no api id
            case 3 -> "arn:aws:execute-api:us-east-1:12345678901:abc/prod/POST/push";    // 11-digit account
            case 4 -> "arn:aws:lambda:us-east-1:123456789012:function:verify-authorizer"; // another service
            case 5 -> VALID_ARN + "\n";                                                  // a newline
            case 6 -> VALID_ARN + "/" + ascii(2100);                                     // too long
            case 7 -> rnd.nextInt();
            case 8 -> new ArrayList<>(List.of(VALID_ARN));                               // the right value, as a list
            case 9 -> "*";
            case 10 -> "arn:aws:execute-api:us-east-1:123456789012:*/prod/POST/push";    // wildcard api id
            default -> junkMap(1);
        };
    }

    static boolean isTokenHeaderName(Object name) {
        if (!(name instanceof String s)) {
            return false;
        }
        String lower = s.toLowerCase(Locale.ROOT);
        return lower.equals("authorization") || lower.equals("x-api-key");
    }

    /** Printable, short: for assertion messages (which must never carry a real token). */
    static String describe(Object v) {
        String s = String.valueOf(v);
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && b.length() < 240; i++) {
            char c = s.charAt(i);
            b.append(c >= 0x20 && c < 0x7F ? c : '?');
        }
        return s.length() > 240 ? b + "...(" + s.length() + " chars)" : b.toString();
    }
}
